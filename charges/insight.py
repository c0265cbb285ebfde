"""Context for one prediction: where it falls among the training charges, and what-if
answers from the same model in one batch call."""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from charges.model import Model
from charges.predict import estimate
from charges.schema import Record


@dataclass(frozen=True)
class WhatIf:
    label: str
    value: float
    difference: float


@dataclass(frozen=True)
class Answer:
    """One person's estimate, its likely range, the group that range was calibrated on
    (an entry of the card's interval groups), and the what-ifs."""
    value: float
    low: float
    high: float
    group: dict
    what_if: list[WhatIf]


def percentile(value: float, quantiles: Sequence[float] | np.ndarray) -> int:
    """The share of people in the data whose charges were lower, in whole percent."""
    return int(round(float(np.interp(value, quantiles, _levels(len(quantiles))))))


@functools.cache
def _levels(n: int) -> np.ndarray:
    return np.linspace(0, 100, n)


def variants(record: Record, model: Model) -> list[tuple[str, Record]]:
    """The same person with one thing changed, for each change the data can answer."""
    schema = model.schema
    out = []
    other = "no" if record["smoker"] == "yes" else "yes"
    if other in schema["smoker"].categories:
        out.append(("As a non-smoker" if other == "no" else "As a smoker",
                    {**record, "smoker": other}))
    bmi = schema["bmi"]
    if record["bmi"] != 25 and bmi.minimum <= 25 <= bmi.maximum:
        out.append(("With a BMI of 25", {**record, "bmi": 25.0}))
    children = schema["children"]
    for step, label in ((1, "With one child more"), (-1, "With one child fewer")):
        if children.minimum <= record["children"] + step <= children.maximum:
            out.append((label, {**record, "children": record["children"] + step}))
    for region in schema["region"].categories:
        if region != record["region"]:
            out.append((f"Living in the {region}", {**record, "region": region}))
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
