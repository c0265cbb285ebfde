"""Context for a prediction: percentile, histogram, what-if answers, and the model card."""
import re

import numpy as np
import pytest

from charges import insight
from tests.conftest import PERSON as RECORD, VALID, pipeline_predict


def test_percentile_agrees_with_the_training_data(model, data):
    quantiles = model.card["charges"]["quantiles"]
    for value in (2_000.0, 9_382.03, 16_000.0, 40_000.0):
        share = 100 * (data.charges < value).mean()
        assert abs(insight.percentile(value, quantiles) - share) <= 1.5
    assert insight.percentile(-1.0, quantiles) == 0
    assert insight.percentile(1e9, quantiles) == 100


def test_histogram_bars_hold_all_people_and_mark_the_prediction(model, data):
    chart = insight.Histogram.of(model.card["charges"]["quantiles"])
    assert sum(bar["share"] for bar in chart.bars) == pytest.approx(100, abs=0.5)
    marked = chart.bars[chart.marked(16_000.0)]
    assert marked["low"] <= 16_000.0 < marked["high"]
    assert marked["x"] <= chart.marker(16_000.0) <= marked["x"] + marked["width"] + 1
    # Each bar's share is the share of people in the data with charges in its range.
    for bar in chart.bars[::6]:
        share = 100 * data.charges.between(bar["low"], bar["high"], inclusive="left").mean()
        assert bar["share"] == pytest.approx(share, abs=1.0)
    # The tallest bar is where most people are: the lowest charges, as in the data.
    tallest = max(chart.bars, key=lambda bar: bar["height"])
    assert tallest["x"] < chart.width * 0.25


def test_a_prediction_outside_the_data_stays_on_the_chart(model):
    chart = insight.Histogram.of(model.card["charges"]["quantiles"])
    assert chart.marker(-500.0) == 0 and chart.marker(1e6) == chart.width
    assert chart.marked(1e6) is None


def test_what_ifs_cover_each_change_and_come_from_the_model(model):
    labels = [label for label, _ in insight.variants(RECORD, model)]
    assert labels == ["As a non-smoker", "With a BMI of 25", "With one child more",
                      "Living in the northeast", "Living in the northwest", "Living in the southeast"]
    base, answers = insight.explain(RECORD, model)
    changed = [changed for _, changed in insight.variants(RECORD, model)]
    want = pipeline_predict(model, [RECORD] + changed)
    assert base == pytest.approx(want[0], rel=1e-12)
    assert [a.value for a in answers] == pytest.approx(want[1:], rel=1e-12)
    assert [a.difference for a in answers] == pytest.approx(np.subtract(want[1:], want[0]), rel=1e-9)


def test_what_ifs_stay_inside_the_training_ranges(model):
    most_children = {**RECORD, "children": 5, "smoker": "no", "bmi": 25.0}
    labels = [label for label, _ in insight.variants(most_children, model)]
    assert "With one child more" not in labels and "With one child fewer" in labels
    assert "With a BMI of 25" not in labels and "As a smoker" in labels


def test_what_ifs_are_one_model_call(model, monkeypatch):
    calls = []
    real = model.predict_columns
    monkeypatch.setattr(model, "predict_columns",
                        lambda columns: calls.append(len(columns["age"])) or real(columns))
    insight.explain(RECORD, model)
    assert calls == [7]


def test_result_page_shows_percentile_chart_what_if_and_typical_error(post_form, model, data):
    html = post_form(VALID).get_data(as_text=True)
    [value] = pipeline_predict(model, [VALID])
    assert re.search(r'<svg [^>]*role="img"', html) and "<title id=\"chart-title\">" in html
    shown = int(re.search(r"Higher than (\d+)% of the people in the data", html).group(1))
    assert abs(shown - 100 * (data.charges < value).mean()) <= 1.5
    section = html[html.index('id="what-if"'):]
    assert section.count("data-value=") == 6
    assert f"${model.card['metrics']['cv']['MAE']:,.2f}" in html


def test_model_card_page_reads_the_card_and_the_pipeline(client, model):
    response = client.get("/model")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    card = model.card
    assert card["sha256"] in html and card["trained_at"] in html
    assert f"${card['metrics']['cv']['MAE']:,.2f}" in html
    assert f"${card['metrics']['holdout']['MAE']:,.2f}" in html
    for name, _ in model.pipeline.steps:
        assert f"<code>{name}</code>" in html
    assert "a whole number from 18 to 64" in html
    assert card["versions"]["pycaret"] in html
    assert "a numpy path derived from the pipeline" in html  # the deployed model has one
    assert 'href="/model"' in client.get("/").get_data(as_text=True)
