"""The unchanged app serves another model (MODEL_PATH) wholly from its card: columns named as
real files name them, fields that may be left blank, its own target, format and words. The
model is a real fitted pipeline (tests/oddcard.py); every expected answer is its own predict."""
import io
import json
import math
import re

import numpy as np
import pandas as pd
import pytest

from app import create_app
from tests import oddcard

SAME_SITE = {"Sec-Fetch-Site": "same-origin"}
# A row as the form sends it: "yrs.since.phd" and "origin" left blank.
FORM = {"Model Year": "76", "yrs.since.phd": "", "weight": "3000", "Origin": "japan",
        "origin": ""}
RECORD = {"Model Year": 76, "yrs.since.phd": np.nan, "weight": 3000.0, "Origin": "Japan",
          "origin": np.nan}


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    path = oddcard.write(tmp_path_factory.mktemp("odd"))
    app = create_app({"TESTING": True, "MODEL_PATH": str(path)})
    return app.test_client(), app.extensions["tabular"].model


def own_predict(model, rows: list[dict]) -> list[float]:
    """The saved pipeline's own answer on the rows, typed as the card says."""
    dtypes = {name: spec["dtype"] for name, spec in model.card["inputs"].items()}
    frame = pd.DataFrame(rows)[list(dtypes)].astype(dtypes)
    return [float(v) for v in model.pipeline.predict(frame)]


def test_the_form_has_one_field_per_column_named_exactly_as_the_column(served):
    client, model = served
    html = client.get("/").get_data(as_text=True)
    names = re.findall(r'<(?:input|select) id="([^"]+)" name="([^"]+)"', html)
    assert [name for _, name in names] == ["Model Year", "yrs.since.phd", "weight", "Origin",
                                           "origin", "file"]
    ids = [id_ for id_, _ in names]
    assert len(set(ids)) == len(ids) and all(re.fullmatch(r"[a-z0-9-]+", i) for i in ids)
    for id_, name in names[:-1]:
        assert f'<label for="{id_}">{model.schema[name].label}</label>' in html
    assert "Two digits, as 70 for 1970" in html  # the card's help
    assert html.count("may be left blank") == 1 and html.count("May be left blank.") == 1
    blank = re.search(r'<input id="field-yrs-since-phd"[^>]*>', html).group(0)
    assert "required" not in blank
    assert "required" in re.search(r'<input id="field-model-year"[^>]*>', html).group(0)
    assert "<title>Miles per gallon predictor</title>" in html
    assert "predicted_mpg" in html and "charges" not in html.lower()


def test_a_form_with_blanks_gets_the_pipelines_own_answer_and_range(served):
    client, model = served
    response = client.post("/predict", data=FORM, headers=SAME_SITE)
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    [want] = own_predict(model, [RECORD])
    value = float(re.search(r'id="prediction"[^>]*data-value="([^"]+)"', html).group(1))
    assert value == pytest.approx(want, rel=1e-12)
    assert f">{want:,.1f} mpg</p>" in html  # the card's format: one decimal, " mpg"
    low, high = map(float, re.search(r'data-low="([^"]+)" data-high="([^"]+)"', html).groups())
    assert low <= value <= high and high - low == pytest.approx(4.0)
    # What-ifs from the card's specs, each the pipeline's own answer.
    rows = [{**RECORD, "Origin": "Europe"}, {**RECORD, "Origin": "USA"},
            {**RECORD, "weight": 3500.0}, {**RECORD, "yrs.since.phd": 20.0}]
    cells = [float(v) for v in re.findall(r'<td class="num" data-value="([^"]+)"', html)]
    assert cells == pytest.approx(own_predict(model, rows), rel=1e-12)
    assert "Origin: Europe" in html and "500 lb heavier" in html


@pytest.mark.parametrize("change, field", [({"Origin": "Mars"}, "Origin"),
                                           ({"weight": "90000"}, "weight"),
                                           ({"Model Year": ""}, "Model Year")])
def test_bad_form_values_are_400_with_the_fields_label(served, change, field):
    client, model = served
    response = client.post("/predict", data={**FORM, **change}, headers=SAME_SITE)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and 'id="prediction"' not in html
    assert f"{model.schema[field].label} must be" in html or "is required" in html


