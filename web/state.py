"""The app's state: the loaded model and what follows from it, built once at start."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from flask import Flask, current_app, render_template
from markupsafe import Markup

from tabular import batch
from tabular.model import Model
from web.chart import Histogram
from web.filters import Format
from web.form import FormField, form_fields
from web.words import Words


@dataclass(frozen=True)
class State:
    model: Model
    quantiles: np.ndarray  # the card's target percentiles, converted once, not per np.interp
    chart: Histogram
    chart_bars: Markup  # the histogram's bars are the same for every answer: drawn once
    words: Words
    fmt: Format  # how the target's values are shown
    form: list[FormField]  # the form's fields, ids and hints worked out once
    fields: dict[str, FormField]  # the same by column name


def init_app(app: Flask, model: Model) -> None:
    quantiles = np.asarray(model.target["quantiles"], dtype=np.float64)
    fmt = Format.of(model.target)
    words = Words(model.card)
    chart = Histogram.of(quantiles, fmt)
    with app.app_context():
        bars = Markup(render_template("_bars.svg", chart=chart, say=words))
    form = form_fields(model.schema)
    # The target's formats as filters: a filter costs a page less than a call.
    app.jinja_env.filters.update(amount=fmt.amount, precise=fmt.precise, signed=fmt.signed)
    app.extensions["tabular"] = State(model, quantiles, chart, bars, words, fmt, form,
                                      {f.field.name: f for f in form})


def current() -> State:
    return current_app.extensions["tabular"]


def upload_limits() -> dict:
    return batch.limits(current_app.config["MAX_CONTENT_LENGTH"])
