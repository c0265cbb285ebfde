"""The API's OpenAPI 3.1 document, built from the same schema the validation uses and worded
by the card (web.words)."""
from __future__ import annotations

from tabular.json_input import MAX_ITEMS
from tabular.schema import Schema
from web.words import Words


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
    coverage, floor = card["interval"]["coverage"], card["interval"].get("floor")
    low = {"type": "number"} | ({} if floor is None else {"minimum": floor})
    result = {"type": "object", "required": ["predictions", "intervals", "coverage", "model"],
              "properties": {
        "predictions": {"type": "array", "items": {"type": "number"},
                        "description": say("api_predictions")},
        "intervals": {"type": "array", "description": say("api_intervals",
                                                           percent=f"{coverage:.0%}"),
            "items": {"type": "object", "required": ["low", "high"], "properties": {
                "low": low, "high": {"type": "number"}}}},
        "coverage": {"type": "number", "const": coverage,
                     "description": say("api_coverage")},
        "model": {"type": "object", "properties": {
            "name": {"type": "string"}, "sha256": {"type": "string"},
            "trained_at": {"type": "string", "format": "date-time"}}}}}

    def json_body(ref: str) -> dict:
        return {"content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}}

    return {
        "openapi": "3.1.0",
        "info": {"title": say("title"), "version": card["sha256"][:12],
                 "description": f"{card['model']['name']} trained {card['trained_at']}. "
                                + say("api_note")},
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
