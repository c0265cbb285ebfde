"""A misnamed input is refused, never read as blank: a JSON key or a CSV column that is not an
input but looks like one (same letters and digits in any case and punctuation, or a unit left
off the end) would otherwise leave an input that may be blank empty, and the pipeline would
impute it: a wrong answer with no warning. Other extra keys and columns stay welcome.
Expected answers are the pipeline's own predict."""
import html
import io
import json

import numpy as np
import pandas as pd
import pytest

from tests.test_classifier_files import as_json, own_answers
from tests.test_other_data import typed

SAME_SITE = {"Sec-Fetch-Site": "same-origin"}
# The attacker's header: the penguins columns as a person would title them.
TITLED = ["island", "Bill Length (mm)", "Bill Depth (mm)", "Flipper Length (mm)",
          "Body Mass (g)", "Sex", "year"]


def post_json(client, body):
    return client.post("/api/predict", data=json.dumps(body), content_type="application/json")


def upload(client, content: bytes):
    response = client.post("/batch", data={"file": (io.BytesIO(content), "x.csv")},
                           headers=SAME_SITE)
    return response, html.unescape(response.get_data(as_text=True))


@pytest.fixture(scope="module")
def penguins(serve):
    client, model, raw = serve("penguins")
    frame = typed(model, raw)
    whole = frame[frame.notna().all(axis=1)].head(3).reset_index(drop=True)
    return client, model, whole


@pytest.mark.parametrize("name, expected", [
    ("Bill_Length_mm", "bill_length_mm"), ("Bill Length (mm)", "bill_length_mm"),
    ("bill-depth-mm", "bill_depth_mm"), ("Sex", "sex"), ("SEX ", "sex"),
    ("bill_depth", "bill_depth_mm"), ("body_mass", "body_mass_g"),  # a unit left off
    ("flipper", None), ("bill", None), ("id", None), ("note", None), ("", None),
    ("sex", None), ("bill_length_mm", None),  # the inputs themselves
    ("bill_length_mm_2", None),  # longer than an input: another column, not a misspelling
])
def test_the_loose_match(penguins, name, expected):
    _, model, _ = penguins
    assert model.schema.near_miss(name) == expected


def test_penguins_misspelt_json_keys_are_refused(penguins):
    client, model, whole = penguins
    rows = as_json(whole)
    bad = {"island": rows[1]["island"], "Bill_Length_mm": rows[1]["bill_length_mm"],
           "bill_depth": rows[1]["bill_depth_mm"], "year": rows[1]["year"], "id": 7}
    response = post_json(client, [rows[0], bad])
    assert response.status_code == 422
    assert response.json == {"errors": [
        {"row": 1, "field": "Bill_Length_mm",
         "message": "Bill_Length_mm is not an input; did you mean bill_length_mm?"},
        {"row": 1, "field": "bill_depth",
         "message": "bill_depth is not an input; did you mean bill_depth_mm?"}]}
    # The right key with a misspelt twin is refused too: which one was meant is unclear.
    twin = post_json(client, {**rows[0], "Sex": rows[0]["sex"]})
    assert twin.status_code == 422 and twin.json["errors"] == [
        {"row": 0, "field": "Sex", "message": "Sex is not an input; did you mean sex?"}]


def test_penguins_exact_keys_and_unrelated_extras_are_answered(penguins):
    client, model, whole = penguins
    labels, proba, _ = own_answers(model, whole)
    rows = [{**row, "id": i, "note": "seen at dawn"} for i, row in enumerate(as_json(whole))]
    response = post_json(client, rows)
    assert response.status_code == 200, response.json
    assert response.json["predictions"] == labels
    got = [[p[c] for c in model.classes] for p in response.json["probabilities"]]
    np.testing.assert_allclose(got, proba, rtol=0, atol=1e-6)
    # Leaving an optional key out still reads it as blank (unchanged).
    short = {k: v for k, v in as_json(whole)[0].items() if k != "sex"}
    labels, _, _ = own_answers(model, whole.head(1).assign(sex=float("nan")))
    assert post_json(client, short).json["predictions"] == labels


