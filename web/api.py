"""The JSON API for programs, and its OpenAPI description."""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from tabular import json_input
from tabular.model import Model
from tabular.predict import classify, estimate
from tabular.schema import Record
from web import openapi
from web.state import current, upload_limits

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.post("/predict")
def predict_api():
    model = current().model
    try:
        records = json_input.parse_body(request.get_data(), model.schema)
    except json_input.ApiError as error:
        return jsonify(errors=error.errors), error.status
    facts = {"name": model.name, "sha256": model.sha256, "trained_at": model.card["trained_at"]}
    return jsonify(**answer(records, model), model=facts)


def answer(records: list[Record], model: Model) -> dict:
    """The predictions in input order: estimates with their likely ranges, or classes with
    every class's probability (unrounded: JSON keeps a float to the bit) and the likely sets."""
    if model.task == "classification":
        found = classify(records, model)
        return {"predictions": found.labels,
                "probabilities": [dict(zip(model.classes, row)) for row in found.probabilities],
                "sets": found.sets, "coverage": model.card["sets"]["coverage"]}
    found = estimate(records, model)
    return {"predictions": found.values,
            "intervals": [{"low": low, "high": high} for low, high in zip(found.low, found.high)],
            "coverage": model.card["interval"]["coverage"]}


@bp.get("/openapi.json")
def openapi_json():
    model = current().model
    return jsonify(openapi.document(model.schema, model.card, upload_limits()["megabytes"],
                                    current().words))
