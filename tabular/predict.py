"""The prediction core: validated records and a loaded model in, estimates and ranges out.

The views are thin adapters around estimate() (MLflow's scoring-server pattern), so tests
can hand in any loaded model."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import numpy as np

from tabular import interval
from tabular.model import Model
from tabular.schema import Record, Schema


@dataclass(frozen=True)
class Estimates:
    """The estimated target and the likely range around each, in the records' order."""
    values: list[float]
    low: list[float]
    high: list[float]
    groups: list[int]  # each record's calibration group: an index into the card's groups


def to_columns(records: Iterable[Record], schema: Schema) -> dict[str, np.ndarray]:
    """Validated records as the training columns: one array per field, in its training
    dtype (a blank is NaN). Columns, not a DataFrame: a
    compiled predictor reads them as they are."""
    records = list(records)
    return {f.name: np.array([r[f.name] for r in records], dtype=f.dtype) for f in schema}


def estimate(records: Iterable[Record], model: Model) -> Estimates:
    """The predicted target with the range training calibrated for each record's group."""
    records = list(records)
    if not records:
        return Estimates([], [], [], [])
    columns = to_columns(records, model.schema)
    values = np.asarray(model.predictor(columns), dtype=np.float64)
    if not np.isfinite(values).all():
        # Valid inputs never give this from a sound model; showing it (or emitting NaN in
        # JSON) would be worse than the 500 it becomes.
        raise ValueError("the model returned a non-finite prediction")
    spec = model.card["interval"]
    groups = interval.group_of(columns, spec)
    low, high = interval.around(values, groups, spec)
    return Estimates(values.tolist(), low.tolist(), high.tolist(), groups.tolist())
