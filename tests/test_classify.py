"""The prediction core on real classifiers (penguins: three classes and blanks; swisslabor:
no/yes): classify() and explain_class() against the saved pipeline's own predict and
predict_proba, the likely sets against the card's rule, and the cards load_model refuses."""
import json
import shutil

import numpy as np
import pytest

from tabular import insight
from tabular.model import ModelError, load_model
from tabular.predict import classify
from tabular.sets import likely
from training import columns
from training.holdout import inputs_frame
from training.train import DEFAULT_DATA

TARGETS = {"penguins": "species", "swisslabor": "participation"}


@pytest.fixture(scope="module", params=sorted(TARGETS))
def case(request, trained):
    model = load_model(trained[request.param] / "deployment.pkl")
    typed, raw = columns.read_csv(DEFAULT_DATA.with_name(f"{request.param}.csv"))
    rows = inputs_frame(typed, raw, model.card)
    return model, rows, raw[TARGETS[request.param]].astype(str)


def records_of(rows) -> list[dict]:
    """The frame's rows as validated records are: NaN for a blank, numbers as numbers."""
    return rows.to_dict("records")


def test_classes_and_probabilities_are_the_pipelines_own(case):
    model, rows, _ = case
    found = classify(records_of(rows), model)
    proba = model.pipeline.predict_proba(rows)
    assert np.abs(np.array(found.probabilities) - proba).max() <= 1e-9
    assert found.labels == [str(label) for label in model.pipeline.predict(rows)]
    assert set(found.labels) <= set(model.classes)
    if model.card["target"]["name"] == "species":  # blanks in 5 columns: some rows have them
        assert rows.isna().any(axis=1).any()


def test_each_set_holds_the_classes_at_or_above_their_threshold_and_the_predicted_one(case):
    model, rows, _ = case
    found = classify(records_of(rows), model)
    limits = model.card["sets"]["thresholds"]
    for row, label, chosen in zip(found.probabilities, found.labels, found.sets):
        want = [c for k, c in enumerate(model.classes)
                if row[k] >= limits.get(c, limits.get("*")) or c == label]
        assert chosen == want and label in chosen


def test_sets_hold_the_true_class_of_most_rows(case):
    """On rows it was fitted on, so at least the 90% it promises for rows it never saw (the
    card's holdout figures are checked in test_training_classification.py)."""
    model, rows, truth = case
    found = classify(records_of(rows), model)
    covered = np.mean([t in s for t, s in zip(truth, found.sets)])
    assert covered >= model.card["sets"]["coverage"]


def test_what_ifs_are_the_probability_of_the_answers_class_under_each_change(case):
    model, rows, _ = case
    record = records_of(rows.iloc[[3]])[0]
    answer = insight.explain_class(record, model)
    changes = insight.variants(record, model)
    assert changes and len(answer.what_if) == len(changes)
    # A fresh index: PyCaret merges on it, and a repeated one multiplies the rows.
    frame = rows.iloc[[3] * (len(changes) + 1)].reset_index(drop=True)
    for i, (_, changed) in enumerate(changes, start=1):
        for name, value in changed.items():
            frame.iloc[i, frame.columns.get_loc(name)] = value
    proba = model.pipeline.predict_proba(frame)
    labels = model.pipeline.predict(frame).astype(str)
    k = model.classes.index(answer.label)
    assert answer.label == labels[0]
    assert list(answer.probabilities) == list(model.classes)
    assert np.allclose(list(answer.probabilities.values()), proba[0], rtol=0, atol=1e-9)
    for change, row, label in zip(answer.what_if, proba[1:], labels[1:]):
        assert change.probability == pytest.approx(row[k], abs=1e-9)
        assert change.difference == pytest.approx(row[k] - proba[0][k], abs=1e-9)
        assert change.predicted == label


def test_likely_never_leaves_a_set_empty_and_reads_a_shared_threshold():
    classes = ("a", "b", "c")
    proba = np.array([[0.2, 0.3, 0.5], [0.05, 0.9, 0.05], [0.34, 0.33, 0.33]])
    assert likely({"*": 0.99}, proba, ["c", "b", "a"], classes) == [["c"], ["b"], ["a"]]
    assert likely({"*": 0.3}, proba, ["c", "b", "a"], classes) == [
        ["b", "c"], ["b"], ["a", "b", "c"]]
    assert likely({"a": 0.1, "b": 0.95, "c": 0.4}, proba, ["c", "b", "a"], classes) == [
        ["a", "c"], ["b"], ["a"]]


@pytest.fixture
def copy(tmp_path, trained):
    for name in ("deployment.pkl", "deployment.json"):
        shutil.copy(trained["swisslabor"] / name, tmp_path / name)
    return tmp_path


def rewrite(folder, change) -> None:
    card = json.loads((folder / "deployment.json").read_text())
    change(card)
    (folder / "deployment.json").write_text(json.dumps(card))


@pytest.mark.parametrize("change, message", [
    (lambda c: c["target"].update(classes=["yes", "no"]),
     r"predicts the classes \['no', 'yes'\], but its card lists \['yes', 'no'\]"),
    (lambda c: c["target"].update(classes=["no"]), "two or more distinct labels"),
    (lambda c: c.pop("sets"), "lacks sets"),
    (lambda c: c["sets"].update(thresholds={"no": 0.5}), r"thresholds are for \['no'\]"),
    (lambda c: c["sets"].update(coverage=1.5), "coverage must be a number between 0 and 1"),
    (lambda c: c["sets"]["thresholds"].update({c["target"]["classes"][0]: "high"}),
     "must be a number from 0 to 1"),
])
def test_a_classifier_card_that_does_not_fit_its_pipeline_is_refused(copy, change, message):
    rewrite(copy, change)
    with pytest.raises(ModelError, match=message):
        load_model(copy / "deployment.pkl")
