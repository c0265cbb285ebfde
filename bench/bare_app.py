"""The bare-Flask bound: the app's form parsing, validation and page, with no model (so no
result: the page echoes the values back, as after a validation error). What the app does
beyond this per request is what the app ÷ bare ratio prices."""
from __future__ import annotations

import json

from flask import Blueprint, Flask, render_template, request

from tests.launcher import ROOT
from tabular import batch
from tabular.schema import Schema
from tabular.sheet import output_columns
from web.filters import FILTERS
from web.form import form_fields
from web.state import Regression
from web.words import Words

CARD = json.loads((ROOT / "deployment.json").read_text())
SCHEMA = Schema.from_card(CARD)
FORM = form_fields(SCHEMA)
PAGE = {"form": FORM, "fields": {f.field.name: f for f in FORM},
        "outputs": output_columns(CARD["target"]["name"])}  # what the app's page() adds
WORDS = Words(CARD)
FACTS = {"card": CARD, "limits": batch.limits(), "say": WORDS,
         "words": WORDS.fixed, "view": Regression}  # what the app gives every page (the
# view's templates and link text are class attributes: no chart is needed to read them)
# The app's blueprint name, so that url_for builds the page's links as the app does.
pages = Blueprint("pages", __name__)
for _filter in FILTERS:  # the page's filters, as the app registers them
    pages.add_app_template_filter(_filter)


@pages.app_context_processor
def model_facts() -> dict:
    return FACTS


@pages.get("/")
def index():
    return render_template("index.html", **PAGE, values={}, errors={})


@pages.post("/predict")
def predict_form():
    values = {name: request.form.get(name, "") for name in SCHEMA.fields}
    _, errors = SCHEMA.validate(values)
    return render_template("index.html", **PAGE, values=values, errors=errors), \
        400 if errors else 200


def elsewhere(error, endpoint: str, values: dict) -> str:
    """Links to the views this server lacks (upload, model card, API) go to "#"."""
    if endpoint in app.view_functions:
        raise error
    return "#"


app = Flask(__name__, root_path=str(ROOT))
app.register_blueprint(pages)
app.url_build_error_handlers.append(elsewhere)
