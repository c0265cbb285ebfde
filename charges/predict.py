"""The prediction core: validated records in, dollars out. No Flask here (MLflow's pattern:
the web views are thin adapters around this, and tests can hand in any loaded model)."""
from __future__ import annotations

from typing import Iterable

import numpy as np
import pandas as pd

from charges.model import Model
from charges.schema import CATEGORICAL, FIELDS, INTEGER, Record

# The dtypes pandas gives the training CSV: the pipeline saw exactly these.
DTYPES = {name: "object" if name in CATEGORICAL else "int64" if name in INTEGER else "float64"
          for name in FIELDS}


def to_columns(records: Iterable[Record]) -> dict[str, np.ndarray]:
    """Validated records as the training columns: one array per field, in its training
    dtype. The fast path scores these as they are; a DataFrame of them costs more than
    its whole prediction (~0.25 ms to build and to take apart for a form POST)."""
    records = list(records)
    return {name: np.array([r[name] for r in records], dtype=dtype)
            for name, dtype in DTYPES.items()}


def to_frame(records: Iterable[Record]) -> pd.DataFrame:
    """Validated records as the DataFrame the pipeline was trained on: its columns, its dtypes."""
    return pd.DataFrame(to_columns(records), copy=False)


def predict(records: Iterable[Record], model: Model) -> list[float]:
    """Predicted yearly charges, one per record, in the records' order."""
    columns = to_columns(records)
    if not len(columns[FIELDS[0]]):
        return []
    values = np.asarray(model.predict_columns(columns), dtype=np.float64)
    if not np.isfinite(values).all():
        # Valid inputs never give this from a sound model; showing it (or emitting NaN in
        # JSON) would be worse than the 500 it becomes.
        raise ValueError("the model returned a non-finite prediction")
    return values.tolist()
