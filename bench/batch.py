"""In-process batch scoring: rows/s of the loaded model on a large frame of valid inputs."""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from charges.schema import DTYPES

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class BatchResult:
    rows: int
    frame_rows_s: float     # model.predict_frame
    pipeline_rows_s: float  # model.pipeline.predict
    fast_path: bool         # the model scores with the derived path, not pipeline.predict
    max_abs_diff: float     # between the two, in dollars


def random_frame(schema, rows: int, seed: int = 0) -> pd.DataFrame:
    """Valid random inputs within the ranges training recorded, with the app's dtypes."""
    rng = np.random.default_rng(seed)
    columns = {}
    for field in schema:
        if field.kind == "category":
            columns[field.name] = rng.choice(field.categories, rows)
        elif field.kind == "integer":
            columns[field.name] = rng.integers(field.minimum, field.maximum, rows, endpoint=True)
        else:
            columns[field.name] = rng.uniform(field.minimum, field.maximum, rows).round(2)
    return pd.DataFrame(columns).astype(DTYPES)


def rows_per_s(predict, frame: pd.DataFrame, repeats: int) -> tuple[float, np.ndarray]:
    """Best of `repeats`: the least disturbed run is the closest to what the code costs."""
    predict(frame.head(1000))  # first-call costs (lazy imports, caches) are not throughput
    best, out = float("inf"), None
    for _ in range(repeats):
        started = time.perf_counter()
        out = np.asarray(predict(frame))
        best = min(best, time.perf_counter() - started)
    return len(frame) / best, out


def measure(rows: int, repeats: int) -> BatchResult:
    from charges import model as model_loader

    model = model_loader.load(ROOT / "deployment.pkl")
    frame = random_frame(model.schema, rows)
    fast, fast_out = rows_per_s(model.predict_frame, frame, repeats)
    slow, slow_out = rows_per_s(model.pipeline.predict, frame, repeats)
    return BatchResult(rows, fast, slow,
                       fast_path=model.fast_path,
                       max_abs_diff=float(np.max(np.abs(fast_out - slow_out))))
