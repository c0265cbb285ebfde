"""Training a classifier on real data (penguins: 3 classes, blanks in 5 columns; swisslabor:
no/yes), each trained once per session by the `trained` fixture, and checked against the
CSV and against the saved pipeline's own predict and predict_proba."""
import json

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.model_selection import train_test_split

from training import columns
from training.holdout import inputs_frame
from training.train import DEFAULT_DATA

DATA = DEFAULT_DATA.parent
TARGETS = {"penguins": "species", "swisslabor": "participation"}
METRICS = {"Accuracy", "AUC", "F1", "LogLoss", "Brier"}


@pytest.fixture(scope="module", params=sorted(TARGETS))
def case(request, trained):
    name = request.param
    folder = trained[name]
    typed, raw = columns.read_csv(DATA / f"{name}.csv")
    card = json.loads((folder / "deployment.json").read_text())
    return {"name": name, "target": TARGETS[name], "typed": typed, "raw": raw, "card": card,
            "pipeline": joblib.load(folder / "deployment.pkl"),
            "X": inputs_frame(typed, raw, card), "y": raw[TARGETS[name]]}


def likely(card: dict, probabilities: np.ndarray, predicted) -> list[set]:
    """A row's set as docs/training.md defines it, from the card alone."""
    limits = card["sets"]["thresholds"]
    classes = card["target"]["classes"]
    return [{c for k, c in enumerate(classes) if row[k] >= limits.get(c, limits.get("*"))}
            | {label} for row, label in zip(probabilities, predicted)]


def test_the_card_describes_the_classes_as_the_csv_writes_them(case):
    card, y = case["card"], case["y"]
    assert card["task"] == "classification" and "interval" not in card
    assert list(card) == ["task", "model", "metrics", "rows", "versions", "sha256",
                          "trained_at", "target", "inputs", "what_if", "sets", "ignored", "words"]
    target = card["target"]
    assert target["name"] == target["label"] == case["target"]
    assert sorted(target["classes"]) == sorted(y.unique())
    assert list(target["shares"]) == target["classes"]
    for label, share in target["shares"].items():
        assert share == pytest.approx((y == label).mean(), abs=1e-4)
    assert card["rows"]["total"] == len(y)
    assert list(card["inputs"]) == [c for c in case["typed"].columns if c != case["target"]]


def test_the_pipeline_predicts_the_cards_classes_in_the_cards_order(case):
    pipeline, card, X = case["pipeline"], case["card"], case["X"]
    classes = card["target"]["classes"]
    encoder = pipeline.named_steps["label_encoding"].transformer
    assert [str(c) for c in encoder.classes_] == classes
    predicted = pipeline.predict(X)
    probabilities = pipeline.predict_proba(X)
    assert set(predicted) <= set(classes)
    assert probabilities.shape == (len(X), len(classes))
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-9)
    # Column k is class k: the most probable column names the predicted label.
    assert list(np.asarray(classes)[probabilities.argmax(axis=1)]) == list(predicted)
    # Trained on these rows, it gets most of them right.
    assert (predicted == case["y"].to_numpy()).mean() > 0.7


def test_the_metrics_and_confusion_matrix_are_complete(case):
    metrics, card = case["card"]["metrics"], case["card"]
    assert set(metrics["cv"]) == set(metrics["holdout"]) == METRICS
    for figures in (metrics["cv"], metrics["holdout"]):
        assert 0 < figures["Accuracy"] <= 1 and 0.5 < figures["AUC"] <= 1
        assert 0 <= figures["Brier"] <= 2 and figures["LogLoss"] > 0
    compared = [row["LogLoss"] for row in metrics["compared"]]
    assert compared == sorted(compared) and len(compared) >= 5
    calibration = metrics["calibration"]
    assert set(calibration["cv_before"]) == set(calibration["cv_after"]) == {"Brier", "LogLoss"}
    kept = "cv_after" if calibration["applied"] else "cv_before"
    assert calibration[kept]["Brier"] == metrics["cv"]["Brier"]
    confusion = metrics["confusion"]
    assert confusion["classes"] == card["target"]["classes"]
    matrix = np.array(confusion["matrix"])
    assert matrix.sum() == card["rows"]["holdout"]
    assert np.trace(matrix) / matrix.sum() == pytest.approx(metrics["holdout"]["Accuracy"],
                                                             abs=1e-4)


