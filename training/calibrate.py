"""The likely range around each estimate: an 80% split-conformal interval per group
(Mondrian), calibrated on out-of-fold residuals, and how it did on PyCaret's holdout.

train.py calls calibrate_interval with the PyCaret experiment once the model is chosen; the
result is the card's "interval", which charges.interval applies at request time.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from charges import interval
from charges.schema import CATEGORICAL

# The share of bills a range holds: 80% and symmetric, because a tail of non-smokers' bills
# puts higher percentiles on a cliff that moves between splits (docs/model.md).
COVERAGE = 0.8
# Per smoker group, whose errors differ threefold. A smaller group's percentile would rest
# on a handful of bills, so then everyone is calibrated together.
MIN_GROUP = 50
GROUP_NAMES = {"yes": "smokers", "no": "non-smokers"}
METHOD = (f"Split-conformal by group (Mondrian): a group's half-width is the "
          f"ceil((n+1)*{COVERAGE})-th smallest |bill - estimate| among its n people, each "
          f"estimated by a model that had not seen them (10-fold cross-validation on all rows); "
          f"the range is the estimate plus or minus it, floored at $0. The holdout figures "
          f"repeat this on the training rows alone and score the holdout with the model "
          f"fitted on those rows.")


def calibrate_interval(pc, model) -> dict:
    """The card's "interval": per group, the half-width that held COVERAGE of the bills of
    people the model had not seen (out-of-fold, on PyCaret's CV folds), and how it did on
    the holdout.

    The check comes first: calibrated on the training rows and applied to the model fitted
    on them, scored on the holdout. The deployed half-widths then come from all rows, as
    finalize_model refits on all rows: the training rows' fold models saw fewer people,
    and their half-widths overshoot the coverage (docs/model.md).
    """
    from sklearn.model_selection import cross_val_predict

    folds = pc.get_config("fold_generator")
    X_train, y_train = pc.get_config("X_train"), pc.get_config("y_train")
    X_test, y_test = pc.get_config("X_test"), pc.get_config("y_test")
    X, y = pc.get_config("X"), pc.get_config("y")
    groups = _interval_groups(_categories(X)["smoker"], _categories(X_train)["smoker"])

    def calibrated(X: pd.DataFrame, y: pd.Series) -> dict:
        estimates = cross_val_predict(_full_pipeline(pc, model), X, y, cv=folds)
        return _calibrate(groups, _categories(X), y.to_numpy(), estimates)

    check = calibrated(X_train, y_train)
    estimates = _full_pipeline(pc, model).fit(X_train, y_train).predict(X_test)
    spec = calibrated(X, y)
    spec["holdout"], by_group = score(check, _categories(X_test), y_test.to_numpy(), estimates)
    for group, checked, scored in zip(spec["groups"], check["groups"], by_group):
        group["holdout"] = {"half_width": checked["half_width"], **scored}
    return spec


def _interval_groups(smoker: np.ndarray, calibrating: np.ndarray) -> list[dict]:
    """One group per smoker value, unless the smaller calibration (the training rows) would
    have fewer than MIN_GROUP people in one of them."""
    values = sorted(set(smoker))
    if min(int((calibrating == v).sum()) for v in values) < MIN_GROUP:
        return [{"name": "everyone", "where": {}}]
    return [{"name": GROUP_NAMES.get(v, f"smoker: {v}"), "where": {"smoker": [v]}}
            for v in values]


def _calibrate(groups: list[dict], columns: dict, bills: np.ndarray,
               estimates: np.ndarray) -> dict:
    """Split-conformal half-widths: the ceil((n+1)*COVERAGE)-th smallest |residual| among a
    group's n people covers a new person of the group with probability >= COVERAGE."""
    spec = {"method": METHOD, "coverage": COVERAGE, "groups": []}
    residuals = np.abs(bills - estimates)
    index = interval.group_of(columns, {"groups": groups})
    for number, group in enumerate(groups):
        mine = np.sort(residuals[index == number])
        # (n+1)*0.8 is often a whole number that floating point lands just above.
        k = math.ceil((len(mine) + 1) * COVERAGE - 1e-9)
        spec["groups"].append({**group, "n": len(mine),
                               "half_width": math.ceil(float(mine[k - 1]) * 100) / 100})
    _, by_group = score(spec, columns, bills, estimates)
    for group, scored in zip(spec["groups"], by_group):
        group["above"] = scored["above"]
    return spec


def score(spec: dict, columns: dict, bills: np.ndarray, estimates: np.ndarray):
    """Coverage, mean width and share of bills above the range: overall and per group."""
    index = interval.group_of(columns, spec)
    low, high = interval.around(estimates, index, spec)

    def figures(member: np.ndarray) -> dict:
        if not member.any():
            return {"n": 0, "coverage": None, "mean_width": None, "above": None}
        return {"n": int(member.sum()),
                "coverage": round(float(((bills >= low) & (bills <= high))[member].mean()), 4),
                "mean_width": round(float((high - low)[member].mean()), 2),
                "above": round(float((bills > high)[member].mean()), 4)}

    return (figures(np.full(len(bills), True)),
            [figures(index == number) for number in range(len(spec["groups"]))])


def _full_pipeline(pc, model):
    """PyCaret's preprocessing with the model as its last step, unfitted: what its CV fits."""
    from sklearn.base import clone

    pipeline = clone(pc.get_config("pipeline"))
    pipeline.steps.append(("actual_estimator", clone(model)))
    return pipeline


def _categories(X: pd.DataFrame) -> dict:
    """The categorical columns as the app holds them: object arrays of strings."""
    return {name: X[name].to_numpy(dtype=object) for name in CATEGORICAL}
