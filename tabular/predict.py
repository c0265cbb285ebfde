"""The prediction core: validated records and a loaded model in, estimates and ranges (or a
classifier's classes, probabilities and likely sets) out.

The views are thin adapters around estimate() and classify() (MLflow's scoring-server
pattern), so tests can hand in any loaded model."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import numpy as np

from tabular import interval, sets
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


@dataclass(frozen=True)
class Classified:
    """A classifier's answer for each record, in the records' order: the most probable class,
    every class's probability (columns in model.classes order) and the likely set."""
    labels: list[str]
    probabilities: list[list[float]]
    sets: list[list[str]]


def classify(records: Iterable[Record], model: Model) -> Classified:
    """The predicted class, the probabilities and the set training calibrated, per record."""
    records = list(records)
    if not records:
        return Classified([], [], [])
    proba = np.asarray(model.predictor(to_columns(records, model.schema)), dtype=np.float64)
    if proba.shape != (len(records), len(model.classes)) or not np.isfinite(proba).all():
        raise ValueError("the model returned probabilities of the wrong shape or not finite")
    # The most probable class: the pipeline's own predict, as load_model checked.
    labels = [model.classes[k] for k in np.argmax(proba, axis=1)]
    found = sets.likely(model.card["sets"]["thresholds"], proba, labels, model.classes)
    return Classified(labels, proba.tolist(), found)
