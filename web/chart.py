"""The target's histogram in SVG coordinates, for the result page's chart."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import math

import numpy as np

from web.filters import Format

CHART_WIDTH, CHART_HEIGHT, CHART_BINS = 600, 160, 30


@dataclass(frozen=True)
class Histogram:
    """The target's histogram in SVG coordinates, rebuilt from the stored percentiles (training
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
    def of(cls, quantiles: Sequence[float] | np.ndarray, fmt: Format = Format()) -> "Histogram":
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
        step = tick_step(high - low)
        ticks = tuple({"x": x(float(t)), "label": fmt.tick(float(t), step)}
                      for t in step * np.arange(math.ceil(low / step), math.floor(high / step) + 1))
        return cls(low, high, bars, ticks)

    def marker(self, value: float) -> float:
        """The x of a prediction, held inside the chart when it falls outside the data."""
        return _x(min(max(value, self.low), self.high), self.low, self.high)

    def band(self, low: float, high: float) -> tuple[float, float]:
        """The x and width of a range of values, held inside the chart."""
        left, right = self.marker(low), self.marker(high)
        return left, max(round(right - left, 1), 1.0)

    def marked(self, value: float) -> int | None:
        """The index of the bar the prediction falls in, if any."""
        return next((i for i, bar in enumerate(self.bars)
                     if bar["low"] <= value < bar["high"]), None)


def tick_step(span: float) -> float:
    """The round step (1, 2 or 5 times a power of ten) giving at most 7 ticks over span."""
    if not span > 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(span / 7))
    return next(power * m for m in (1, 2, 5, 10) if power * m >= span / 7)


def _x(value: float, low: float, high: float) -> float:
    """A target value to the chart's horizontal SVG coordinate."""
    return round((value - low) * CHART_WIDTH / (high - low), 1)
