"""The unchanged app on models trained on the other data sets (auto-MPG, with an ignored
identifier and blanks; CPS 1985, seven text columns), selected by MODEL_PATH: the same checks
as for insurance, every expected answer the saved pipeline's own predict on the data set's own
rows."""
import io
import json
import re

import numpy as np
import pandas as pd
import pytest


DATA_SETS = ["auto-mpg", "cps1985", "cps1985-blanks"]
SAME_SITE = {"Sec-Fetch-Site": "same-origin"}


@pytest.fixture(scope="module", params=DATA_SETS)
def served(request, serve):
    return serve(request.param)


def typed(model, raw: pd.DataFrame) -> pd.DataFrame:
    """The data set's rows as training handed them to the pipeline: the card's columns and
    dtypes, category text stripped, blanks as NaN (as pandas reads a blank cell). Written
    here from the card, not with the app's code."""
    frame = {}
    for name, spec in model.card["inputs"].items():
        column = raw[name]
        if spec["kind"] == "category":
            frame[name] = [np.nan if pd.isna(v) else str(v).strip() for v in column]
        else:
            frame[name] = column.astype(spec["dtype"])
    return pd.DataFrame(frame).astype({n: s["dtype"] for n, s in model.card["inputs"].items()})


def own_predict(model, rows: pd.DataFrame) -> np.ndarray:
    return np.asarray(model.pipeline.predict(rows), dtype=float)


def as_form(row: pd.Series) -> dict:
    """A row as a person types it: the text of each value, a blank left empty."""
    return {name: "" if pd.isna(v) else (str(int(v)) if isinstance(v, float) and v.is_integer()
                                          else str(v)) for name, v in row.items()}


def sample(model, raw, n=6):
    """Rows with a blank first, if the data has any, then others."""
    inputs = typed(model, raw)
    blanks = inputs[inputs.isna().any(axis=1)].head(2)
    return pd.concat([blanks, inputs.drop(blanks.index).head(n - len(blanks))])


def test_the_form_has_one_field_per_column_named_as_the_column(served):
    client, model, raw = served
    html = client.get("/").get_data(as_text=True)
    names = re.findall(r'<(?:input|select) id="field-[^"]+" name="([^"]+)"', html)
    assert names == list(model.card["inputs"]) and set(names) < set(raw.columns)
    assert model.card["target"]["name"] not in names
    for name in model.card["ignored"]:
        assert f'name="{name}"' not in html
    for name, spec in model.card["inputs"].items():
        for category in spec.get("categories", []):
            assert f'<option value="{category}"' in html
    blanks = [name for name, spec in model.card["inputs"].items() if spec["blank"]]
    assert html.count("may be left blank") + html.count("May be left blank.") == len(blanks)
    assert "insurance" not in html.lower() and "charges" not in html.lower()


def test_form_answers_are_the_pipelines_own_with_ranges_holding_them(served):
    client, model, raw = served
    rows = sample(model, raw)
    want = own_predict(model, rows)
    for (_, row), expected in zip(rows.iterrows(), want):
        response = client.post("/predict", data=as_form(row), headers=SAME_SITE)
        html = response.get_data(as_text=True)
        assert response.status_code == 200, re.findall(r'class="error"[^>]*>([^<]*)', html)
        value = float(re.search(r'id="prediction"[^>]*data-value="([^"]+)"', html).group(1))
        assert value == pytest.approx(expected, rel=1e-9)
        low, high = map(float, re.search(r'id="range"[^>]*data-low="([^"]+)" '
                                         r'data-high="([^"]+)"', html).groups())
        assert low <= value <= high


def test_the_api_and_the_csv_give_the_same_answers(served):
    client, model, raw = served
    rows = sample(model, raw, 40)
    want = own_predict(model, rows)
    body = [{k: (None if pd.isna(v) else v.item() if hasattr(v, "item") else v)
             for k, v in row.items()} for _, row in rows.iterrows()]
    response = client.post("/api/predict", data=json.dumps(body, allow_nan=False),
                           content_type="application/json")
    assert response.status_code == 200, response.json
    np.testing.assert_allclose(response.json["predictions"], want, rtol=1e-9)
    assert response.json["coverage"] == 0.8
    for found, value in zip(response.json["intervals"], response.json["predictions"]):
        assert found["low"] <= value <= found["high"]
    # The data set's own file, target and ignored columns included: they are kept.
    upload = raw.loc[rows.index].to_csv(index=False).encode()
    response = client.post("/batch", data={"file": (io.BytesIO(upload), "mine.csv")},
                           headers=SAME_SITE)
    assert response.status_code == 200, response.get_data(as_text=True)
    out = pd.read_csv(io.BytesIO(response.data))
    target = model.card["target"]["name"]
    assert list(out.columns) == list(raw.columns) + [f"predicted_{target}", "predicted_low",
                                                     "predicted_high"]
    np.testing.assert_allclose(out[f"predicted_{target}"], want, atol=0.005)


def test_openapi_and_the_model_card_describe_this_model(served):
    client, model, _ = served
    doc = client.get("/api/openapi.json").get_json()
    item = doc["components"]["schemas"]["Record"]
    assert sorted(item["properties"]) == sorted(model.card["inputs"])
    for name, spec in model.card["inputs"].items():
        found = item["properties"][name]
        if spec["kind"] == "category":
            assert [c for c in found["enum"] if c is not None] == spec["categories"]
        else:
            assert (found["minimum"], found["maximum"]) == (spec["min"], spec["max"])
        assert (name in item["required"]) == (not spec["blank"])
    html = client.get("/model").get_data(as_text=True)
    assert model.card["sha256"] in html and model.name in html
    assert "insurance" not in html.lower() and "charges" not in html.lower()


def test_an_unknown_category_or_a_value_far_outside_training_is_refused(served):
    client, model, raw = served
    row = sample(model, raw, 3).iloc[-1]
    category = next(n for n, s in model.card["inputs"].items() if s["kind"] == "category")
    number = next(n for n, s in model.card["inputs"].items() if s["kind"] != "category")
    far = model.card["inputs"][number]["max"] * 10 + 1000
    for name, value in ((category, "no such thing"), (number, far)):
        form = {**as_form(row), name: str(value)}
        response = client.post("/predict", data=form, headers=SAME_SITE)
        assert response.status_code == 400 and 'id="prediction"' not in response.get_data(
            as_text=True)
        body = {k: (None if pd.isna(v) else v.item() if hasattr(v, "item") else v)
                for k, v in row.items()}
        response = client.post("/api/predict", data=json.dumps({**body, name: value}),
                               content_type="application/json")
        assert response.status_code == 422 and response.json["errors"][0]["field"] == name
