"""Context for a prediction: percentile, histogram, what-if answers, and the model card."""
import dataclasses

import numpy as np
import pytest

from charges import insight


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


def test_what_ifs_cover_each_change_and_come_from_the_model(model, pipeline_predict, person):
    labels = [label for label, _ in insight.variants(person, model)]
    assert labels == ["As a non-smoker", "With a BMI of 25", "With one child more",
                      "Living in the northeast", "Living in the northwest", "Living in the southeast"]
    answer = insight.explain(person, model)
    base, answers = answer.value, answer.what_if
    changed = [changed for _, changed in insight.variants(person, model)]
    want = pipeline_predict(model, [person] + changed)
    assert base == pytest.approx(want[0], rel=1e-12)
    [group] = [g for g in model.card["interval"]["groups"] if "yes" in g["where"]["smoker"]]
    assert answer.group == group
    assert (answer.low, answer.high) == pytest.approx(
        (want[0] - group["half_width"], want[0] + group["half_width"]), rel=1e-12)
    assert [a.value for a in answers] == pytest.approx(want[1:], rel=1e-12)
    assert [a.difference for a in answers] == pytest.approx(np.subtract(want[1:], want[0]), rel=1e-9)


def test_what_ifs_stay_inside_the_training_ranges(model, person):
    most_children = {**person, "children": 5, "smoker": "no", "bmi": 25.0}
    labels = [label for label, _ in insight.variants(most_children, model)]
    assert "With one child more" not in labels and "With one child fewer" in labels
    assert "With a BMI of 25" not in labels and "As a smoker" in labels


def test_what_ifs_are_one_model_call(model, person):
    calls = []
    counted = dataclasses.replace(model, predictor=lambda columns: calls.append(
        len(columns["age"])) or model.predictor(columns))
    insight.explain(person, counted)
    assert calls == [7]
