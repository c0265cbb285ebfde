"""The app's state: the loaded model and what follows from it, built once at start."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from flask import Flask, current_app, render_template
from markupsafe import Markup

from charges import batch
from charges.model import Model
from web.chart import Histogram


@dataclass(frozen=True)
class State:
    model: Model
    quantiles: np.ndarray  # the card's charges percentiles, converted once, not per np.interp
    chart: Histogram
    chart_bars: Markup  # the histogram's bars are the same for every answer: drawn once


def init_app(app: Flask, model: Model) -> None:
    quantiles = np.asarray(model.card["target"]["quantiles"], dtype=np.float64)
    chart = Histogram.of(quantiles)
    with app.app_context():
        bars = Markup(render_template("_bars.svg", chart=chart))
    app.extensions["charges"] = State(model, quantiles, chart, bars)


def current() -> State:
    return current_app.extensions["charges"]


def upload_limits() -> dict:
    return batch.limits(current_app.config["MAX_CONTENT_LENGTH"])