def test_the_holdout_figures_of_the_sets_are_what_the_pipeline_gives(case):
    """Refit the saved pipeline's recipe on PyCaret's training rows (its split: stratified
    70/30, seed 123), then score the held-out rows with the card's holdout thresholds."""
    card, sets = case["card"], case["card"]["sets"]
    X_train, X_test, y_train, y_test = train_test_split(
        case["X"], case["y"], train_size=0.7, stratify=case["y"], random_state=123)
    assert len(X_test) == card["rows"]["holdout"] == sets["holdout"]["n"]
    fitted = clone(case["pipeline"]).fit(X_train, y_train)
    held = dict(card, sets={"thresholds": sets["holdout"]["thresholds"]})
    found = likely(held, fitted.predict_proba(X_test), fitted.predict(X_test))
    hit = np.array([label in s for label, s in zip(y_test, found)])
    assert hit.mean() == pytest.approx(sets["holdout"]["coverage"], abs=1e-4)
    assert np.mean([len(s) for s in found]) == pytest.approx(sets["holdout"]["mean_size"],
                                                             abs=1e-4)
    for label in card["target"]["classes"]:
        mine = (y_test == label).to_numpy()
        assert hit[mine].mean() == pytest.approx(sets["holdout"]["by_class"][label]["coverage"],
                                                 abs=1e-4)
    # About 90% (the holdouts hold 104 and 262 rows): a set is never empty, so when the
    # classifier is almost always right (penguins) coverage is its accuracy, above 0.90.
    assert 0.85 <= hit.mean() <= 1.0


def test_the_sets_follow_the_deployed_thresholds(case):
    card, sets = case["card"], case["card"]["sets"]
    classes = card["target"]["classes"]
    assert sets["coverage"] == 0.9 and sets["mondrian"] is True
    assert set(sets["thresholds"]) == set(classes)
    assert all(0 <= t <= 1 for t in sets["thresholds"].values())
    found = likely(card, case["pipeline"].predict_proba(case["X"]),
                   case["pipeline"].predict(case["X"]))
    assert all(s and s <= set(classes) for s in found)
    # On the rows it was fitted on, the final model's sets hold the true class at least as
    # often as the target says.
    assert np.mean([label in s for label, s in zip(case["y"], found)]) >= 0.9


def test_numeric_codes_with_a_rare_class_get_one_threshold_for_all(tmp_path):
    """--task classification on numeric codes, with Chinstrap (2) cut to 40 rows (28 in
    PyCaret's training part): fewer than the 40 a class's own threshold needs, so the sets
    are calibrated on all rows together."""
    from training import train
    penguins = pd.read_csv(DATA / "penguins.csv")
    chinstrap = penguins.index[penguins.species == "Chinstrap"]
    codes = penguins.drop(chinstrap[40:]).assign(species=lambda d: d.species.map(
        {"Adelie": 1, "Chinstrap": 2, "Gentoo": 3}))
    codes.to_csv(tmp_path / "codes.csv", index=False)
    assert train.main(["--data", str(tmp_path / "codes.csv"), "--target", "species",
                       "--task", "classification", "--out", str(tmp_path / "out")]) == 0
    card = json.loads((tmp_path / "out" / "deployment.json").read_text())
    assert card["target"]["classes"] == ["1", "2", "3"]
    assert card["target"]["shares"]["2"] == pytest.approx(40 / len(codes), abs=1e-4)
    assert card["sets"]["mondrian"] is False and list(card["sets"]["thresholds"]) == ["*"]
    typed, raw = columns.read_csv(tmp_path / "codes.csv")
    assert set(joblib.load(tmp_path / "out" / "deployment.pkl").predict(
        inputs_frame(typed, raw, card))) == {"1", "2", "3"}


def test_a_boolean_target_is_a_classification_with_its_labels_as_written(tmp_path):
    swiss = pd.read_csv(DATA / "swisslabor.csv")
    swiss.assign(participation=swiss.participation == "yes").to_csv(tmp_path / "b.csv",
                                                                    index=False)
    typed, raw = columns.read_csv(tmp_path / "b.csv")
    assert columns.check_target(typed, "participation", None) == "classification"
    described = columns.describe_classes(columns.classes_of(raw, "participation"), {})
    assert described["classes"] == ["False", "True"]
    assert described["shares"]["True"] == pytest.approx(401 / 872, abs=1e-4)