def test_the_api_takes_the_column_names_with_null_or_left_out_blanks(served):
    client, model = served
    body = [{**RECORD, "yrs.since.phd": None, "origin": None}, {k: v for k, v in RECORD.items()
                                                if k not in ("origin", "yrs.since.phd")},
            {**RECORD, "yrs.since.phd": 12.5, "origin": "b"}]
    response = client.post("/api/predict", data=json.dumps(body, allow_nan=False),
                           content_type="application/json")
    assert response.status_code == 200, response.json
    rows = [RECORD, RECORD, {**RECORD, "yrs.since.phd": 12.5, "origin": "b"}]
    assert response.json["predictions"] == pytest.approx(own_predict(model, rows), rel=1e-12)
    for found, value in zip(response.json["intervals"], response.json["predictions"]):
        assert found["low"] <= value <= found["high"]


@pytest.mark.parametrize("change", [{"Origin": "Mars"}, {"weight": 90000},
                                    {"Model Year": None}])
def test_bad_api_values_are_422_naming_the_column(served, change):
    client, _ = served
    response = client.post("/api/predict", data=json.dumps({**RECORD, "yrs.since.phd": None,
                                                            "origin": None, **change}),
                           content_type="application/json")
    assert response.status_code == 422
    [error] = response.json["errors"]
    assert error["field"] == next(iter(change))


def test_a_csv_with_the_columns_as_named_and_blank_cells_is_scored(served):
    client, model = served
    csv = ("Model Year,yrs.since.phd,weight,Origin,origin,note\n"
           "76,,3000,Japan,,x\n80,3.5,2500,usa,a,y\n").encode()
    response = client.post("/batch", data={"file": (io.BytesIO(csv), "cars.csv")},
                           headers=SAME_SITE)
    assert response.status_code == 200, response.get_data(as_text=True)
    out = pd.read_csv(io.BytesIO(response.data))
    assert list(out.columns) == ["Model Year", "yrs.since.phd", "weight", "Origin", "origin",
                                 "note", "predicted_mpg", "predicted_low", "predicted_high"]
    rows = [RECORD, {"Model Year": 80, "yrs.since.phd": 3.5, "weight": 2500.0,
                     "Origin": "USA", "origin": "a"}]
    np.testing.assert_allclose(out.predicted_mpg, own_predict(model, rows), atol=0.005)
    assert (out.predicted_low <= out.predicted_mpg).all()
    # A column that may be left blank may also be left out; the others may not.
    lacking = b"Model Year,weight,Origin\n76,3000,Japan\n"
    assert client.post("/batch", data={"file": (io.BytesIO(lacking), "c.csv")},
                       headers=SAME_SITE).status_code == 200
    wrong_case = b"model year,weight,ORIGIN\n76,3000,Japan\n"
    refused = client.post("/batch", data={"file": (io.BytesIO(wrong_case), "c.csv")},
                          headers=SAME_SITE)
    assert refused.status_code == 400 and "lacks the column Origin" in refused.get_data(
        as_text=True)


def test_openapi_describes_the_columns_with_nullable_blanks(served):
    client, model = served
    doc = client.get("/api/openapi.json").get_json()
    schema = doc["components"]["schemas"]["Record"]
    assert sorted(schema["properties"]) == sorted(model.schema.names)
    assert schema["required"] == ["Model Year", "weight", "Origin"]
    assert schema["properties"]["yrs.since.phd"]["type"] == ["number", "null"]
    assert schema["properties"]["origin"]["enum"] == ["a", "b", None]
    assert schema["properties"]["Model Year"] == {"type": "integer", "minimum": 70,
                                                  "maximum": 82,
                                                  "description": "Two digits, as 70 for 1970"}
    assert doc["info"]["title"] == "Miles per gallon predictor"


def test_the_model_card_page_shows_this_models_card(served):
    client, model = served
    html = client.get("/model").get_data(as_text=True)
    assert "the pipeline&#39;s own predict" in html or "the pipeline's own predict" in html
    assert "a whole number from 70 to 82" in html and "one of Europe, Japan, USA" in html
    assert f"{model.card['target']['quantiles'][0]:,.2f} mpg" in html
    assert "<code>prepare</code>" in html and "charges" not in html.lower()


def test_a_blank_in_the_domain_sample_reaches_the_pipeline_as_nan_and_none(served):
    from tabular.sample import domain_sample
    _, model = served
    sample = domain_sample(model.schema, 50)
    assert sample["yrs.since.phd"].isna().sum() == 5 and sample["origin"].isna().sum() == 5
    assert sample.dtypes.astype(str).to_dict() == model.schema.dtypes
    assert not any(math.isnan(v) for v in model.pipeline.predict(sample))
