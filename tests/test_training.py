"""The training script on the real data: reproducible, clean, and honest in its card."""
import hashlib
import json
import os

import numpy as np
import pytest

from tabular.model import load_model
from tests.support import FIELDS, ranges
from training import train
from training.train import DEFAULT_DESCRIBE, ROOT

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def retrained(tmp_path_factory):
    """The deployed method, run again from scratch into a temporary folder."""
    out = tmp_path_factory.mktemp("retrained")
    before = set(os.listdir(ROOT))
    assert train.main(["--out", str(out)]) == 0
    return out, before


def test_retraining_reproduces_the_committed_pipelines_predictions(retrained, model, data,
                                                                   pipeline_predict):
    out, _ = retrained
    fresh = load_model(out / "deployment.pkl")
    rows = data[list(FIELDS)].to_dict("records")
    np.testing.assert_allclose(pipeline_predict(fresh, rows), pipeline_predict(model, rows),
                               rtol=1e-9)
    assert fresh.card["model"]["params"] == model.card["model"]["params"]


def test_training_leaves_nothing_behind_in_the_repository(retrained):
    _, before = retrained
    assert set(os.listdir(ROOT)) - before == set()
    assert not (ROOT / "logs.log").exists() and not (ROOT / "catboost_info").exists()


def test_the_card_describes_the_data_and_the_pickle(retrained, data):
    out, _ = retrained
    card = json.loads((out / "deployment.json").read_text())
    assert card["sha256"] == hashlib.sha256((out / "deployment.pkl").read_bytes()).hexdigest()
    assert card["rows"]["total"] == len(data) == card["rows"]["train"] + card["rows"]["holdout"]
    assert card["inputs"]["age"] == {"kind": "integer", "dtype": "int64", "label": "Age",
                                     "help": None, "blank": False, "min": int(data.age.min()),
                                     "max": int(data.age.max()),
                                     "median": int(data.age.median())}
    assert card["inputs"]["region"]["categories"] == sorted(data.region.unique())
    quantiles = card["target"]["quantiles"]
    assert len(quantiles) == 101 and quantiles == sorted(quantiles)
    assert quantiles[0] == pytest.approx(data.charges.min(), abs=0.01)
    assert quantiles[50] == pytest.approx(data.charges.median(), abs=0.01)
    assert set(card["metrics"]["cv"]) == {"MAE", "RMSE", "R2", "MAPE"}
    assert set(card["versions"]) >= {"pycaret", "scikit-learn", "python"}


def test_with_no_arguments_training_uses_the_insurance_describe_file(retrained):
    """Its words, what-ifs and group names; the range still splits smokers from the rest."""
    out, _ = retrained
    card = json.loads((out / "deployment.json").read_text())
    described = json.loads(DEFAULT_DESCRIBE.read_text())
    assert card["task"] == "regression" and card["ignored"] == []
    assert [(g["name"], g["where"]) for g in card["interval"]["groups"]] == \
        [("non-smokers", {"smoker": ["no"]}), ("smokers", {"smoker": ["yes"]})]
    assert card["what_if"] == described["what_if"] and card["words"] == described["words"]
    assert {k: card["target"][k] for k in ("name", "label", "format")} == \
        {"name": "charges"} | described["target"]
    assert {name: spec["label"] for name, spec in card["inputs"].items()} == \
        {name: spec["label"] for name, spec in described["inputs"].items()}
    # What the app reads to word and shape its pages is what the shipped card says.
    shipped = json.loads((ROOT / "deployment.json").read_text())
    for key in ("task", "target", "inputs", "what_if", "ignored", "words"):
        assert card[key] == shipped[key], key


