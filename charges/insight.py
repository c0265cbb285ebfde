"""Context for one prediction: where it falls among the training charges, a histogram to
show that, and what-if answers from the same model in one batch call."""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from charges.model import Model
from charges.predict import estimate
from charges.schema import Record

CHART_WIDTH, CHART_HEIGHT, CHART_BINS = 600, 160, 30


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


@dataclass(frozen=True)
class Histogram:
    """A charges histogram in SVG coordinates, rebuilt from the stored percentiles (training
    keeps 101 of them rather than the rows). Built once per model; a request only asks where
    its prediction falls."""
    low: float
    high: float
    bars: tuple[dict, ...]
    ticks: tuple[dict, ...]
    width: int = CHART_WIDTH
    height: int = CHART_HEIGHT
    axis: int = CHART_HEIGHT - 20

    @classmethod
    def of(cls, quantiles: Sequence[float] | np.ndarray) -> "Histogram":
        q = np.asarray(quantiles)
        low, high = float(q[0]), float(q[-1])
        edges = np.linspace(low, high, CHART_BINS + 1)
        share = np.diff(np.interp(edges, q, np.linspace(0, 1, len(q))))
        x = lambda value: _x(value, low, high)  # noqa: E731
        axis = CHART_HEIGHT - 20
        bars = tuple({"x": x(a), "width": round(x(b) - x(a) - 1, 1),
                      "y": round(axis * (1 - part / share.max()), 1),
                      "height": round(axis * part / share.max(), 1),
                      "low": float(a), "high": float(b), "share": round(100 * part, 1)}
                     for a, b, part in zip(edges[:-1], edges[1:], share))
        ticks = tuple({"x": x(t), "label": f"${t / 1000:,.0f}k"}
                      for t in range(0, int(high) + 1, 10_000) if t >= low)
        return cls(low, high, bars, ticks)

    def marker(self, value: float) -> float:
        """The x of a prediction, held inside the chart when it falls outside the data."""
        return _x(min(max(value, self.low), self.high), self.low, self.high)

    def band(self, low: float, high: float) -> tuple[float, float]:
        """The x and width of a range of charges, held inside the chart."""
        left, right = self.marker(low), self.marker(high)
        return left, max(round(right - left, 1), 1.0)

    def marked(self, value: float) -> int | None:
        """The index of the bar the prediction falls in, if any."""
        return next((i for i, bar in enumerate(self.bars)
                     if bar["low"] <= value < bar["high"]), None)


def _x(value: float, low: float, high: float) -> float:
    """Charges in dollars to the chart's horizontal SVG coordinate."""
    return round((value - low) * CHART_WIDTH / (high - low), 1)


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
