"""Train a model on a CSV with PyCaret and write deployment.pkl + deployment.json.

    python -m training.train          # the insurance model, on the shipped data, to the top level
    python -m training.train --data cars.csv --target mpg --ignore car_name --out /tmp/cars
    python -m training.train --data penguins.csv --target species --out /tmp/penguins
    python -m training.train --method reference   # the tutorial's linear model, for comparison

The card (deployment.json) is what the app learns the data from: each input's kind, range or
categories, the target's distribution and format (or its classes), the metrics, the 80% range
around each estimate (or a classifier's 90% likely sets) and the words of the describe file.
A text or boolean target is a classification (training/classify.py). docs/training.md
explains every option, rule and error.
"""
from __future__ import annotations

import argparse
import logging
import math
import os
import sys
import tempfile
import warnings
from pathlib import Path

import pandas as pd
from threadpoolctl import threadpool_limits

from tabular import interval
from training import classify, columns, describe
from training.calibrate import calibrate_interval
from training.columns import TrainingError
from training.session import SESSION_ID, jsonable, quiet, write_card

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT / "training" / "data" / "insurance.csv"
DEFAULT_DESCRIBE = ROOT / "training" / "data" / "insurance.json"
DEFAULT_TARGET = "charges"
METRICS = ("MAE", "RMSE", "R2", "MAPE")

# Models compared by CV MAE, less the slow or non-deterministic learners (catboost, knn,
# AdaBoost), which never win on the insurance data.
CANDIDATES = ["lr", "ridge", "huber", "dt", "rf", "et", "gbr", "lightgbm"]

# Grids by PyCaret model id. Huber loss, because charges have a long right tail of
# unexplained high bills that squared loss chases (docs/model.md).
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

# The original insurance tutorial's method, kept for comparison (its figures: docs/model.md).
REFERENCE_SETUP = {
    "normalize": True,
    "polynomial_features": True,
    "bin_numeric_features": ["age", "bmi"],
}

log = logging.getLogger("training")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, help="training CSV (default: the insurance data)")
    parser.add_argument("--target", default=DEFAULT_TARGET, help="the column to predict")
    parser.add_argument("--out", type=Path, default=ROOT, help="folder for deployment.pkl/.json")
    parser.add_argument("--task", choices=("regression", "classification"),
                        help="default: classification for a text or boolean target, "
                             "else regression")
    parser.add_argument("--ignore", nargs="+", action="extend", default=[], metavar="COLUMN",
                        help="columns to leave out")
    parser.add_argument("--describe", type=Path, metavar="FILE.json",
                        help="labels, formats and words (default: the insurance one when "
                             "--data is not given)")
    parser.add_argument("--method", choices=("search", "reference"), default="search")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.describe is None and args.data is None:
        args.describe = DEFAULT_DESCRIBE
    try:
        card = train((args.data or DEFAULT_DATA).resolve(), args.out.resolve(), args.method,
                     target=args.target, task=args.task, ignore=args.ignore,
                     describe_path=args.describe)
    except TrainingError as exc:
        print(f"training: error: {exc}", file=sys.stderr)
        return 2
    cv = card["metrics"]["cv"]
    if card["task"] == "classification":
        log.info("%s: CV log loss %.4g, accuracy %.3f -> %s", card["model"]["name"],
                 cv["LogLoss"], cv["Accuracy"], args.out / "deployment.pkl")
        return 0
    log.info("%s: CV MAE %.4g, R2 %.3f -> %s", card["model"]["name"], cv["MAE"], cv["R2"],
             args.out / "deployment.pkl")
    return 0


def train(data_path: Path, out: Path, method: str = "search", *, target: str = DEFAULT_TARGET,
          task: str | None = None, ignore: list[str] = (),
          describe_path: Path | None = None) -> dict:
    """Check everything, then train: a TrainingError leaves nothing written."""
    found = describe.load(describe_path)
    ignore = list(dict.fromkeys(ignore))
    typed, raw = columns.read_csv(data_path)
    task = columns.check_target(typed, target, task)
    names = columns.choose_inputs(typed, target, ignore)
    describe.check_columns(found, names, ignore)
    kinds = columns.learn_kinds(typed, raw, names, describe.categories_marked(found))
    data = columns.frame(typed, raw, kinds)
    classes = task == "classification"
    data[target] = columns.classes_of(raw, target) if classes else typed[target]
    binned = REFERENCE_SETUP["bin_numeric_features"]
    if method == "reference" and (classes or any(kinds.get(c) in (None, "category")
                                                  for c in binned)):
        raise TrainingError("the reference method is the insurance tutorial's: it needs "
                            "numeric age and bmi inputs and a numeric target")
    inputs = columns.describe_inputs(data, kinds, found.get("inputs", {}))
    describe.check_groups(found, inputs)
    describe_target = columns.describe_classes if classes else columns.describe_target
    plan = {"task": task, "target": describe_target(data[target], found.get("target", {})),
            "inputs": inputs, "what_if": describe.what_if(found, inputs),
            "ignored": ignore, "words": found.get("words", {}),
            "group_names": lambda column: describe.group_names(found, column, inputs)}
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise TrainingError(f"cannot create the folder {out}: {exc.strerror}") from None
    # PyCaret and its learners write logs.log and catboost_info/ into the working directory;
    # run them from a scratch folder so nothing lands in the repository.
    cwd = os.getcwd()
    with tempfile.TemporaryDirectory() as scratch, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        os.chdir(scratch)
        try:
            return _experiment(data, out, method, plan)
        finally:
            os.chdir(cwd)


def _experiment(data: pd.DataFrame, out: Path, method: str, plan: dict) -> dict:
    if plan["task"] == "classification":
        from pycaret import classification as pc
        run = classify.run
    else:
        from pycaret import regression as pc
        run = _run

    # One OpenMP/BLAS thread, set once PyCaret has loaded every library that has a pool:
    # k-means binning (the reference method) finds other bins with two threads than with
    # one, and the same code and data must give the same model on any machine.
    with threadpool_limits(limits=1), quiet():
        return run(pc, data, out, method, plan)


def _run(pc, data: pd.DataFrame, out: Path, method: str, plan: dict) -> dict:
    settings = dict(REFERENCE_SETUP) if method == "reference" else {}
    compared = []
    pc.setup(data, target=plan["target"]["name"], session_id=SESSION_ID,
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
    ranges = calibrate_interval(pc, model, plan["inputs"], plan["group_names"])
    interval.validate(ranges, plan["inputs"])

    final = pc.finalize_model(model)
    pc.save_model(final, str(out / "deployment"), verbose=False)
    head = {
        "task": plan["task"],
        "model": {
            "name": type(model).__name__,
            "method": method,
            "params": jsonable(model.get_params()),
            "setup": {"session_id": SESSION_ID, **settings},
        },
        "metrics": {"cv": cv, "holdout": holdout, "folds": 10, "compared": compared},
    }
    card = write_card(out, pc, data, head, plan["target"], plan, ("interval", ranges))
    return card


def _tune(pc, winner, winner_id: str):
    """The compare winner tuned, against each family with a grid tuned: lowest CV MAE wins.

    Untuned, several families finish within a few percent, so another may win the compare
    on some samples of the data; tuned boosting then still beats it (docs/model.md).
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


def _metrics(row: pd.Series) -> dict:
    return {name: round(float(row[name]), 4) for name in METRICS}


if __name__ == "__main__":
    sys.exit(main())