def test_penguins_titled_csv_header_is_refused_naming_each_column(penguins):
    client, model, whole = penguins
    content = whole.set_axis(TITLED, axis=1).to_csv(index=False).encode()
    response, text = upload(client, content)
    assert response.status_code == 400
    for name, field in zip(TITLED[1:5], model.schema.names[1:5]):
        assert (f"The column “{name}” looks like {field}: name it {field} (or delete it) "
                "and upload again.") in text
    assert "“Sex”" not in text  # a header's letter case is free: Sex is the sex column


def test_penguins_csv_with_a_unit_left_off_is_refused(penguins):
    client, _, whole = penguins
    content = whole.rename(columns={"body_mass_g": "body_mass"}).to_csv(index=False).encode()
    response, text = upload(client, content)
    assert response.status_code == 400
    assert "The column “body_mass” looks like body_mass_g: name it body_mass_g" in text


def test_penguins_csv_with_exact_names_and_extra_columns_is_scored(penguins):
    client, model, whole = penguins
    labels, _, _ = own_answers(model, whole)
    extra = whole.assign(id=range(len(whole)), bill="long", Notes="x")
    response, text = upload(client, extra.to_csv(index=False).encode())
    assert response.status_code == 200, text[:2000]
    out = pd.read_csv(io.BytesIO(response.data), dtype=str, keep_default_na=False)
    assert out["predicted_species"].tolist() == labels
    assert out["id"].tolist() == ["0", "1", "2"] and out["bill"].tolist() == ["long"] * 3
    # Optional columns left out, with no look-alike, still read as blank (unchanged).
    lean = whole[["island", "year"]].assign(id=1)
    response, text = upload(client, lean.to_csv(index=False).encode())
    assert response.status_code == 200, text[:2000]
    labels, _, _ = own_answers(model, whole.assign(**{n: float("nan") for n in
                                                      model.schema.names[1:6]}))
    assert pd.read_csv(io.BytesIO(response.data))["predicted_species"].tolist() == labels


def test_insurance_misspelt_key_is_refused_and_an_id_is_not(client, model, person,
                                                            pipeline_predict):
    response = post_json(client, [person, {**person, "Smoker": "no"}])
    assert response.status_code == 422
    assert response.json == {"errors": [{"row": 1, "field": "Smoker", "message":
                                         "Smoker is not an input; did you mean smoker?"}]}
    response = post_json(client, {**person, "id": 12, "name": "Ann"})
    assert response.status_code == 200
    assert response.json["predictions"] == pytest.approx(pipeline_predict(model, [person]),
                                                         rel=1e-12)


def test_insurance_misnamed_column_is_named_in_the_refusal(client, model, data,
                                                           pipeline_predict):
    people = data.head(3).drop(columns="charges")
    titled = people.rename(columns={"bmi": "BMI (kg/m2)", "children": "Children_"})
    response, text = upload(client, titled.to_csv(index=False).encode())
    assert response.status_code == 400
    # "BMI (kg/m2)" is longer than bmi: not taken for it (another column could be named so).
    assert "The header lacks the columns bmi, children." in text
    assert ("The column “Children_” looks like children: name it children (or delete it) "
            "and upload again.") in text
    # Exact names (in any case) with an id column: scored as before.
    response, text = upload(client, people.rename(columns={"age": "Age"}).assign(
        id=[1, 2, 3]).to_csv(index=False).encode())
    assert response.status_code == 200, text[:2000]
    out = pd.read_csv(io.BytesIO(response.data))
    assert out["predicted_charges"].tolist() == pytest.approx(
        [round(v, 2) for v in pipeline_predict(model, people.to_dict("records"))], abs=1e-9)
