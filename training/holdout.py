"""How the likely range does on people the model never saw: for each seed, train the deployed
method on 80% of the rows (`train --data`) and score the other 20% with the saved pipeline's
predict and the card's ranges. Prints a line per seed and a summary.

    python -m training.holdout 0 1 2 3 4     # about a minute per seed
"""
from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import pandas as pd

from charges.model import load_model
from charges.schema import DTYPES, FIELDS, TARGET
from training import calibrate, train


def score(seed: int, data: pd.DataFrame, share: float = 0.8) -> dict:
    shuffled = data.sample(frac=1.0, random_state=seed)
    cut = round(share * len(data))
    part, rest = shuffled.iloc[:cut], shuffled.iloc[cut:]
    with tempfile.TemporaryDirectory(prefix=f"holdout-{seed}-") as folder:
        part.to_csv(Path(folder) / "part.csv", index=False)
        train.main(["--data", str(Path(folder) / "part.csv"), "--out", folder])
        fitted = load_model(Path(folder) / "deployment.pkl")
    inputs = rest[list(FIELDS)].astype(DTYPES)
    estimates = fitted.pipeline.predict(inputs)
    columns = {name: inputs[name].to_numpy() for name in FIELDS}
    spec = fitted.card["interval"]
    overall, by_group = calibrate.score(spec, columns, rest[TARGET].to_numpy(), estimates)
    return {"seed": seed, "model": fitted.name, "scored": overall["n"],
            "coverage": overall["coverage"],
            **{group["name"]: found["coverage"] for group, found in zip(spec["groups"], by_group)},
            "mean_width": overall["mean_width"], "above": overall["above"]}


def main(argv: list[str]) -> int:
    data = pd.read_csv(train.DEFAULT_DATA)
    rows = []
    for seed in map(int, argv or ["0"]):
        rows.append(score(seed, data))
        print(json.dumps({k: round(v, 3) if isinstance(v, float) else v
                          for k, v in rows[-1].items()}), flush=True)
    figures = pd.DataFrame(rows).drop(columns=["seed", "model", "scored"])
    print(figures.agg(["mean", "min", "max"]).round(3).to_string())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
