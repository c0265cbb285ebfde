"""The 90% likely set of classes: split-conformal (LAC) on out-of-fold probabilities, by
class (Mondrian) when every class has enough rows, and how it did on PyCaret's holdout.

Score of a row: 1 - the probability its true class got. A class joins a row's set when its
probability is at least its threshold, 1 - the ceil((n+1)*0.9)-th smallest score among the
n calibration rows (of that class, or of all rows); the predicted class always joins, so no
set is empty. Why LAC and why Mondrian: docs/training.md.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from tabular.sets import likely

COVERAGE = 0.9
# Mondrian needs every class's threshold to rest on enough rows: with n rows a threshold's
# coverage varies by about sqrt(0.09/n) (0.047 at 40); below that, one threshold for all.
MIN_CLASS = 40
METHOD = (f"Split-conformal, least ambiguous set-valued classifier (LAC): a class is in a "
          f"row's set when its probability is at least the class's threshold (\"*\": every "
          f"class's), and the predicted class always is. A threshold is 1 minus the "
          f"ceil((n+1)*{COVERAGE})-th smallest of 1 - p(true class) among its n rows (the "
          f"class's own rows when \"mondrian\"), each predicted by a model that had not seen "
          f"it (10-fold cross-validation on all rows). The holdout figures repeat this on "
          f"the training rows alone and score the holdout with the model fitted on them.")


def calibrate_sets(pc, model, classes: list[str], proba: np.ndarray, predicted) -> dict:
    """The card's "sets": thresholds from all rows' out-of-fold probabilities, and their
    check on the holdout (thresholds from the training rows; proba and predicted: the
    holdout as the model fitted on the training rows sees it)."""
    X_train, y_train = pc.get_config("X_train"), _labels(pc.get_config("y_train"))
    y_test = _labels(pc.get_config("y_test"))
    X, y = pc.get_config("X"), _labels(pc.get_config("y"))
    mondrian = int(y_train.value_counts().reindex(classes, fill_value=0).min()) >= MIN_CLASS
    check = thresholds(out_of_fold(pc, model, X_train, y_train, classes), y_train, classes,
                       mondrian)
    holdout = score(check, proba, predicted, y_test, classes)
    deployed = thresholds(out_of_fold(pc, model, X, y, classes), y, classes, mondrian)
    return {"method": METHOD, "coverage": COVERAGE, "mondrian": mondrian,
            "thresholds": deployed, "holdout": {**holdout, "thresholds": check}}


def out_of_fold(pc, model, X: pd.DataFrame, y: pd.Series, classes: list[str]) -> np.ndarray:
    """Each row's probabilities from the fold model that had not seen it (PyCaret's folds)."""
    probabilities = np.zeros((len(X), len(classes)))
    for fit_rows, held in pc.get_config("fold_generator").split(X, y):
        pipeline = full_pipeline(pc, model).fit(X.iloc[fit_rows], y.iloc[fit_rows])
        order = [str(c) for c in pipeline.named_steps["label_encoding"].transformer.classes_]
        assert order == classes, (order, classes)
        probabilities[held] = pipeline.predict_proba(X.iloc[held])
    return probabilities


def thresholds(probabilities: np.ndarray, y: pd.Series, classes: list[str],
               mondrian: bool) -> dict:
    """Per class (or "*"), the least probability that joins the set."""
    truth = np.array([classes.index(label) for label in y])
    scores = 1.0 - probabilities[np.arange(len(truth)), truth]
    groups = {c: truth == k for k, c in enumerate(classes)} if mondrian \
        else {"*": np.full(len(truth), True)}
    found = {}
    for name, member in groups.items():
        mine = np.sort(scores[member])
        # (n+1)*0.9 is often a whole number that floating point lands just above.
        k = math.ceil((len(mine) + 1) * COVERAGE - 1e-9)
        quantile = float(mine[k - 1]) if k <= len(mine) else 1.0
        # Rounded down: a threshold a hair lower only makes sets a hair larger.
        found[name] = max(math.floor((1.0 - quantile) * 1e6) / 1e6, 0.0)
    return found


def score(spec_thresholds: dict, probabilities: np.ndarray, predicted, y: pd.Series,
          classes: list[str]) -> dict:
    """Coverage and mean set size, overall and by true class."""
    sets = likely(spec_thresholds, probabilities, predicted, classes)
    hit = np.array([label in s for label, s in zip(y, sets)])
    size = np.array([len(s) for s in sets], dtype=float)
    truth = np.asarray(y)

    def figures(member: np.ndarray) -> dict:
        if not member.any():
            return {"n": 0, "coverage": None, "mean_size": None}
        return {"n": int(member.sum()), "coverage": round(float(hit[member].mean()), 4),
                "mean_size": round(float(size[member].mean()), 4)}

    overall = figures(np.full(len(truth), True))
    return {"coverage": overall["coverage"], "mean_size": overall["mean_size"],
            "n": overall["n"], "by_class": {c: figures(truth == c) for c in classes}}


def _labels(y: pd.Series) -> pd.Series:
    return y.astype(str)


def full_pipeline(pc, model):
    """PyCaret's preprocessing with the model as its last step, unfitted: what its CV fits."""
    from sklearn.base import clone

    pipeline = clone(pc.get_config("pipeline"))
    pipeline.steps.append(("actual_estimator", clone(model)))
    return pipeline
