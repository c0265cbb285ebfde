"""How the likely range (or set) does on rows the model never saw: for each seed, train the
deployed method on 80% of the rows (`train --data`) and score the other 20% with the saved
pipeline's predict and the card's ranges. Prints a line per seed and a summary.

    python -m training.holdout 0 1 2 3 4     # the insurance data; about a minute per seed
    python -m training.holdout --data training/data/auto-mpg.csv --target mpg \
        --ignore car_name 0 1 2 3 4
    python -m training.holdout --data training/data/penguins.csv --target species 0 1 2 3 4

A classifier's 90% likely sets are scored the same way: coverage overall and by true class,
and the mean set size.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import joblib
import pandas as pd

from training import calibrate, columns, sets, train


def load(folder: Path) -> tuple[object, dict]:
    """The saved pipeline and its card, read without the app (which serves one data set)."""
    return joblib.load(folder / "deployment.pkl"), json.loads(
        (folder / "deployment.json").read_text())


def inputs_frame(typed: pd.DataFrame, raw: pd.DataFrame, card: dict) -> pd.DataFrame:
    """Rows of a CSV as the pipeline was fitted on them: the card's kinds and dtypes."""
    kinds = {name: spec["kind"] for name, spec in card["inputs"].items()}
    frame = columns.frame(typed, raw, kinds)
    # A column without blanks in training may have some here: the card's dtype still rules.
    return frame.astype({name: spec["dtype"] for name, spec in card["inputs"].items()})


def score(seed: int, path: Path, options: list[str], share: float = 0.8) -> dict:
    typed, raw = columns.read_csv(path)
    order = typed.reset_index(drop=True).sample(frac=1.0, random_state=seed).index
    cut = round(share * len(typed))
    part, rest = order[:cut], order[cut:]
    with tempfile.TemporaryDirectory(prefix=f"holdout-{seed}-") as folder:
        pd.read_csv(path).iloc[part].to_csv(Path(folder) / "part.csv", index=False)
        assert train.main(["--data", str(Path(folder) / "part.csv"), "--out", folder,
                           *options]) == 0
        pipeline, card = load(Path(folder))
    inputs = inputs_frame(typed.iloc[rest], raw.iloc[rest], card)
    if card["task"] == "classification":
        return _score_sets(seed, card, pipeline, inputs, raw[card["target"]["name"]].iloc[rest])
    estimates = pipeline.predict(inputs)
    spec = card["interval"]
    values = typed[card["target"]["name"]].iloc[rest].to_numpy()
    overall, by_group = calibrate.score(spec, {n: inputs[n].to_numpy() for n in inputs},
                                        values, estimates)
    return {"seed": seed, "model": card["model"]["name"], "scored": overall["n"],
            "coverage": overall["coverage"],
            **{group["name"]: found["coverage"] for group, found in zip(spec["groups"], by_group)},
            "mean_width": overall["mean_width"], "above": overall["above"]}


def _score_sets(seed: int, card: dict, pipeline, inputs: pd.DataFrame,
                labels: pd.Series) -> dict:
    """A classifier's likely sets on the rows it never saw: coverage, overall and by class."""
    classes = card["target"]["classes"]
    predicted = pipeline.predict(inputs)
    found = sets.score(card["sets"]["thresholds"], pipeline.predict_proba(inputs), predicted,
                       labels.astype(str), classes)
    return {"seed": seed, "model": card["model"]["name"], "scored": found["n"],
            "coverage": found["coverage"],
            **{c: figures["coverage"] for c, figures in found["by_class"].items()},
            "mean_size": found["mean_size"],
            "accuracy": float((predicted.astype(str) == labels.astype(str).to_numpy()).mean())}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=train.DEFAULT_DATA)
    parser.add_argument("--target", default=train.DEFAULT_TARGET)
    # One column per --ignore here, so that the seeds after it stay seeds.
    parser.add_argument("--ignore", action="append", default=[], metavar="COLUMN")
    parser.add_argument("--describe", type=Path, metavar="FILE.json")
    parser.add_argument("seeds", nargs="*", type=int, default=[0])
    args = parser.parse_args(argv)
    describe = args.describe or (train.DEFAULT_DESCRIBE if args.data == train.DEFAULT_DATA
                                 else None)
    options = ["--target", args.target] + (["--ignore", *args.ignore] if args.ignore else []) \
        + (["--describe", str(describe)] if describe else [])
    rows = []
    for seed in args.seeds:
        rows.append(score(seed, args.data, options))
        print(json.dumps({k: round(v, 3) if isinstance(v, float) else v
                          for k, v in rows[-1].items()}), flush=True)
    figures = pd.DataFrame(rows).drop(columns=["seed", "model", "scored"])
    print(figures.agg(["mean", "min", "max"]).round(3).to_string())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
