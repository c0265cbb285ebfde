"""Context for one prediction: where it falls among the training charges, a histogram to
show that, and what-if answers from the same model in one batch call."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from charges.model import Model
from charges.predict import predict
from charges.schema import Record

CHART_WIDTH, CHART_HEIGHT, CHART_BINS = 600, 160, 30


@dataclass(frozen=True)
class WhatIf:
    label: str
    value: float
    difference: float


def percentile(value: float, quantiles: list[float]) -> int:
    """The share of people in the data whose charges were lower, in whole percent."""
    levels = np.linspace(0, 100, len(quantiles))
    return int(round(float(np.interp(value, quantiles, levels))))


def histogram(quantiles: list[float], value: float) -> dict:
    """Bars of a charges histogram, in SVG coordinates, rebuilt from the stored percentiles
    (training keeps 101 of them rather than the rows themselves)."""
    q = np.asarray(quantiles)
    edges = np.linspace(q[0], q[-1], CHART_BINS + 1)
    share = np.diff(np.interp(edges, q, np.linspace(0, 1, len(q))))
    scale_x = CHART_WIDTH / (q[-1] - q[0])
    tallest = share.max()
    bars = []
    for low, high, part in zip(edges[:-1], edges[1:], share):
        h = (CHART_HEIGHT - 20) * part / tallest
        bars.append({"x": round((low - q[0]) * scale_x, 1), "width": round((high - low) * scale_x - 1, 1),
                     "y": round(CHART_HEIGHT - 20 - h, 1), "height": round(h, 1),
                     "marked": low <= value < high, "share": round(100 * part, 1)})
    marker = round((min(max(value, q[0]), q[-1]) - q[0]) * scale_x, 1)
    ticks = [{"x": round((t - q[0]) * scale_x, 1), "label": f"${t / 1000:,.0f}k"}
             for t in range(0, int(q[-1]) + 1, 10_000) if t >= q[0]]
    return {"bars": bars, "marker": marker, "ticks": ticks,
            "width": CHART_WIDTH, "height": CHART_HEIGHT, "axis": CHART_HEIGHT - 20}


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


def explain(record: Record, model: Model) -> tuple[float, list[WhatIf]]:
    """The prediction and its what-ifs, all from one call to the model."""
    changes = variants(record, model)
    values = predict([record] + [changed for _, changed in changes], model)
    base = values[0]
    return base, [WhatIf(label, value, value - base)
                  for (label, _), value in zip(changes, values[1:])]
