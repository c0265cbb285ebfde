"""Train the charges model with PyCaret and write deployment.pkl + deployment.json.

    python -m training.train                      # the deployed method, on the shipped data
    python -m training.train --method reference   # the tutorial's linear model, for comparison
    python -m training.train --data part.csv --out /tmp/model

The card (deployment.json) is what the app learns the data from: input ranges, categories,
the charges distribution, the metrics and the 80% range around each estimate. Nothing about
the data is hard-coded in the app.
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import logging
import math
import os
import sys
import tempfile
import warnings
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from charges import interval
from charges.schema import CATEGORICAL, FIELDS, INTEGER, TARGET

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT / "training" / "data" / "insurance.csv"
SESSION_ID = 123
METRICS = ("MAE", "RMSE", "R2", "MAPE")
QUANTILES = 101

# Models compared by CV MAE. The slow or non-deterministic learners (catboost, knn, the
# AdaBoost family) never won a comparison on this data and would double the run time.
CANDIDATES = ["lr", "ridge", "huber", "dt", "rf", "et", "gbr", "lightgbm"]

# Grids by PyCaret model id. Huber loss is what takes gradient boosting from MAE ~2,700 to
# ~1,700 here: charges have a long right tail of non-smokers with unexplained high bills, and
# squared loss chases them.
GRIDS = {
    "gbr": {
        "loss": ["huber"],
        "alpha": [0.7, 0.8, 0.9],
        "max_depth": [3, 4],
        "learning_rate": [0.05],
        "n_estimators": [200],
        "min_samples_leaf": [5],
    },
}

# The starting point from the original tutorial (CV MAE 3,151, R2 0.819 on this split).
REFERENCE_SETUP = {
    "normalize": True,
    "polynomial_features": True,
    "bin_numeric_features": ["age", "bmi"],
}

# The range around each estimate holds this share of people's bills. Symmetric, from |residual|:
# 80% of non-smokers' |residuals| are under ~$500, but ~10% of them have unexplained bills
# $5,000 or more above their estimate. So |residual|'s 90th percentile, and likewise the upper
# (90th) quantile of a signed, asymmetric range at 80%, sit on that cliff: under $2,000 at
# the 90th, ~$10,000 at the 92nd, and which one a split of the data gets is luck. The 80th
# percentile of |residual| stays clear of it.
COVERAGE = 0.8
# Calibrated per smoker group (smokers' errors are about three times the others'). Finer
# groups were tried (non-smokers by region, ~180 people each): no group's coverage got closer
# to 80% over 10 splits and ranges got wider; smokers split further have ~100 people or fewer.
# With fewer than MIN_GROUP people in a group, its 80th percentile rests on a handful of bills,
# so everyone is calibrated together instead.
MIN_GROUP = 50
GROUP_NAMES = {"yes": "smokers", "no": "non-smokers"}
METHOD = (f"Split-conformal by group (Mondrian): a group's half-width is the "
          f"ceil((n+1)*{COVERAGE})-th smallest |bill - estimate| among its n people, each "
          f"estimated by a model that had not seen them (10-fold cross-validation on all rows); "
          f"the range is the estimate plus or minus it, floored at $0. The holdout figures "
          f"repeat this on the training rows alone and score the holdout with the model "
          f"fitted on those rows.")

log = logging.getLogger("training")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="training CSV")
    parser.add_argument("--out", type=Path, default=ROOT, help="folder for deployment.pkl/.json")
    parser.add_argument("--method", choices=("search", "reference"), default="search")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    card = train(args.data.resolve(), args.out.resolve(), args.method)
    cv = card["metrics"]["cv"]
    log.info("%s: CV MAE %.0f, R2 %.3f -> %s", card["model"]["name"], cv["MAE"], cv["R2"],
             args.out / "deployment.pkl")
    return 0


def train(data_path: Path, out: Path, method: str = "search") -> dict:
    data = pd.read_csv(data_path)
    out.mkdir(parents=True, exist_ok=True)
    # PyCaret and its learners write logs.log and catboost_info/ into the working directory;
    # run them from a scratch folder so nothing lands in the repository.
    cwd = os.getcwd()
    with tempfile.TemporaryDirectory() as scratch, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        os.chdir(scratch)
        try:
            return _experiment(data, out, method)
        finally:
            os.chdir(cwd)


def _experiment(data: pd.DataFrame, out: Path, method: str) -> dict:
    from pycaret import regression as pc

    # One OpenMP/BLAS thread, set once PyCaret has loaded every library that has a pool:
    # k-means binning (the reference method) finds other bins with two threads than with
    # one, and the same code and data must give the same model on any machine.
    with threadpool_limits(limits=1):
        return _run(pc, data, out, method)


def _run(pc, data: pd.DataFrame, out: Path, method: str) -> dict:
    settings = dict(REFERENCE_SETUP) if method == "reference" else {}
    compared = []
    pc.setup(data[list(FIELDS) + [TARGET]], target=TARGET, session_id=SESSION_ID,
             memory=False, system_log=False, html=False, verbose=False, n_jobs=1, **settings)
    if method == "reference":
        model = pc.create_model("lr", verbose=False)
    else:
        winner = pc.compare_models(include=CANDIDATES, sort="MAE", verbose=False)
        ranking = pc.pull()
        compared = [{"model": row["Model"], **_metrics(row)} for _, row in ranking.iterrows()]
        model = _tune(pc, winner, ranking.index[0])
    # tune_model keeps whichever of the tuned and untuned models is better; re-scoring the
    # winner gives its own CV table either way.
    pc.create_model(model, verbose=False)
    cv = _metrics(pc.pull().loc["Mean"])
    pc.predict_model(model, verbose=False)
    holdout = _metrics(pc.pull().iloc[0])
    inputs = describe_inputs(data)
    ranges = calibrate_interval(pc, model)
    interval.validate(ranges, inputs)

    final = pc.finalize_model(model)
    pc.save_model(final, str(out / "deployment"), verbose=False)
    pkl = out / "deployment.pkl"
    card = {
        "model": {
            "name": type(model).__name__,
            "method": method,
            "params": _jsonable(model.get_params()),
            "setup": {"session_id": SESSION_ID, **settings},
        },
        "metrics": {"cv": cv, "holdout": holdout, "folds": 10, "compared": compared},
        "interval": ranges,
        "rows": {"total": len(data), "train": len(pc.get_config("X_train")),
                 "holdout": len(pc.get_config("X_test"))},
        "inputs": inputs,
        "charges": describe_charges(data[TARGET]),
        "versions": {name: metadata.version(name) for name in
                     ("pycaret", "scikit-learn", "pandas", "numpy", "lightgbm")}
                    | {"python": sys.version.split()[0]},
        "sha256": hashlib.sha256(pkl.read_bytes()).hexdigest(),
        "trained_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
    }
    (out / "deployment.json").write_text(json.dumps(card, indent=2) + "\n")
    return card


def _tune(pc, winner, winner_id: str):
    """The compare winner tuned, against each family with a grid tuned: lowest CV MAE wins.

    Untuned, boosting, random forest and extra trees finish within a few percent of each
    other, so on some samples of the data another family ranks first, and tuned boosting
    beats it by a third (random forest's CV MAE 2,346 against boosting's ~1,600 on 80% of
    the rows). On the shipped data boosting ranks first and is the only contender.
    """
    starts = {winner_id: winner} | {family: None for family in GRIDS if family != winner_id}
    best, best_mae = None, math.inf
    for family, start in starts.items():
        if start is None:
            start = pc.create_model(family, cross_validation=False, verbose=False)
        grid = GRIDS.get(family)
        tuned = pc.tune_model(start, optimize="MAE", custom_grid=grid, verbose=False,
                              search_algorithm="grid" if grid else None)
        if len(starts) == 1:
            return tuned
        pc.create_model(tuned, verbose=False)
        mae = float(pc.pull().loc["Mean", "MAE"])
        if mae < best_mae:
            best, best_mae = tuned, mae
    return best


def calibrate_interval(pc, model) -> dict:
    """The card's "interval": per group, the half-width that held COVERAGE of the bills of
    people the model had not seen (out-of-fold, on PyCaret's CV folds), and how it did on
    the holdout.

    The check comes first: calibrated on the training rows and applied to the model fitted
    on them, scored on the holdout. The deployed half-widths then come from all rows, as
    finalize_model refits on all rows: the final model has seen ~40% more people than the
    training rows' fold models, and half-widths from those overshot 80% (84% over 10
    splits of the data, against 80% from all rows).
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
    spec["holdout"], by_group = _score(check, _categories(X_test), y_test.to_numpy(), estimates)
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
    _, by_group = _score(spec, columns, bills, estimates)
    for group, scored in zip(spec["groups"], by_group):
        group["above"] = scored["above"]
    return spec


