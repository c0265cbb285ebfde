"""The JSON API: same validation and prediction as the form, errors as data, never a 500."""
import json
import math

import numpy as np
import pytest
from hypothesis import event, example, given, strategies as st

from tests.person import VALID
from tabular import json_input
from tests import strategies


def post(client, body, raw=False):
    data = body if raw else json.dumps(body)
    return client.post("/api/predict", data=data, content_type="application/json")


def test_one_object_gives_one_prediction_and_the_model(client, model, pipeline_predict, person):
    response = post(client, person)
    assert response.status_code == 200
    assert response.json["predictions"] == pytest.approx(pipeline_predict(model, [person]), rel=1e-12)
    assert response.json["model"] == {"name": model.name, "sha256": model.sha256,
                                      "trained_at": model.card["trained_at"]}


def test_a_list_gives_predictions_in_order(client, model, data, pipeline_predict):
    people = data.head(100).drop(columns="charges").to_dict("records")
    response = post(client, people)
    assert response.status_code == 200
    assert response.json["predictions"] == pytest.approx(pipeline_predict(model, people), rel=1e-12)


def test_no_cookie_or_csrf_token_is_needed(client, person):
    response = post(client, person)
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize("body, status, errors", [
    ("{not json", 400, [{"row": None, "field": None, "message": "the body is not valid JSON"}]),
    ("", 400, [{"row": None, "field": None, "message": "the body is not valid JSON"}]),
    ('"a string"', 400, [{"row": None, "field": None,
                          "message": "send one object with the six fields, or a list of such objects"}]),
    ("[]", 400, [{"row": None, "field": None, "message": "the list is empty; send at least one object"}]),
    ('{"age": NaN}', 400, [{"row": None, "field": None,
                            "message": "NaN is not a JSON number; send a finite number"}]),
    ('[{"age": Infinity}]', 400, [{"row": None, "field": None,
                                   "message": "Infinity is not a JSON number; send a finite number"}]),
    ("[1]", 422, [{"row": 0, "field": None, "message": "must be an object"}]),
])
def test_malformed_bodies_are_400_with_errors(client, body, status, errors):
    response = post(client, body, raw=True)
    assert response.status_code == status
    assert response.json == {"errors": errors}


@pytest.mark.parametrize("change, field, message", [
    ({"age": "19"}, "age", "age must be a JSON number (no quotes), like 41"),
    ({"age": True}, "age", "age must be a number, like 41"),
    ({"age": 1e400}, "age", "age must be a finite number"),
    ({"age": 10 ** 400}, "age", "age must be a finite number"),
    ({"age": 19.5}, "age", "age must be a whole number, like 41"),
    ({"bmi": 60}, "bmi", "bmi must be from 15.96 to 53.13"),
    ({"sex": "M"}, "sex", "sex must be one of female, male"),
    ({"region": None}, "region", "region is required"),
    ({"smoker": 1}, "smoker", "smoker must be text: one of no, yes"),
    ({"smoker": 10 ** 400}, "smoker", "smoker must be text: one of no, yes"),
])
def test_invalid_values_are_422_with_row_and_field(client, change, field, message, person):
    body = json.dumps([person, {**person, **change}])
    response = post(client, body.replace("Infinity", "1e400"), raw=True)
    assert response.status_code == 422
    assert response.json == {"errors": [{"row": 1, "field": field, "message": message}]}


def test_missing_fields_are_each_named(client):
    response = post(client, {"age": 30})
    assert response.status_code == 422
    assert {e["field"] for e in response.json["errors"]} == {"sex", "bmi", "children", "smoker", "region"}


def test_the_item_limit(client, model, person):
    with pytest.raises(json_input.ApiError) as caught:
        json_input.parse_body(json.dumps([person] * 11).encode(), model.schema, max_items=10)
    assert caught.value.status == 400
    assert caught.value.errors[0]["message"] == "the list has 11 objects; send at most 10"
    assert len(json_input.parse_body(json.dumps([person] * 10).encode(), model.schema, max_items=10)) == 10


def test_ten_thousand_objects_are_accepted(client, person):
    response = post(client, [person] * json_input.MAX_ITEMS)
    assert response.status_code == 200
    assert len(response.json["predictions"]) == json_input.MAX_ITEMS


def test_api_errors_for_unknown_paths_and_methods_are_json(client):
    assert client.get("/api/predict").status_code == 405
    assert client.get("/api/predict").json["errors"][0]["message"]
    assert client.get("/api/nothing").json["errors"][0]["row"] is None


