"""Safe by default: headers, cross-origin posts, debug, and any input answered without a 5xx."""
import io
import json
import math

import pytest
import pandas as pd
from hypothesis import HealthCheck, event, example, given, settings, strategies as st

from app import create_app, debug_requested
from charges.schema import Schema
from charges.schema import FIELDS
from tests.conftest import ROOT, VALID, pipeline_predict
from tests.test_app import prediction_of

FAST = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


def test_hsts_is_sent_over_https_behind_herokus_router(model):
    app = create_app({"MODEL": model, "TRUST_PROXY": True})
    client = app.test_client()
    behind_tls = client.get("/", headers={"X-Forwarded-Proto": "https"})
    assert behind_tls.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "Strict-Transport-Security" not in client.get("/").headers


def test_forwarded_proto_is_ignored_unless_behind_a_proxy(client):
    assert "Strict-Transport-Security" not in client.get(
        "/", headers={"X-Forwarded-Proto": "https"}).headers


def test_no_page_sets_a_cookie(client, post_form):
    for response in (client.get("/"), post_form(VALID), client.get("/model")):
        assert "Set-Cookie" not in response.headers


# Form posts are judged by the browser's own headers (Go's CrossOriginProtection).
OWN = "http://localhost"  # the test client's scheme and host


@pytest.mark.parametrize("headers, status", [
    ({"Sec-Fetch-Site": "same-origin"}, 200),
    ({"Sec-Fetch-Site": "none"}, 200),  # typed into the address bar, a bookmark
    ({"Sec-Fetch-Site": "same-origin", "Origin": "https://evil.example"}, 200),
    ({"Sec-Fetch-Site": "cross-site"}, 403),
    ({"Sec-Fetch-Site": "same-site"}, 403),  # a sibling subdomain is another origin
    ({"Sec-Fetch-Site": "cross-site", "Origin": OWN}, 403),  # the browser's word wins
    ({}, 200),  # no browser headers: curl, a script
    ({"Origin": OWN}, 200),
    ({"Origin": "https://localhost"}, 403),  # another scheme is another origin
    ({"Origin": "http://localhost:8080"}, 403),
    ({"Origin": "https://evil.example"}, 403),
    ({"Origin": "null"}, 403),  # a sandboxed frame or a data: page
])
def test_form_posts_are_refused_from_other_origins(client, headers, status):
    for path, data in (("/predict", VALID), ("/batch", {})):
        response = client.post(path, data=data, headers=headers)
        if status == 403:
            assert response.status_code == 403, (path, headers)
            assert "another website" in response.get_data(as_text=True)
        else:
            assert response.status_code != 403, (path, headers)


def test_behind_herokus_tls_proxy_the_own_origin_is_https(model):
    client = create_app({"MODEL": model, "TRUST_PROXY": True}).test_client()
    behind = {"X-Forwarded-Proto": "https", "Host": "charges.herokuapp.com"}
    own = client.post("/predict", data=VALID,
                      headers={**behind, "Origin": "https://charges.herokuapp.com"})
    assert own.status_code == 200
    foreign = client.post("/predict", data=VALID,
                          headers={**behind, "Origin": "https://evil.herokuapp.com"})
    assert foreign.status_code == 403
    downgraded = client.post("/predict", data=VALID,
                             headers={**behind, "Origin": "http://charges.herokuapp.com"})
    assert downgraded.status_code == 403


def test_the_api_needs_no_browser_headers_and_ignores_them(client):
    for headers in ({}, {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}):
        response = client.post("/api/predict", json=[{**VALID, "age": 19, "bmi": 27.9,
                                                      "children": 0}], headers=headers)
        assert response.status_code == 200


def test_csp_forbids_inline_code_and_framing(client):
    csp = client.get("/").headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp


def test_pages_have_no_inline_script_or_style(client, post_form):
    for html in (client.get("/").get_data(as_text=True), post_form(VALID).get_data(as_text=True),
                 client.get("/model").get_data(as_text=True)):
        assert "<script>" not in html and "<style" not in html and "style=" not in html
        assert "onclick=" not in html and "http://" not in html and "https://" not in html


def test_debug_is_off_unless_asked_for(model, monkeypatch):
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    assert create_app({"MODEL": model}).debug is False
    monkeypatch.setenv("FLASK_DEBUG", "1")  # e.g. left in a Heroku config: still off
    assert create_app({"MODEL": model}).debug is False
    assert debug_requested({}) is False
    assert debug_requested({"FLASK_DEBUG": "0"}) is False
    assert debug_requested({"FLASK_DEBUG": "true"}) is False
    assert debug_requested({"FLASK_DEBUG": "1"}) is True


