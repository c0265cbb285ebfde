"""The app's state: the loaded model and what follows from it, built once at start.

What differs between a regression and a classifier's pages lives in one of two views, chosen
here once (VIEWS): the templates that show an answer and the model card, and what an answer
needs besides the model (a regression's chart; a classifier needs nothing more)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Protocol

import numpy as np
from flask import Flask, current_app, render_template
from markupsafe import Markup

from tabular import batch, insight
from tabular.model import Model
from tabular.schema import Record
from tabular.sheet import output_columns
from web.chart import Histogram
from web.filters import Format
from web.form import FormField, form_fields
from web.words import Words


class View(Protocol):
    result: ClassVar[str]  # the template of an answer, included by index.html
    card: ClassVar[str]  # the model card's template
    nav: ClassVar[str]  # the header's link to the form
    download: ClassVar[str]  # the template of the upload's sentence on the columns added

    def answer(self, record: Record, model: Model) -> dict:
        """The template context of one record's answer."""


@dataclass(frozen=True)
class Regression:
    """An estimate, its likely range and the target's histogram."""
    quantiles: np.ndarray  # the card's target percentiles, converted once, not per np.interp
    chart: Histogram
    chart_bars: Markup  # the histogram's bars are the same for every answer: drawn once
    result: ClassVar[str] = "_result.html"
    card: ClassVar[str] = "model.html"
    nav: ClassVar[str] = "Estimate"
    download: ClassVar[str] = "_download.html"

    @classmethod
    def of(cls, app: Flask, model: Model, words: Words, fmt: Format) -> "Regression":
        quantiles = np.asarray(model.target["quantiles"], dtype=np.float64)
        chart = Histogram.of(quantiles, fmt)
        with app.app_context():
            bars = Markup(render_template("_bars.svg", chart=chart, say=words))
        return cls(quantiles, chart, bars)

    def answer(self, record: Record, model: Model) -> dict:
        answer = insight.explain(record, model)
        return {"answer": answer, "chart": self.chart, "chart_bars": self.chart_bars,
                "percentile": insight.percentile(answer.value, self.quantiles)}


@dataclass(frozen=True)
class Classification:
    """The predicted class, every class's probability, the likely set and the what-ifs."""
    result: ClassVar[str] = "_classes.html"
    card: ClassVar[str] = "model_classes.html"
    nav: ClassVar[str] = "Predict"
    download: ClassVar[str] = "_download_classes.html"

    @classmethod
    def of(cls, app: Flask, model: Model, words: Words, fmt: Format) -> "Classification":
        return cls()

    def answer(self, record: Record, model: Model) -> dict:
        return {"answer": insight.explain_class(record, model)}


VIEWS = {"regression": Regression, "classification": Classification}


@dataclass(frozen=True)
class State:
    model: Model
    view: View  # what the model's task shows
    words: Words
    fmt: Format  # how the target's values are shown
    form: list[FormField]  # the form's fields, ids and hints worked out once
    fields: dict[str, FormField]  # the same by column name
    outputs: tuple[str, ...]  # the columns a CSV download adds


def init_app(app: Flask, model: Model) -> None:
    fmt = Format.of(model.target)
    words = Words(model.card)
    view = VIEWS[model.task].of(app, model, words, fmt)
    form = form_fields(model.schema)
    # The target's formats as filters: a filter costs a page less than a call.
    app.jinja_env.filters.update(amount=fmt.amount, precise=fmt.precise, signed=fmt.signed)
    app.extensions["tabular"] = State(model, view, words, fmt, form,
                                      {f.field.name: f for f in form},
                                      output_columns(model.target["name"], model.classes))


def current() -> State:
    return current_app.extensions["tabular"]


def upload_limits() -> dict:
    return batch.limits(current_app.config["MAX_CONTENT_LENGTH"])
