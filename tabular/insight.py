"""Context for one prediction: where it falls among the training targets, and what-if
answers from the same model in one batch call. The what-ifs are the card's "what_if" specs
(docs/card.md)."""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from tabular.model import Model
from tabular.predict import estimate
from tabular.schema import Record


@dataclass(frozen=True)
class WhatIf:
    label: str
    value: float
    difference: float


@dataclass(frozen=True)
class Answer:
    """One record's estimate, its likely range, the group that range was calibrated on
    (an entry of the card's interval groups), and the what-ifs."""
    value: float
    low: float
    high: float
    group: dict
    what_if: list[WhatIf]


def percentile(value: float, quantiles: Sequence[float] | np.ndarray) -> int:
    """The share of training rows whose target was lower, in whole percent."""
    return int(round(float(np.interp(value, quantiles, _levels(len(quantiles))))))


@functools.cache
def _levels(n: int) -> np.ndarray:
    return np.linspace(0, 100, n)


def variants(record: Record, model: Model) -> list[tuple[str, Record]]:
    """The same record with one thing changed, for each of the card's what-if specs that
    applies: a value already set, outside training, or blank is skipped."""
    out = []
    for spec in model.card.get("what_if", []):
        field = model.schema[spec["field"]]
        current = record[field.name]
        if spec.get("each"):
            values = [c for c in field.categories if c != current]
        elif "by" in spec:
            values = [] if current is None or current != current else [current + spec["by"]]
        else:
            values = [spec["to"]]
        for value in values:
            if value != current and _allowed(field, value):
                label = spec["label"].replace("{value}", str(value))
                out.append((label, {**record, field.name: _typed(field, value)}))
    return out


def _allowed(field, value) -> bool:
    if field.kind == "category":
        return value in field.categories
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and field.minimum <= value <= field.maximum
            and (field.kind != "integer" or float(value).is_integer()))


def _typed(field, value):
    """As validation types it: a whole number as int, a number as float."""
    return value if field.kind == "category" else (
        int(value) if field.kind == "integer" else float(value))


def explain(record: Record, model: Model) -> Answer:
    """The estimate, its range and its what-ifs, all from one call to the model."""
    changes = variants(record, model)
    found = estimate([record] + [changed for _, changed in changes], model)
    base = found.values[0]
    return Answer(base, found.low[0], found.high[0],
                  model.card["interval"]["groups"][found.groups[0]],
                  [WhatIf(label, value, value - base)
                   for (label, _), value in zip(changes, found.values[1:])])