# Any input: a prediction equal to the pipeline's, or a 4xx with messages. Never a 5xx.
# Each value is valid about four times in five, so a good share of the inputs are wholly
# valid and the prediction branch is exercised as much as the refusal branch.

SCHEMA = Schema.from_card(json.loads((ROOT / "deployment.json").read_text()))
JUNK_TEXT = st.one_of(st.text(max_size=8), st.sampled_from(
    ["", " ", "1e309", "NaN", "-0", "1_0", "0x1", "MALE", "Yes", "65", "15.95", "2.5", "١٩"]))
JUNK_JSON = st.one_of(st.none(), st.booleans(), st.integers(-10**30, 10**30), st.floats(),
                      st.text(max_size=6), st.lists(st.integers(), max_size=2))


def valid(field):
    if field.kind == "category":
        return st.sampled_from(field.categories)
    if field.kind == "integer":
        return st.integers(int(field.minimum), int(field.maximum))
    return st.floats(field.minimum, field.maximum).map(lambda x: round(x, 2)).filter(
        lambda x: field.minimum <= x <= field.maximum)


def mostly_valid(good, junk):
    return st.sampled_from([True] * 4 + [False]).flatmap(lambda ok: good if ok else junk)


FORM = st.fixed_dictionaries({f.name: mostly_valid(valid(f).map(str), JUNK_TEXT) for f in SCHEMA})
PERSON_JSON = st.fixed_dictionaries({f.name: mostly_valid(valid(f), JUNK_JSON) for f in SCHEMA})


@FAST
@example(VALID)
@given(FORM)
def test_any_form_input_is_a_prediction_or_a_400(post_form, model, fields):
    response = post_form(fields)
    event(f"HTTP {response.status_code}")  # --hypothesis-show-statistics: both branches run
    assert response.status_code in (200, 400)
    html = response.get_data(as_text=True)
    record, errors = model.schema.validate(fields)
    if response.status_code == 200:
        assert prediction_of(html) == pytest.approx(pipeline_predict(model, [record])[0], rel=1e-9)
    else:
        assert errors and all(f'id="{name}-error"' in html for name in errors)


@FAST
@example([{**VALID, "age": 19, "bmi": 27.9, "children": 0}])
@given(st.one_of(PERSON_JSON, st.lists(PERSON_JSON, max_size=3), JUNK_JSON))
def test_any_json_body_is_predictions_or_errors(client, model, body):
    response = client.post("/api/predict", data=json.dumps(body), content_type="application/json")
    event(f"HTTP {response.status_code}")
    assert response.status_code in (200, 400, 422)
    payload = response.json
    if response.status_code == 200:
        rows = [body] if isinstance(body, dict) else body
        records = [model.schema.validate(r, typed=True)[0] for r in rows]
        assert payload["predictions"] == pytest.approx(pipeline_predict(model, records), rel=1e-9)
        assert all(math.isfinite(p) for p in payload["predictions"])
    else:
        assert payload["errors"] and all(e["message"] for e in payload["errors"])


CSV_ROW = st.lists(st.one_of(FORM.map(lambda f: [f[name] for name in FIELDS]),
                             st.lists(JUNK_TEXT, max_size=7)), max_size=4)


@FAST
@example([[VALID[name] for name in FIELDS]] * 2, True)
@given(CSV_ROW, st.booleans())
def test_any_csv_upload_is_a_download_or_a_400(client, model, rows, with_header):
    lines = ([",".join(FIELDS)] if with_header else []) + [",".join(row) for row in rows]
    content = "\n".join(lines).encode()
    response = client.post("/batch", data={"file": (io.BytesIO(content), "x.csv")},
                           content_type="multipart/form-data")
    event(f"HTTP {response.status_code}")
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        out = pd.read_csv(io.BytesIO(response.data), dtype=str, keep_default_na=False)
        records = [model.schema.validate(r)[0] for r in out[list(FIELDS)].to_dict("records")]
        assert out.predicted_charges.astype(float).tolist() == pytest.approx(
            pipeline_predict(model, records), abs=0.005)
    else:
        assert 'id="batch-errors"' in response.get_data(as_text=True)


def test_plain_http_behind_herokus_router_is_sent_to_https(model):
    client = create_app({"MODEL": model, "TRUST_PROXY": True}).test_client()
    response = client.get("/model?x=1", headers={"X-Forwarded-Proto": "http"})
    assert response.status_code == 301
    assert response.headers["Location"] == "https://localhost/model?x=1"
    assert client.get("/", headers={"X-Forwarded-Proto": "https"}).status_code == 200
