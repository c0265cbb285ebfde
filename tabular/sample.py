"""Random valid inputs over the whole domain the schema allows, typed as the app types them:
the sample a compiled predictor must agree on before it is used."""
from __future__ import annotations

import numpy as np
import pandas as pd

from tabular.schema import Schema


def domain_sample(schema: Schema, n: int, seed: int = 0) -> pd.DataFrame:
    """n random valid inputs over the whole domain, typed as the app types them. Row 0 holds
    every minimum, row 1 every maximum; the first rows cycle through every category. A field
    that may be blank is blank (NaN) in row 2 and in every tenth row
    after, so a compiled predictor must also agree on what the pipeline imputes."""
    rng = np.random.default_rng(seed)
    data = {}
    for f in schema:
        if f.kind == "category":  # one of each first, then at random
            values = np.array(f.categories, dtype=object)[rng.integers(len(f.categories), size=n)]
            values[:len(f.categories)] = f.categories[:n]
        elif f.kind == "integer":
            values = rng.integers(int(f.minimum), int(f.maximum), n, endpoint=True)
        else:  # half as typed into the form (two decimals), half arbitrary
            values = rng.uniform(f.minimum, f.maximum, n)
            values[::2] = np.clip(values[::2].round(2), f.minimum, f.maximum)
        if f.kind != "category":
            values[:2] = f.minimum, f.maximum
        if f.blank:
            values = values.astype(object if f.kind == "category" else np.float64)
            values[2::10] = f.missing
        data[f.name] = values
    return pd.DataFrame(data, columns=schema.names).astype(schema.dtypes)
