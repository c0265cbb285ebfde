"""The charges histogram in SVG coordinates, for the result page's chart."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

CHART_WIDTH, CHART_HEIGHT, CHART_BINS = 600, 160, 30


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
