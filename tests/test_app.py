"""The form page through Flask's test client, with the real model: fields, answers, errors."""
import dataclasses
import io
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import event, example, given

from app import create_app
from tests.person import VALID
from tests import strategies
from tests.support import FIELDS


def field_error(html: str, name: str) -> str | None:
    found = re.search(rf'id="field-{name}-error"[^>]*>([^<]*)<', html)
    return found.group(1) if found else None


def test_form_has_every_field_labelled_with_training_ranges(client, model):
    html = client.get("/").get_data(as_text=True)
    for field in model.schema:
        assert f'<label for="field-{field.name}">' in html
        assert f'id="field-{field.name}" name="{field.name}"' in html
    # Text inputs the server judges (docs/form.md); the ranges are said in words.
    assert re.search(r'id="field-age"[^>]*type="text"[^>]*inputmode="numeric"', html, re.S)
    assert re.search(r'id="field-bmi"[^>]*type="text"[^>]*inputmode="decimal"', html, re.S)
    assert "a whole number from 18 to 64" in html and "a number from 15.96 to 53.13" in html
    for category in model.schema["region"].categories:
        assert f'<option value="{category}"' in html
    assert 'action="/predict"' in html and 'method="post"' in html


def test_valid_post_shows_the_pipelines_prediction_in_dollars(post_form, model, pipeline_predict, prediction_of):
    response = post_form(VALID)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    [want] = pipeline_predict(model, [VALID])
    assert prediction_of(html) == pytest.approx(want, rel=1e-12)
    assert f">${want:,.0f}</p>" in html  # whole dollars: cents would be false precision
    # The person's answers stay in the form.
    assert 'id="field-age" name="age"' in html and 'value="19"' in html and 'value="27.9"' in html
    assert re.search(r'<option value="southwest"\s+selected', html)


