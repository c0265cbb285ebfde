"""How long training takes on a bigger file: 5,000 rows and 10 input columns, resampled from
cps1985.csv with noise (and 2% of two columns left blank), trained as its owner would.

    python -m training.timing              # prints the seconds; the target is 5 minutes

A measurement, not a test: the time depends on the machine and on what else runs on it.
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from training import train

SOURCE = train.DEFAULT_DATA.with_name("cps1985.csv")


def synthetic(rows: int = 5000, seed: int = 0) -> pd.DataFrame:
    """cps1985's rows drawn with replacement; counts moved by -1..1, wages by about 10%."""
    rng = np.random.default_rng(seed)
    data = pd.read_csv(SOURCE).sample(rows, replace=True, random_state=seed)
    data = data.reset_index(drop=True)
    for name in ("education", "experience", "age"):
        low, high = data[name].min(), data[name].max()
        data[name] = (data[name] + rng.integers(-1, 2, rows)).clip(low, high)
    data["wage"] = (data["wage"] * rng.lognormal(0, 0.1, rows)).round(2)
    for name in ("experience", "occupation"):
        data.loc[rng.random(rows) < 0.02, name] = np.nan
    return data


def main(argv: list[str]) -> int:
    with tempfile.TemporaryDirectory(prefix="timing-") as folder:
        path = Path(folder) / "synthetic.csv"
        data = synthetic()
        data.to_csv(path, index=False)
        start = time.perf_counter()
        code = train.main(["--data", str(path), "--target", "wage", "--out", folder, *argv])
        seconds = time.perf_counter() - start
    print(f"{len(data)} rows, {data.shape[1] - 1} inputs: trained in {seconds:.0f} s "
          f"(exit code {code})")
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
