"""The app's state: the loaded model and what follows from it, built once at start."""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from flask import Flask, current_app, render_template
from markupsafe import Markup

from charges import batch
from charges.model import Model
from charges.schema import Schema
from web.chart import Histogram
from web.filters import Format
from web.words import Words


@dataclass(frozen=True)
class State:
    model: Model
    quantiles: np.ndarray  # the card's target percentiles, converted once, not per np.interp
    chart: Histogram
    chart_bars: Markup  # the histogram's bars are the same for every answer: drawn once
    words: Words
    fmt: Format  # how the target's values are shown
    ids: dict[str, str]  # input column -> its HTML id


def init_app(app: Flask, model: Model) -> None:
    quantiles = np.asarray(model.target["quantiles"], dtype=np.float64)
    fmt = Format.of(model.target)
    words = Words(model.card)
    chart = Histogram.of(quantiles, fmt)
    with app.app_context():
        bars = Markup(render_template("_bars.svg", chart=chart, say=words))
    app.extensions["charges"] = State(model, quantiles, chart, bars, words, fmt,
                                      field_ids(model.schema))


ID_SUFFIXES = ("", "-hint", "-help", "-error")  # the ids the form derives from a field's


def field_ids(schema: Schema) -> dict[str, str]:
    """An HTML id for each input, whatever its column name ("Model Year", "yrs.since.phd"):
    "field-" and the name's letters and digits, lower case, with a number added where two
    names (or one's -hint/-help/-error ids) would meet. The prefix keeps them apart from the
    page's own ids."""
    ids: dict[str, str] = {}
    taken: set[str] = set()
    for name in schema.names:
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "input"
        candidate, n = f"field-{slug}", 1
        while any(candidate + suffix in taken for suffix in ID_SUFFIXES):
            n += 1
            candidate = f"field-{slug}-{n}"
        ids[name] = candidate
        taken.update(candidate + suffix for suffix in ID_SUFFIXES)
    return ids


def current() -> State:
    return current_app.extensions["charges"]


def upload_limits() -> dict:
    return batch.limits(current_app.config["MAX_CONTENT_LENGTH"])