def _score(spec: dict, columns: dict, bills: np.ndarray, estimates: np.ndarray):
    """Coverage, mean width and share of bills above the range: overall and per group."""
    low, high = interval.ranges(columns, estimates, spec)
    index = interval.group_of(columns, spec)

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


def describe_inputs(data: pd.DataFrame) -> dict:
    inputs = {}
    for name in FIELDS:
        column = data[name]
        if name in CATEGORICAL:
            inputs[name] = {"kind": "category", "categories": sorted(column.unique().tolist())}
        else:
            inputs[name] = {"kind": "integer" if name in INTEGER else "number",
                            "min": column.min().item(), "max": column.max().item()}
    return inputs


def describe_charges(charges: pd.Series) -> dict:
    """Percentiles 0..100 of the target: enough to place a prediction and draw its histogram."""
    levels = np.linspace(0, 1, QUANTILES)
    return {"quantiles": [round(float(q), 2) for q in charges.quantile(levels)],
            "mean": round(float(charges.mean()), 2)}


def _metrics(row: pd.Series) -> dict:
    return {name: round(float(row[name]), 4) for name in METRICS}


def _jsonable(params: dict) -> dict:
    return {k: v if isinstance(v, (int, float, str, bool, type(None))) else repr(v)
            for k, v in params.items()}


if __name__ == "__main__":
    sys.exit(main())
