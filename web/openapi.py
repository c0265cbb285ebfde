"""The API's OpenAPI 3.1 document, built from the same schema the validation uses."""
from __future__ import annotations

from charges.json_input import MAX_ITEMS
from charges.schema import Schema


def document(schema: Schema, card: dict, max_megabytes: int) -> dict:
    person = {"type": "object", "required": list(schema.fields), "properties": {
        f.name: _property(f) for f in schema}}
    error = {"type": "object", "required": ["row", "field", "message"], "properties": {
        "row": {"type": ["integer", "null"], "description": "index in the list; null: the body"},
        "field": {"type": ["string", "null"]},
        "message": {"type": "string"}}}
    errors = {"type": "object", "required": ["errors"],
              "properties": {"errors": {"type": "array", "items": error}}}
    coverage = card["interval"]["coverage"]
    result = {"type": "object", "required": ["predictions", "intervals", "coverage", "model"],
              "properties": {
        "predictions": {"type": "array", "items": {"type": "number"},
                        "description": "expected yearly charges in US dollars, in input order"},
        "intervals": {"type": "array", "description": (
            f"the likely range of each prediction, in the same order: {coverage:.0%} of "
            "people like that one paid within it, as measured on people the model had not "
            "seen (0 <= low <= prediction <= high)"),
            "items": {"type": "object", "required": ["low", "high"], "properties": {
                "low": {"type": "number", "minimum": 0}, "high": {"type": "number"}}}},
        "coverage": {"type": "number", "const": coverage,
                     "description": "the share of people whose bill a range holds"},
        "model": {"type": "object", "properties": {
            "name": {"type": "string"}, "sha256": {"type": "string"},
            "trained_at": {"type": "string", "format": "date-time"}}}}}

    def json_body(ref: str) -> dict:
        return {"content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}}

    return {
        "openapi": "3.1.0",
        "info": {"title": "Insurance charges predictor", "version": card["sha256"][:12],
                 "description": f"{card['model']['name']} trained {card['trained_at']}. "
                                "Estimates only, not a quote."},
        "paths": {"/api/predict": {"post": {
            "summary": "Predict yearly medical insurance charges",
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "oneOf": [{"$ref": "#/components/schemas/Person"},
                          {"type": "array", "minItems": 1, "maxItems": MAX_ITEMS,
                           "items": {"$ref": "#/components/schemas/Person"}}]}}}},
            "responses": {
                "200": {"description": "one prediction per person", **json_body("Result")},
                "400": {"description": "the body is not JSON, or not an object or list",
                        **json_body("Errors")},
                "413": {"description": f"the body is larger than {max_megabytes} MB", **json_body("Errors")},
                "422": {"description": "some values are invalid; nothing was predicted",
                        **json_body("Errors")}}}}},
        "components": {"schemas": {"Person": person, "Result": result, "Errors": errors}},
    }


def _property(field) -> dict:
    if field.kind == "category":
        return {"type": "string", "enum": list(field.categories)}
    return {"type": field.kind, "minimum": field.minimum, "maximum": field.maximum}
