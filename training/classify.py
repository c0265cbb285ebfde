"""Train a classifier with PyCaret and write deployment.pkl + deployment.json: train.py's
classification path (the checks and the card's inputs and what-ifs are train.py's).

Families compared by cross-validated log loss, the winner tuned on it, calibrated when that
improves its out-of-fold Brier score, the 90% likely sets calibrated (training/sets.py), then
finalized on all rows. The reasons are in docs/training.md.
"""
from __future__ import annotations

from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import (accuracy_score, confusion_matrix, f1_score,
                             log_loss as sk_log_loss, roc_auc_score)

from training.session import SESSION_ID, jsonable, write_card
from training.sets import calibrate_sets, full_pipeline

# Families with predict_proba, less the slow or non-deterministic ones (catboost, knn, ada).
CANDIDATES = ["lr", "nb", "dt", "rf", "et", "gbc", "lightgbm"]
METRICS = ("Accuracy", "AUC", "F1", "LogLoss", "Brier")
# Calibration is kept when it lowers the winner's CV Brier score by at least this share and
# does not raise its CV log loss: a smaller change is within the folds' noise.
CALIBRATION_GAIN = 0.02


def log_loss(classes, y_true, proba, sample_weight=None) -> float:
    matrix, truth = _matrix(proba), _indices(classes, y_true)
    return float(sk_log_loss(truth, matrix, labels=np.arange(matrix.shape[1]),
                             sample_weight=sample_weight))


def brier(classes, y_true, proba, sample_weight=None) -> float:
    """Brier's own score for any number of classes: the mean over rows of the squared
    distance between the probabilities and the true class's indicator (0 to 2)."""
    matrix = _matrix(proba)
    truth = np.eye(matrix.shape[1])[_indices(classes, y_true)]
    return float(np.average(((matrix - truth) ** 2).sum(axis=1), weights=sample_weight))


def auc(classes, y_true, proba, sample_weight=None) -> float:
    """PyCaret's AUC (one class against the rest, weighted by class) from predict_proba:
    its own scorer asks decision_function first, whose scores fail scikit-learn's multiclass
    check (AUC 0 for logistic regression, gradient boosting, LightGBM on penguins)."""
    matrix, truth = _matrix(proba), _indices(classes, y_true)
    if matrix.shape[1] == 2:
        return float(roc_auc_score(truth, matrix[:, 1], sample_weight=sample_weight))
    return float(roc_auc_score(truth, matrix, multi_class="ovr", average="weighted",
                               labels=np.arange(matrix.shape[1]), sample_weight=sample_weight))


def _matrix(proba) -> np.ndarray:
    """Scorers give two classes as the second class's probability alone."""
    proba = np.asarray(proba, dtype=float)
    return np.column_stack([1 - proba, proba]) if proba.ndim == 1 else proba


def _indices(classes: list[str], y_true) -> np.ndarray:
    """The labels (PyCaret's CV passes them decoded; "2" may arrive as 2) as column numbers."""
    where = {c: k for k, c in enumerate(classes)}
    return np.array([where[str(v)] for v in y_true])


