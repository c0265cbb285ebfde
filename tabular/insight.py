"""Context for one prediction: where it falls among the training targets, and what-if
answers from the same model in one batch call. The what-ifs are the card's "what_if" specs
(docs/card.md)."""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from tabular import sets
from tabular.model import Model
from tabular.predict import classify, estimate
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


@dataclass(frozen=True)
class ClassWhatIf:
    """A change, the probability of the answer's class under it, and the class then
    predicted."""
    label: str
    probability: float
    difference: float
    predicted: str


@dataclass(frozen=True)
class ClassAnswer:
    """A classifier's answer for one record: the most probable class, every class's
    probability (in model.classes order), the likely set and the what-ifs. `sure` is False
    when even the most probable class is below its set threshold: the set holds it only
    because a set is never empty, and the row is unlike the rows the sets were checked on."""
    label: str
    probabilities: dict[str, float]
    likely: list[str]
    what_if: list[ClassWhatIf]
    sure: bool


def percentile(value: float, quantiles: Sequence[float] | np.ndarray) -> int:
    """The share of training rows whose target was lower, in whole percent."""
    return int(round(float(np.interp(value, quantiles, _levels(len(quantiles))))))


@functools.cache
def _levels(n: int) -> np.ndarray:
    return np.linspace(0, 100, n)


def variants(record: Record, model: Model) -> list[tuple[str, Record]]:
    """The same record with one thing changed, for each of the card's what-if specs that
    applies: a value already set, or one validation would refuse (outside training, a blank
    moved "by"), is skipped."""
    out = []
    for spec in model.card.get("what_if", []):
        field = model.schema[spec["field"]]
        current = record[field.name]
        if spec.get("each"):
            values = [c for c in field.categories if c != current]
        elif "by" in spec:
            values = [current + spec["by"]]
        else:
            values = [spec["to"]]
        for value in values:
            if value == current:
                continue
            try:  # the schema's own rules, and its typing: a whole number as int
                changed = field.parse(value, typed=True)
            except ValueError:
                continue
            out.append((spec["label"].replace("{value}", str(value)),
                        {**record, field.name: changed}))
    return out


def explain(record: Record, model: Model) -> Answer:
    """The estimate, its range and its what-ifs, all from one call to the model."""
    changes = variants(record, model)
    found = estimate([record] + [changed for _, changed in changes], model)
    base = found.values[0]
    return Answer(base, found.low[0], found.high[0],
                  model.card["interval"]["groups"][found.groups[0]],
                  [WhatIf(label, value, value - base)
                   for (label, _), value in zip(changes, found.values[1:])])


def explain_class(record: Record, model: Model) -> ClassAnswer:
    """The class, its probabilities and set, and how the what-ifs move the probability of
    that class, all from one call to the model."""
    changes = variants(record, model)
    found = classify([record] + [changed for _, changed in changes], model)
    label, k = found.labels[0], model.classes.index(found.labels[0])
    base = found.probabilities[0][k]
    return ClassAnswer(label, dict(zip(model.classes, found.probabilities[0])), found.sets[0],
                       [ClassWhatIf(text, row[k], row[k] - base, predicted)
                        for (text, _), row, predicted
                        in zip(changes, found.probabilities[1:], found.labels[1:])],
                       base >= sets.threshold(model.card["sets"]["thresholds"], label))
