"""The bare-Flask bound: our form parsing, validation and page, but no model.

Whatever our app does per request beyond this (request guards, security headers, the model
and the result section) is what the app ÷ bare ratio prices. It renders the real
templates/index.html with the submitted values echoed back, as after a validation error:
the result section needs a prediction, and this server has no model to make one.
"""
from __future__ import annotations

import json
from pathlib import Path

from flask import Flask, render_template, request

from charges import batch, present
from charges.schema import Schema

ROOT = Path(__file__).resolve().parent.parent
CARD = json.loads((ROOT / "deployment.json").read_text())
SCHEMA = Schema.from_card(CARD)

app = Flask(__name__, root_path=str(ROOT))
# The app's template filters are the functions of charges.present; an unknown filter would
# stop the page from compiling, so take them all.
for name, function in vars(present).items():
    if callable(function) and getattr(function, "__module__", "") == present.__name__:
        app.add_template_filter(function, name)
# The page links to the app's other views (model card, API, CSV upload), which this server
# does not have; "#" keeps the page rendering as those views come and go.
app.url_build_error_handlers.append(lambda error, endpoint, values: "#")


@app.context_processor
def model_facts():
    # What app.py's context processor gives every page.
    return {"card": CARD, "limits": batch.limits()}


@app.get("/")
def index():
    return render_template("index.html", schema=SCHEMA, values={}, errors={})


@app.post("/predict")
def predict_form():
    values = {name: request.form.get(name, "") for name in SCHEMA.fields}
    record, errors = SCHEMA.validate(values)
    return render_template("index.html", schema=SCHEMA, values=values, errors=errors), \
        400 if errors else 200
