"""Safe by default: headers, cookies, secrets, debug, and any input answered without a 5xx."""
import io
import json
import math

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from app import create_app, local_settings
from charges.schema import FIELDS
from tests.conftest import VALID, csrf_token, pipeline_predict
from tests.test_app import prediction_of

FAST = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


def test_hsts_is_sent_over_https_behind_herokus_router(model):
    app = create_app({"SECRET_KEY": "s", "MODEL": model, "TRUST_PROXY": True})
    client = app.test_client()
    behind_tls = client.get("/", headers={"X-Forwarded-Proto": "https"})
    assert behind_tls.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "Strict-Transport-Security" not in client.get("/").headers


def test_forwarded_proto_is_ignored_unless_behind_a_proxy(client):
    assert "Strict-Transport-Security" not in client.get(
        "/", headers={"X-Forwarded-Proto": "https"}).headers


def test_session_cookie_is_secure_httponly_and_lax_by_default(model):
    cookie = create_app({"SECRET_KEY": "s", "MODEL": model}).test_client().get("/").headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_csp_forbids_inline_code_and_framing(client):
    csp = client.get("/").headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp


def test_pages_have_no_inline_script_or_style(client, post_form):
    for html in (client.get("/").get_data(as_text=True), post_form(VALID).get_data(as_text=True),
                 client.get("/model").get_data(as_text=True)):
        assert "<script>" not in html and "<style" not in html and "style=" not in html
        assert "onclick=" not in html and "http://" not in html and "https://" not in html


def test_no_secret_key_means_no_app(model, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY is not set"):
        create_app({"MODEL": model})


def test_secret_key_comes_from_the_environment(model, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "from-env")
    assert create_app({"MODEL": model}).secret_key == "from-env"


def test_debug_is_off_unless_asked_for(model, monkeypatch):
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    assert create_app({"SECRET_KEY": "s", "MODEL": model}).debug is False
    assert local_settings({})[1] is False
    assert local_settings({"FLASK_DEBUG": "0"})[1] is False
    assert local_settings({"FLASK_DEBUG": "true"})[1] is False
    assert local_settings({"FLASK_DEBUG": "1"})[1] is True


def test_local_serving_makes_a_throwaway_secret_only_when_none_is_set():
    first, second = local_settings({})[0]["SECRET_KEY"], local_settings({})[0]["SECRET_KEY"]
    assert len(first) >= 64 and first != second
    assert "SECRET_KEY" not in local_settings({"SECRET_KEY": "mine"})[0]


# Any input: a prediction equal to the pipeline's, or a 4xx with messages. Never a 5xx.

text = st.one_of(st.text(max_size=8), st.sampled_from(["19", "27.9", "0", "yes", "male", "southwest",
                                                        "1e309", "NaN", "-0", "64", "53.13", "5"]))


@FAST
@given(st.dictionaries(st.sampled_from(FIELDS), text))
def test_any_form_input_is_a_prediction_or_a_400(post_form, model, fields):
    response = post_form(fields)
    assert response.status_code in (200, 400)
    html = response.get_data(as_text=True)
    if response.status_code == 200:
        record, _ = model.schema.validate(fields)
        assert prediction_of(html) == pytest.approx(pipeline_predict(model, [record])[0], rel=1e-9)
    else:
        assert 'class="error"' in html


json_value = st.one_of(st.none(), st.booleans(), st.integers(-10**30, 10**30),
                       st.floats(allow_nan=False), st.text(max_size=6),
                       st.sampled_from(["female", "no", "northeast"]), st.lists(st.integers(), max_size=2))


@FAST
@given(st.one_of(st.dictionaries(st.sampled_from(FIELDS), json_value),
                 st.lists(st.dictionaries(st.sampled_from(FIELDS), json_value), max_size=3),
                 json_value))
def test_any_json_body_is_predictions_or_errors(client, model, body):
    response = client.post("/api/predict", data=json.dumps(body), content_type="application/json")
    assert response.status_code in (200, 400, 422)
    payload = response.json
    if response.status_code == 200:
        rows = [body] if isinstance(body, dict) else body
        records = [model.schema.validate(r, typed=True)[0] for r in rows]
        assert payload["predictions"] == pytest.approx(pipeline_predict(model, records), rel=1e-9)
        assert all(math.isfinite(p) for p in payload["predictions"])
    else:
        assert payload["errors"] and all(e["message"] for e in payload["errors"])


@FAST
@given(st.lists(st.lists(text, min_size=0, max_size=7), min_size=0, max_size=4), st.booleans())
def test_any_csv_upload_is_a_download_or_a_400(client, model, rows, with_header):
    lines = ([",".join(FIELDS)] if with_header else []) + [",".join(row) for row in rows]
    content = "\n".join(lines).encode()
    response = client.post("/batch", data={"csrf_token": csrf_token(client),
                                           "file": (io.BytesIO(content), "x.csv")},
                           content_type="multipart/form-data")
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert response.mimetype == "text/csv"
    else:
        assert 'id="batch-errors"' in response.get_data(as_text=True)