def test_the_deployed_method_beats_the_reference_on_the_same_folds(model, tmp_path):
    """The tutorial's model, trained here on the same data and split, scores worse."""
    assert train.main(["--out", str(tmp_path), "--method", "reference"]) == 0
    reference = json.loads((tmp_path / "deployment.json").read_text())["metrics"]["cv"]
    deployed = model.card["metrics"]["cv"]
    # docs/model.md's reference row (3,151.26 where it was written). Its k-means bins and BLAS
    # sums differ by CPU (3,149.20 on an AMD EPYC with OpenBLAS's Haswell kernels); a change
    # to the reference setup moves it by hundreds.
    assert reference["MAE"] == pytest.approx(3151, abs=25)
    assert deployed["MAE"] < 0.6 * reference["MAE"] and deployed["R2"] > reference["R2"]
    best = min(model.card["metrics"]["compared"], key=lambda row: row["MAE"])
    assert deployed["MAE"] <= best["MAE"]  # tuning kept the better of the two


def test_retraining_reproduces_the_committed_metrics(retrained, model):
    out, _ = retrained
    metrics = json.loads((out / "deployment.json").read_text())["metrics"]
    committed = model.card["metrics"]
    # The deployed trees' arithmetic is the same on any x86-64 CPU: exact.
    assert {k: metrics[k] for k in ("cv", "holdout", "folds")} == \
        {k: committed[k] for k in ("cv", "holdout", "folds")}
    # The compared linear and Huber regressors rest on BLAS and lbfgs, whose last digits
    # differ by CPU (the Huber regressor's MAPE by 0.2%); a real change moves them by more.
    assert [row["model"] for row in metrics["compared"]][0] == committed["compared"][0]["model"]
    scores = {row["model"]: {m: row[m] for m in train.METRICS} for row in metrics["compared"]}
    assert scores.keys() == {row["model"] for row in committed["compared"]}
    for row in committed["compared"]:
        assert scores[row["model"]] == pytest.approx({m: row[m] for m in train.METRICS},
                                                     rel=1e-2)


def test_retraining_reproduces_the_committed_interval(retrained, model):
    """The ranges come from the same trees' out-of-fold estimates: exact, like their metrics."""
    out, _ = retrained
    assert json.loads((out / "deployment.json").read_text())["interval"] == \
        model.card["interval"]


def test_the_same_method_trains_on_a_subset_and_scores_the_rest(tmp_path, data,
                                                                pipeline_predict):
    """Any slice of the data can be held out: train on 1,000 rows, score the other 338."""
    shuffled = data.sample(frac=1.0, random_state=7)
    train_part, rest = shuffled.iloc[:1000], shuffled.iloc[1000:]
    csv = tmp_path / "part.csv"
    train_part.to_csv(csv, index=False)
    assert train.main(["--data", str(csv), "--out", str(tmp_path), "--method", "reference"]) == 0
    fitted = load_model(tmp_path / "deployment.pkl")
    assert fitted.card["rows"]["total"] == 1000
    assert fitted.card["model"]["setup"]["polynomial_features"] is True
    predicted = np.array(pipeline_predict(fitted, rest[list(FIELDS)].to_dict("records")))
    mae = np.abs(predicted - rest.charges.to_numpy()).mean()
    assert mae < 0.5 * rest.charges.std()  # far better than guessing the mean


@pytest.fixture(scope="module")
def held_out(tmp_path_factory, data):
    """The deployed method trained on 1,000 rows, and the 338 people it never saw."""
    out = tmp_path_factory.mktemp("held_out")
    shuffled = data.sample(frac=1.0, random_state=7)
    shuffled.iloc[:1000].to_csv(out / "part.csv", index=False)
    assert train.main(["--data", str(out / "part.csv"), "--out", str(out)]) == 0
    return load_model(out / "deployment.pkl"), shuffled.iloc[1000:]


def test_the_ranges_hold_80_percent_of_bills_of_people_the_model_never_saw(held_out,
                                                                           pipeline_predict):
    fitted, rest = held_out
    estimates = np.array(pipeline_predict(fitted, rest[list(FIELDS)].to_dict("records")))
    columns = {name: rest[name].to_numpy() for name in FIELDS}
    low, high = ranges(columns, estimates, fitted.card["interval"])
    inside = (rest.charges.to_numpy() >= low) & (rest.charges.to_numpy() <= high)
    smokers = columns["smoker"] == "yes"
    assert 0.75 <= inside.mean() <= 0.85
    assert inside[smokers].mean() >= 0.72 and inside[~smokers].mean() >= 0.72
    assert (high - low).mean() <= 1500