def test_each_prediction_comes_with_its_likely_range_in_the_same_order(
        client, model, data, pipeline_predict, pipeline_ranges):
    people = data.sample(60, random_state=3).drop(columns="charges").to_dict("records")
    response = post(client, people)
    assert response.status_code == 200
    body = response.json
    assert body["coverage"] == model.card["interval"]["coverage"] == 0.8
    got = [(i["low"], i["high"]) for i in body["intervals"]]
    np.testing.assert_allclose(got, pipeline_ranges(model, people), rtol=1e-12)
    assert all(0 <= i["low"] <= p <= i["high"]
               for i, p in zip(body["intervals"], body["predictions"]))
    smokers = {i["high"] - i["low"] for i, row in zip(body["intervals"], people)
               if row["smoker"] == "yes"}
    others = {round(i["high"] - i["low"], 6) for i, row in zip(body["intervals"], people)
              if row["smoker"] == "no" and i["low"] > 0}
    assert len(others) == 1 and min(smokers) > max(others)  # one width per group, not per row


def test_a_response_matches_the_openapi_document(client, model, person):
    import jsonschema

    doc = client.get("/api/openapi.json").json
    result = doc["components"]["schemas"]["Result"]
    assert {"intervals", "coverage"} <= set(result["required"])
    body = post(client, [person, {**person, "smoker": "no"}]).json
    jsonschema.validate(body, result)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**body, "intervals": [{"low": -1, "high": 2}]}, result)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**body, "coverage": 0.9}, result)


def test_openapi_document_matches_the_validation_rules(client, model):
    doc = client.get("/api/openapi.json").json
    assert doc["openapi"].startswith("3.")
    person = doc["components"]["schemas"]["Person"]
    assert person["required"] == list(model.schema.fields)
    assert person["properties"]["age"] == {"type": "integer", "minimum": 18, "maximum": 64}
    assert person["properties"]["region"]["enum"] == list(model.schema["region"].categories)
    assert set(doc["paths"]["/api/predict"]["post"]["responses"]) == {"200", "400", "413", "422"}
    assert doc["paths"]["/api/predict"]["post"]["responses"]["413"]["description"] == \
        "the body is larger than 10 MB"


def test_a_key_given_twice_is_refused_not_guessed(client):
    response = post(client, '{"age": 300, "age": 19, "sex": "female", "bmi": 27.9, "children": 0, '
                            '"smoker": "yes", "region": "southwest"}', raw=True)
    assert response.status_code == 400
    assert response.json["errors"][0]["message"] == "the key 'age' appears more than once in an object"


def test_deeply_nested_json_is_a_400(client):
    response = post(client, '{"a":' * 100_000 + "1" + "}" * 100_000, raw=True)
    assert response.status_code == 400
    assert response.json["errors"][0]["message"] == "the body is nested too deeply"


def test_many_bad_rows_give_a_bounded_error_list(client, person):
    response = post(client, [{**person, "age": "x"}] * 5_000)
    assert response.status_code == 422
    errors = response.json["errors"]
    assert len(errors) == json_input.ERRORS_SHOWN + 1
    assert errors[-1]["message"] == "… and 4,900 more errors"


@strategies.FAST
@example([{**VALID, "age": 19, "bmi": 27.9, "children": 0}])
@given(st.one_of(strategies.PERSON_JSON, st.lists(strategies.PERSON_JSON, max_size=3),
                 strategies.JUNK_JSON))
def test_any_json_body_is_predictions_or_errors(client, model, pipeline_predict, body):
    response = client.post("/api/predict", data=json.dumps(body), content_type="application/json")
    event(f"HTTP {response.status_code}")
    assert response.status_code in (200, 400, 422)
    payload = response.json
    if response.status_code == 200:
        rows = [body] if isinstance(body, dict) else body
        records = [model.schema.validate(r, typed=True)[0] for r in rows]
        assert payload["predictions"] == pytest.approx(pipeline_predict(model, records), rel=1e-9)
        assert all(math.isfinite(p) for p in payload["predictions"])
        assert len(payload["intervals"]) == len(records)
        assert all(0 <= i["low"] <= p <= i["high"]
                   for i, p in zip(payload["intervals"], payload["predictions"]))
    else:
        assert payload["errors"] and all(e["message"] for e in payload["errors"])


def test_categories_in_any_letter_case_predict_as_the_training_spelling(client, model,
                                                                         pipeline_predict, person):
    sent = {**person, "sex": person["sex"].upper(), "region": " " + person["region"].title()}
    response = post(client, sent)
    assert response.status_code == 200
    assert response.json["predictions"] == pytest.approx(pipeline_predict(model, [person]),
                                                         rel=1e-12)