@pytest.mark.parametrize("field, value, message", [
    ("age", "abc", "Age must be a number, like 41."),
    ("age", "NaN", "Age must be a number, like 41."),
    ("age", "19 years", "Age must be just the number, like 19."),
    ("bmi", "1,000.5", "BMI must be written without thousands separators, like 1000.5."),
    ("age", "1e400", "Age must be a finite number."),
    ("age", "300", "Age must be from 18 to 64."),
    ("bmi", "-5", "BMI must be from 15.96 to 53.13."),
    ("children", "2.5", "Children must be a whole number, like 2."),
    ("sex", "M", "Sex must be one of female, male."),
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
    assert re.search(rf'id="field-{field}"[^>]*aria-invalid="true"', html, re.S)


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


def test_a_client_without_cookies_or_browser_headers_gets_a_prediction(client, model, pipeline_predict, prediction_of):
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


def test_an_unexpected_error_is_a_styled_500_without_traceback(model):
    def broken(columns):
        raise RuntimeError("secret internals")

    app = create_app({"TESTING": True, "MODEL": dataclasses.replace(model, predictor=broken)})
    client = app.test_client()
    response = client.post("/predict", data=VALID)
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "secret internals" not in html and "Traceback" not in html
    assert "Something went wrong" in html


def test_result_page_shows_percentile_chart_and_what_ifs(post_form, model, data,
                                                        pipeline_predict):
    html = post_form(VALID).get_data(as_text=True)
    [value] = pipeline_predict(model, [VALID])
    assert re.search(r'<svg [^>]*role="img"', html) and "<title id=\"chart-title\">" in html
    shown = int(re.search(r"Higher than (\d+)% of the people in the data", html).group(1))
    assert abs(shown - 100 * (data.charges < value).mean()) <= 1.5
    section = html[html.index('id="what-if"'):]
    assert section.count("data-value=") == 6
    # The average error describes nobody in particular; the range replaced it.
    assert f"{model.card['metrics']['cv']['MAE']:,.2f}" not in html


def text_of(html: str, element_id: str) -> str:
    inner = re.search(rf'id="{element_id}"[^>]*>(.*?)</p>', html, re.S).group(1)
    return " ".join(re.sub(r"<[^>]+>", "", inner).split())


@pytest.mark.parametrize("smoker", ["yes", "no"])
def test_the_estimate_comes_in_whole_dollars_with_its_likely_range(
        post_form, model, pipeline_predict, pipeline_ranges, prediction_of, smoker):
    person = {**VALID, "smoker": smoker}
    html = post_form(person).get_data(as_text=True)
    [value] = pipeline_predict(model, [person])
    [(low, high)] = pipeline_ranges(model, [person])
    assert prediction_of(html) == pytest.approx(value, rel=1e-12)
    assert text_of(html, "prediction") == f"${value:,.0f}"
    found = re.search(r'id="range"[^>]*data-low="([^"]+)" data-high="([^"]+)"', html)
    assert (float(found.group(1)), float(found.group(2))) == pytest.approx((low, high), rel=1e-12)
    assert text_of(html, "range") == f"likely between ${low:,.0f} and ${high:,.0f}"
    [group] = [g for g in model.card["interval"]["groups"] if smoker in g["where"]["smoker"]]
    meaning = text_of(html, "range-meaning")
    assert meaning.startswith("4 in 5 people like this one paid within such a range.")
    assert f"About 1 in {round(1 / group['above'])} {group['name']} in the data paid more" \
        in meaning
    band = re.search(r'<rect class="band" x="([\d.]+)" y="0" width="([\d.]+)"', html)
    marker = float(re.search(r'<line class="marker" x1="([\d.]+)"', html).group(1))
    assert float(band.group(1)) <= marker <= float(band.group(1)) + float(band.group(2))
    assert float(band.group(2)) > 5  # a visible band, not a hairline


def test_the_page_api_and_csv_give_the_same_ranges(client, post_form, data):
    people = data.sample(8, random_state=5).drop(columns="charges")
    text = people.astype(str).to_dict("records")
    page = []
    for row in text:
        html = post_form(row).get_data(as_text=True)
        found = re.search(r'id="range"[^>]*data-low="([^"]+)" data-high="([^"]+)"', html)
        page.append((float(found.group(1)), float(found.group(2))))
    api = client.post("/api/predict", json=people.to_dict("records")).json["intervals"]
    assert [(i["low"], i["high"]) for i in api] == page
    csv = client.post("/batch", data={"file": (io.BytesIO(people.to_csv(index=False).encode()),
                                               "p.csv")}, content_type="multipart/form-data")
    out = pd.read_csv(io.BytesIO(csv.data))
    np.testing.assert_allclose(np.column_stack([out.predicted_low, out.predicted_high]),
                               np.round(page, 2), atol=1e-9)


@strategies.FAST
@example(VALID)
@given(strategies.FORM)
def test_any_form_input_is_a_prediction_or_a_400(post_form, model, pipeline_predict, prediction_of, fields):
    response = post_form(fields)
    event(f"HTTP {response.status_code}")  # --hypothesis-show-statistics: both branches run
    assert response.status_code in (200, 400)
    html = response.get_data(as_text=True)
    record, errors = model.schema.validate(fields)
    if response.status_code == 200:
        value = prediction_of(html)
        assert value == pytest.approx(pipeline_predict(model, [record])[0], rel=1e-9)
        found = re.search(r'id="range"[^>]*data-low="([^"]+)" data-high="([^"]+)"', html)
        assert 0 <= float(found.group(1)) <= value <= float(found.group(2))
    else:
        assert errors and all(f'id="field-{name}-error"' in html for name in errors)


def test_a_decimal_comma_and_capitalised_categories_are_read_as_the_training_values(
        post_form, model, pipeline_predict, prediction_of):
    typed = {**VALID, "bmi": "27,9", "sex": "Female", "smoker": "YES", "region": " Southwest "}
    response = post_form(typed)
    assert response.status_code == 200
    [want] = pipeline_predict(model, [{**VALID, "bmi": 27.9, "sex": "female", "smoker": "yes",
                                       "region": "southwest"}])
    assert prediction_of(response.get_data(as_text=True)) == pytest.approx(want, rel=1e-12)
