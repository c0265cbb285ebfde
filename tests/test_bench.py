"""The benchmark's bare-Flask bound must keep rendering the app's real page, and the other data
sets' models (a regression, a classifier) must answer the body the bench sends each, or `make
bench` compares against an error page (it checks, but only when someone runs it); its table
keeps one column per server."""
import re

import numpy as np
import pandas as pd
import pytest

from app import create_app
from bench import bare_app, other, run
from bench.servers import SPECS
from tests.person import VALID

FORM_TYPE = run.FORM_TYPE["Content-Type"]


def test_the_bare_bound_renders_the_apps_form_and_echoes_a_post():
    client = bare_app.app.test_client()
    page = client.get("/")
    assert page.status_code == 200 and 'id="field-age" name="age"' in page.get_data(as_text=True)
    # The form's own links are built as the app builds them, not left to the "#" fallback.
    assert 'action="/predict"' in page.get_data(as_text=True)
    posted = client.post("/predict", data=VALID)
    assert posted.status_code == 200 and 'value="27.9"' in posted.get_data(as_text=True)
    assert client.post("/predict", data={**VALID, "age": "x"}).status_code == 400


def answered(trained, on: other.Other):
    """The app serving on's model, the pipeline's input row for its file's first row, and the
    page the form body `make bench` sends it gets (as wrk sends it: the urlencoded string, no
    cookie, no browser headers)."""
    folder = trained[on.name]
    app = create_app({"TESTING": True, "MODEL_PATH": str(folder / "deployment.pkl")})
    model = app.extensions["tabular"].model
    row = pd.read_csv(on.data).head(1).drop(columns=on.target).astype(
        {n: s["dtype"] for n, s in model.card["inputs"].items()})
    response = app.test_client().post("/predict", data=on.form, content_type=FORM_TYPE)
    html = response.get_data(as_text=True)
    assert response.status_code == 200, re.findall(r'class="error"[^>]*>([^<]*)', html)
    return model, row, html


def test_the_other_data_sets_body_is_answered_by_its_model_as_its_pipeline_answers(trained):
    """The form body `make bench` sends the cps1985 model is a valid request, answered with the
    saved pipeline's own estimate for that row of the file (not a 400 page, which is fast)."""
    model, row, html = answered(trained, other.CPS1985)
    want = float(model.pipeline.predict(row)[0])
    value = float(re.search(r'id="prediction"[^>]*data-value="([^"]+)"', html).group(1))
    assert value == pytest.approx(want, rel=1e-9)


def test_the_classifiers_body_is_answered_by_its_model_as_its_pipeline_answers(trained):
    """The penguins model, a classifier, is sent its file's first row and answers with the
    pipeline's predicted class and predict_proba (the fast path's answer, on a page)."""
    model, row, html = answered(trained, other.PENGUINS)
    [label] = model.pipeline.predict(row)
    assert re.search(r'id="prediction"[^>]*data-value="([^"]+)"', html).group(1) == str(label)
    shown = dict(re.findall(r'data-class="([^"]+)"[^>]*data-probability="([^"]+)"', html))
    want = model.pipeline.predict_proba(row)[0]
    assert list(shown) == model.card["target"]["classes"]
    np.testing.assert_allclose([float(p) for p in shown.values()], want, rtol=0, atol=1e-6)


def test_the_table_has_a_column_per_server_and_a_row_per_measure():
    values = {spec.name: {} for spec in SPECS}
    values["cps1985"].update(server_ms=1.5, server_ratio=1.875, compiled="pipeline.predict")
    values["penguins"].update(server_ms=1.2, server_ratio=1.5, compiled="the compiled pipeline")
    lines = run.markdown(values, {}, []).splitlines()
    table = [line for line in lines if line.startswith("| ")]
    assert table[0] == "| measure | `app` | `predict_model` | `bare` | `cps1985` | `penguins` |"
    assert len(table) == 1 + len(run.ROWS)
    ratio = next(line for line in table if "÷ app's (" in line)
    assert "(`cps1985`, `penguins`: target ≤ 2×)" in ratio and ratio.endswith(
        "| — | — | — | 1.88× | 1.50× |")
    assert table[-1].count("—") == 5
