"""Context for a prediction: percentile and what-if answers."""
import dataclasses

import numpy as np
import pytest

from tabular import insight


def test_percentile_agrees_with_the_training_data(model, data):
    quantiles = model.card["target"]["quantiles"]
    for value in (2_000.0, 9_382.03, 16_000.0, 40_000.0):
        share = 100 * (data.charges < value).mean()
        assert abs(insight.percentile(value, quantiles) - share) <= 1.5
    assert insight.percentile(-1.0, quantiles) == 0
    assert insight.percentile(1e9, quantiles) == 100


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


def test_what_ifs_follow_the_cards_specs_skipping_what_cannot_apply(model, person):
    import dataclasses
    card = {**model.card, "what_if": [
        {"field": "region", "each": True, "label": "In {value}"},
        {"field": "age", "by": 50, "label": "Fifty years on"},      # past 64: skipped
        {"field": "age", "by": -1, "label": "A year younger"},      # 18 from 19
        {"field": "smoker", "to": "yes", "label": "Smoking"},       # already: skipped
        {"field": "bmi", "to": 30, "label": "BMI 30"}]}
    changed = insight.variants(person, dataclasses.replace(model, card=card))
    assert [label for label, _ in changed] == [
        "In northeast", "In northwest", "In southeast", "A year younger", "BMI 30"]
    assert changed[3][1] == {**person, "age": 18} and type(changed[3][1]["age"]) is int
    assert changed[4][1]["bmi"] == 30.0 and type(changed[4][1]["bmi"]) is float
