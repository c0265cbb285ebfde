"""The form through Flask's test client, with the real model and real CSRF tokens."""
import re

import pytest

from charges.schema import FIELDS
from tests.conftest import VALID, pipeline_predict


def prediction_of(html: str) -> float:
    return float(re.search(r'id="prediction"[^>]*data-value="([^"]+)"', html).group(1))


def field_error(html: str, name: str) -> str | None:
    found = re.search(rf'id="{name}-error"[^>]*>([^<]*)<', html)
    return found.group(1) if found else None


def test_form_has_every_field_labelled_with_training_ranges(client, model):
    html = client.get("/").get_data(as_text=True)
    for field in model.schema:
        assert f'<label for="{field.name}">' in html
        assert f'id="{field.name}" name="{field.name}"' in html
    assert re.search(r'id="age"[^>]*min="18" max="64" step="1"', html, re.S)
    assert re.search(r'id="bmi"[^>]*min="15.96" max="53.13" step="0.01"', html, re.S)
    for category in model.schema["region"].categories:
        assert f'<option value="{category}"' in html
    assert 'action="/predict"' in html and 'method="post"' in html


def test_valid_post_shows_the_pipelines_prediction_in_dollars(post_form, model):
    response = post_form(VALID)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    [want] = pipeline_predict(model, [VALID])
    assert prediction_of(html) == pytest.approx(want, rel=1e-12)
    assert f"${want:,.2f}</p>" in html
    # The person's answers stay in the form.
    assert 'id="age" name="age"' in html and 'value="19"' in html and 'value="27.9"' in html
    assert re.search(r'<option value="southwest"\s+selected', html)


@pytest.mark.parametrize("field, value, message", [
    ("age", "abc", "Age must be a number."),
    ("age", "NaN", "Age must be a number."),
    ("age", "1e400", "Age must be a finite number."),
    ("age", "300", "Age must be from 18 to 64."),
    ("bmi", "-5", "BMI must be from 15.96 to 53.13."),
    ("children", "2.5", "Children must be a whole number."),
    ("sex", "MALE", "Sex must be one of female, male."),
    ("smoker", "male", "Smoker must be one of no, yes."),
    ("region", "atlantis", "Region must be one of northeast, northwest, southeast, southwest."),
])
def test_bad_value_is_400_with_a_message_next_to_the_field_and_no_prediction(
        post_form, field, value, message):
    response = post_form({**VALID, field: value})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert field_error(html, field) == message
    assert 'id="prediction"' not in html
    assert re.search(rf'id="{field}"[^>]*aria-invalid="true"', html, re.S)


@pytest.mark.parametrize("missing", FIELDS)
def test_each_missing_field_is_400(post_form, missing):
    fields = {k: v for k, v in VALID.items() if k != missing}
    response = post_form(fields)
    assert response.status_code == 400
    assert "is required" in field_error(response.get_data(as_text=True), missing)


def test_input_is_escaped_where_it_is_shown(post_form):
    evil = '"><script>alert(1)</script>'
    html = post_form({**VALID, "age": evil}).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&#34;&gt;&lt;script&gt;" in html


def test_a_client_without_cookies_or_browser_headers_gets_a_prediction(client, model):
    # What curl or a script sends: no cookie jar, no Sec-Fetch-Site, no Origin.
    response = client.post("/predict", data=VALID)
    assert response.status_code == 200
    assert prediction_of(response.get_data(as_text=True)) == pytest.approx(
        pipeline_predict(model, [VALID])[0], rel=1e-12)
    assert "Set-Cookie" not in response.headers


def test_healthz_reports_the_loaded_model(client, model):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "model": model.name, "sha256": model.sha256}


def test_unknown_page_is_a_styled_404(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Back to the form" in html and "style.css" in html


@pytest.mark.parametrize("path, allow", [("/predict", "POST"), ("/batch", "POST"),
                                         ("/api/predict", "POST"), ("/healthz", "GET")])
def test_a_wrong_method_is_405_with_the_allow_header(client, path, allow):
    response = client.open(path, method="DELETE" if allow == "GET" else "GET")
    assert response.status_code == 405
    assert allow in {m.strip() for m in response.headers["Allow"].split(",")}


def test_an_unexpected_error_is_a_styled_500_without_traceback(app, model, monkeypatch):
    def broken(columns):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(model, "predict_columns", broken)
    client = app.test_client()
    response = client.post("/predict", data=VALID)
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "secret internals" not in html and "Traceback" not in html
    assert "Something went wrong" in html