def run(pc, data: pd.DataFrame, out: Path, method: str, plan: dict) -> dict:
    name = plan["target"]["name"]
    pc.setup(data, target=name, session_id=SESSION_ID, memory=False, system_log=False,
             html=False, verbose=False, n_jobs=1)
    # LabelEncoder's order: the columns of predict_proba.
    order = sorted(str(c) for c in data[name].unique())
    pc.remove_metric("auc")
    for key, function in (("AUC", auc), ("LogLoss", log_loss), ("Brier", brier)):
        scorer = partial(function, order)
        scorer.__name__ = function.__name__  # PyCaret's wrapper asks for it
        pc.add_metric(key.lower(), key, scorer, target="pred_proba",
                      greater_is_better=key == "AUC")
    winner = pc.compare_models(include=CANDIDATES, sort="LogLoss", verbose=False)
    ranking = pc.pull()
    compared = [{"model": row["Model"], **_metrics(row)} for _, row in ranking.iterrows()]
    base = pc.tune_model(winner, optimize="LogLoss", verbose=False)
    model, cv, calibration = _calibrate(pc, base)
    classes = [str(c) for c in pc.get_config("pipeline").named_steps["label_encoding"]
               .transformer.classes_]
    # The holdout scored here, not by predict_model: it casts labels that look like numbers
    # ("1", "2") to int and then fails to find them among the classes.
    y_test = pc.get_config("y_test").astype(str)
    fitted = full_pipeline(pc, model).fit(pc.get_config("X_train"),
                                          pc.get_config("y_train").astype(str))
    proba, predicted = fitted.predict_proba(pc.get_config("X_test")), fitted.predict(
        pc.get_config("X_test")).astype(str)
    holdout = _holdout(classes, y_test, proba, predicted)
    confusion = confusion_matrix(y_test, predicted, labels=classes)
    sets = calibrate_sets(pc, model, classes, proba, predicted)

    final = pc.finalize_model(model)
    pc.save_model(final, str(out / "deployment"), verbose=False)
    saved = [str(c) for c in final.named_steps["label_encoding"].transformer.classes_]
    assert saved == classes, (saved, classes)
    target = dict(plan["target"], classes=classes,
                  shares={c: plan["target"]["shares"][c] for c in classes})
    head = {
        "task": "classification",
        "model": {"name": type(base).__name__, "method": method,
                  "params": jsonable(base.get_params()),
                  "calibrated": calibration["method"] if calibration["applied"] else None,
                  "setup": {"session_id": SESSION_ID}},
        "metrics": {"cv": cv, "holdout": holdout, "folds": 10, "compared": compared,
                    "confusion": {"classes": classes, "matrix": confusion.tolist()},
                    "calibration": calibration},
    }
    card = write_card(out, pc, data, head, target, plan, ("sets", sets))
    return card


def _calibrate(pc, base):
    """The tuned model, or its sigmoid-calibrated version when that is clearly better
    calibrated out of fold; the card's "calibration" records both CV figures."""
    pc.create_model(base, verbose=False)
    before = _metrics(pc.pull().loc["Mean"])
    calibrated = pc.calibrate_model(base, method="sigmoid", verbose=False)
    after = _metrics(pc.pull().loc["Mean"])
    applied = (after["Brier"] <= before["Brier"] * (1 - CALIBRATION_GAIN)
               and after["LogLoss"] <= before["LogLoss"])
    calibration = {"method": "sigmoid", "applied": bool(applied),
                   "rule": f"calibrated when CV Brier falls by at least "
                           f"{CALIBRATION_GAIN:.0%} and CV log loss does not rise",
                   "cv_before": {"Brier": before["Brier"], "LogLoss": before["LogLoss"]},
                   "cv_after": {"Brier": after["Brier"], "LogLoss": after["LogLoss"]}}
    return (calibrated, after, calibration) if applied else (base, before, calibration)


def _holdout(classes: list[str], y_true: pd.Series, proba: np.ndarray, predicted) -> dict:
    """The CV table's figures on the holdout: F1 as PyCaret's (the second class's for two
    classes, else weighted by class)."""
    two = len(classes) == 2
    f1 = f1_score(y_true, predicted, labels=classes, pos_label=classes[-1],
                  average="binary" if two else "weighted")
    figures = {"Accuracy": accuracy_score(y_true, predicted),
               "AUC": auc(classes, y_true, proba), "F1": f1,
               "LogLoss": log_loss(classes, y_true, proba), "Brier": brier(classes, y_true, proba)}
    return {name: round(float(value), 4) for name, value in figures.items()}


def _metrics(row: pd.Series) -> dict:
    return {name: round(float(row[name]), 4) for name in METRICS}
