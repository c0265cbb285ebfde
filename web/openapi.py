"""The API's OpenAPI 3.1 document, built from the same schema the validation uses and worded
by the card (web.words)."""
from __future__ import annotations

from tabular.json_input import MAX_ITEMS
from tabular.model import task_of
from tabular.schema import Schema
from web.words import Words

MODEL = {"type": "object", "properties": {
    "name": {"type": "string"}, "sha256": {"type": "string"},
    "trained_at": {"type": "string", "format": "date-time"}}}
# The card's metric keys as a sentence names them.
METRICS = {"Accuracy": "accuracy", "AUC": "AUC", "F1": "F1", "LogLoss": "log loss",
           "Brier": "Brier score"}


def document(schema: Schema, card: dict, max_megabytes: int, say: Words) -> dict:
    record = say("api_record")
    item = {"type": "object", "required": [f.name for f in schema if not f.blank],
              "properties": {f.name: _property(f) for f in schema}}
    error = {"type": "object", "required": ["row", "field", "message"], "properties": {
        "row": {"type": ["integer", "null"], "description": "index in the list; null: the body"},
        "field": {"type": ["string", "null"]},
        "message": {"type": "string"}}}
    errors = {"type": "object", "required": ["errors"],
              "properties": {"errors": {"type": "array", "items": error}}}
    classifier = task_of(card) == "classification"
    result = _classes_result(card, say) if classifier else _range_result(card, say)

    def json_body(ref: str) -> dict:
        return {"content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}}

    return {
        "openapi": "3.1.0",
        "info": {"title": say("title"), "version": card["sha256"][:12],
                 "description": f"{card['model']['name']} trained {card['trained_at']}. "
                                + (_summary(card) if classifier else "") + say("api_note"),
                 **({"x-model-card": _model_card(card)} if classifier else {})},
        "paths": {"/api/predict": {"post": {
            "summary": say("api_summary"),
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "oneOf": [{"$ref": f"#/components/schemas/{record}"},
                          {"type": "array", "minItems": 1, "maxItems": MAX_ITEMS,
                           "items": {"$ref": f"#/components/schemas/{record}"}}]}}}},
            "responses": {
                "200": {"description": say("api_ok"), **json_body("Result")},
                "400": {"description": "the body is not JSON, or not an object or list",
                        **json_body("Errors")},
                "413": {"description": f"the body is larger than {max_megabytes} MB", **json_body("Errors")},
                "422": {"description": "some values are invalid; nothing was predicted",
                        **json_body("Errors")}}}}},
        "components": {"schemas": {record: item, "Result": result, "Errors": errors}},
    }


def _range_result(card: dict, say: Words) -> dict:
    coverage, floor = card["interval"]["coverage"], card["interval"].get("floor")
    low = {"type": "number"} | ({} if floor is None else {"minimum": floor})
    return {"type": "object", "required": ["predictions", "intervals", "coverage", "model"],
            "properties": {
        "predictions": {"type": "array", "items": {"type": "number"},
                        "description": say("api_predictions")},
        "intervals": {"type": "array", "description": say("api_intervals",
                                                           percent=f"{coverage:.0%}"),
            "items": {"type": "object", "required": ["low", "high"], "properties": {
                "low": low, "high": {"type": "number"}}}},
        "coverage": {"type": "number", "const": coverage,
                     "description": say("api_coverage")},
        "model": MODEL}}


def _classes_result(card: dict, say: Words) -> dict:
    """Worded by the same keys as regression's (web.words gives a classifier's defaults)."""
    classes, coverage = card["target"]["classes"], card["sets"]["coverage"]
    label = {"type": "string", "enum": classes}
    return {"type": "object",
            "required": ["predictions", "probabilities", "sets", "coverage", "model"],
            "properties": {
        "predictions": {"type": "array", "items": label,
                        "description": say("api_predictions")},
        "probabilities": {"type": "array", "description":
                          "each record's probability of every class, in the same order: the "
                          "saved pipeline's predict_proba, unrounded",
            "items": {"type": "object", "required": classes, "additionalProperties": False,
                      "properties": {c: {"type": "number", "minimum": 0, "maximum": 1}
                                     for c in classes}}},
        "sets": {"type": "array", "description": say("api_intervals", percent=f"{coverage:.0%}"),
                 "items": {"type": "array", "items": label, "minItems": 1,
                           "maxItems": len(classes), "uniqueItems": True}},
        "coverage": {"type": "number", "const": coverage, "description": say("api_coverage")},
        "model": MODEL}}


def _summary(card: dict) -> str:
    """The classes, the metrics and the likely sets' check, as sentences (ending in a space)."""
    metrics, sets = card["metrics"], card["sets"]["holdout"]
    classes = card["target"]["classes"]
    f1 = f"F1 of {classes[1]}" if len(classes) == 2 else "F1 weighted by class"

    def listed(found: dict) -> str:
        return ", ".join(f"{METRICS.get(k, k)} {v}" for k, v in found.items())

    return (f"Predicts one of {len(classes)} classes: {', '.join(classes)}. "
            f"Cross-validated ({metrics['folds']} folds): {listed(metrics['cv'])}; on "
            f"{card['rows']['holdout']} rows held out: {listed(metrics['holdout'])} ({f1}; log loss and "
            f"Brier score: lower is better). The {card['sets']['coverage']:.0%} likely sets "
            f"held the true class of {sets['coverage']:.1%} of the held-out rows, with "
            f"{sets['mean_size']:.2f} classes on average. Details: x-model-card. ")


def _model_card(card: dict) -> dict:
    """The card's figures on the classifier as they are: classes, metrics, the holdout
    confusion matrix (rows: true class, columns: predicted) and the likely sets."""
    metrics = card["metrics"]
    return {"classes": card["target"]["classes"],
            "metrics": {key: metrics[key] for key in ("cv", "holdout", "folds")},
            "confusion": metrics["confusion"], "calibration": metrics.get("calibration"),
            "sets": {key: card["sets"][key] for key in
                     ("method", "coverage", "mondrian", "thresholds", "holdout")}}


def _property(field) -> dict:
    """The field's JSON type and rule; one that may be blank also takes null (or leaving the
    key out)."""
    if field.kind == "category":
        found = {"type": "string", "enum": list(field.categories)}
    else:
        found = {"type": field.kind, "minimum": field.minimum, "maximum": field.maximum}
    if field.blank:
        found["type"] = [found["type"], "null"]
        found.get("enum", []).append(None)
    if field.help:
        found["description"] = field.help
    return found
