"""The likely range around each estimate: an 80% split-conformal interval per group
(Mondrian), calibrated on out-of-fold residuals, and how it did on PyCaret's holdout.

train.py calls calibrate_interval with the PyCaret experiment once the model is chosen; the
result is the card's "interval", which tabular.interval applies at request time.
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np
import pandas as pd

from tabular import interval

# The share of values a range holds: 80% and symmetric, because a tail of non-smokers' bills
# puts higher percentiles on a cliff that moves between splits (docs/model.md).
COVERAGE = 0.8
# A group's percentile resting on fewer training rows would rest on a handful of values, so
# a column with a smaller group cannot split the range (docs/training.md).
MIN_GROUP = 50
METHOD = (f"Split-conformal by group (Mondrian): a group's half-width is the "
          f"ceil((n+1)*{COVERAGE})-th smallest |value - estimate| among its n rows, each "
          f"estimated by a model that had not seen them (10-fold cross-validation on all rows); "
          f"the range is the estimate plus or minus it{{floor}}. The holdout figures "
          f"repeat this on the training rows alone and score the holdout with the model "
          f"fitted on those rows.")


def calibrate_interval(pc, model, inputs: dict, names: Callable[[str | None], dict]) -> dict:
    """The card's "interval": per group, the half-width that held COVERAGE of the values of
    rows the model had not seen (out-of-fold, on PyCaret's CV folds), and how it did on
    the holdout. names(column) gives the group names of the grouping column's values.

    The check comes first: calibrated on the training rows and applied to the model fitted
    on them, scored on the holdout. The grouping column is chosen on those same training
    rows, so the holdout checks the whole procedure. The deployed half-widths then come from
    all rows, as finalize_model refits on all rows: the training rows' fold models saw fewer
    rows, and their half-widths overshoot the coverage (docs/model.md).
    """
    from sklearn.model_selection import cross_val_predict

    folds = pc.get_config("fold_generator")
    X_train, y_train = pc.get_config("X_train"), pc.get_config("y_train")
    X_test, y_test = pc.get_config("X_test"), pc.get_config("y_test")
    X, y = pc.get_config("X"), pc.get_config("y")
    # A target never negative in training (a bill, a wage) gets no negative bound.
    floor = 0.0 if float(y.min()) >= 0 else None

    def out_of_fold(X: pd.DataFrame, y: pd.Series) -> np.ndarray:
        return cross_val_predict(_full_pipeline(pc, model), X, y, cv=folds)

    checking = out_of_fold(X_train, y_train)
    column = grouping_column(inputs, _columns(X_train, inputs),
                             np.abs(y_train.to_numpy() - checking))
    groups = _interval_groups(column, inputs, names(column))
    check = _calibrate(groups, _columns(X_train, inputs), y_train.to_numpy(), checking, floor)
    estimates = _full_pipeline(pc, model).fit(X_train, y_train).predict(X_test)
    spec = _calibrate(groups, _columns(X, inputs), y.to_numpy(), out_of_fold(X, y), floor)
    spec["holdout"], by_group = score(check, _columns(X_test, inputs), y_test.to_numpy(),
                                      estimates)
    for group, checked, scored in zip(spec["groups"], check["groups"], by_group):
        group["holdout"] = {"half_width": checked["half_width"], **scored}
    return spec


def grouping_column(inputs: dict, columns: dict, residuals: np.ndarray) -> str | None:
    """The category input whose groups' COVERAGE-quantiles of out-of-fold |residual| differ
    most (largest over smallest), among those with no blanks, at least two categories and
    at least MIN_GROUP rows in each; None when no input qualifies. Ties: the first input."""
    best, best_spread = None, 1.0 - 1e-12
    for name, spec in inputs.items():
        if spec["kind"] != "category" or spec["blank"] or len(spec["categories"]) < 2:
            continue
        members = [columns[name] == value for value in spec["categories"]]
        if min(int(m.sum()) for m in members) < MIN_GROUP:
            continue
        quantiles = [float(np.quantile(residuals[m], COVERAGE)) for m in members]
        spread = max(quantiles) / min(quantiles) if min(quantiles) > 0 else math.inf
        if spread > best_spread:
            best, best_spread = name, spread
    return best


def _interval_groups(column: str | None, inputs: dict, names: dict) -> list[dict]:
    """One group per value of the grouping column, or everyone together."""
    if column is None:
        return [{"name": "everyone", "where": {}}]
    return [{"name": names[v], "where": {column: [v]}} for v in inputs[column]["categories"]]


def _calibrate(groups: list[dict], columns: dict, values: np.ndarray,
               estimates: np.ndarray, floor: float | None) -> dict:
    """Split-conformal half-widths: the ceil((n+1)*COVERAGE)-th smallest |residual| among a
    group's n rows covers a new row of the group with probability >= COVERAGE."""
    spec = {"method": METHOD.format(floor="" if floor is None else f", floored at {floor:g}"),
            "coverage": COVERAGE, "floor": floor, "groups": []}
    residuals = np.abs(values - estimates)
    index = interval.group_of(columns, {"groups": groups})
    for number, group in enumerate(groups):
        mine = np.sort(residuals[index == number])
        # (n+1)*0.8 is often a whole number that floating point lands just above.
        k = math.ceil((len(mine) + 1) * COVERAGE - 1e-9)
        spec["groups"].append({**group, "n": len(mine),
                               "half_width": math.ceil(float(mine[k - 1]) * 100) / 100})
    _, by_group = score(spec, columns, values, estimates)
    for group, scored in zip(spec["groups"], by_group):
        group["above"] = scored["above"]
    return spec


def score(spec: dict, columns: dict, values: np.ndarray, estimates: np.ndarray):
    """Coverage, mean width and share of values above the range: overall and per group."""
    index = interval.group_of(columns, spec)
    low, high = interval.around(estimates, index, spec)

    def figures(member: np.ndarray) -> dict:
        if not member.any():
            return {"n": 0, "coverage": None, "mean_width": None, "above": None}
        return {"n": int(member.sum()),
                "coverage": round(float(((values >= low) & (values <= high))[member].mean()), 4),
                "mean_width": round(float((high - low)[member].mean()), 2),
                "above": round(float((values > high)[member].mean()), 4)}

    return (figures(np.full(len(values), True)),
            [figures(index == number) for number in range(len(spec["groups"]))])


def _full_pipeline(pc, model):
    """PyCaret's preprocessing with the model as its last step, unfitted: what its CV fits."""
    from sklearn.base import clone

    pipeline = clone(pc.get_config("pipeline"))
    pipeline.steps.append(("actual_estimator", clone(model)))
    return pipeline


def _columns(X: pd.DataFrame, inputs: dict) -> dict:
    """The input columns as the app holds them (categories: object arrays of strings)."""
    return {name: X[name].to_numpy(dtype=object if spec["kind"] == "category" else None)
            for name, spec in inputs.items()}
