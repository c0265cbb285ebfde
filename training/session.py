"""What the regression and classification experiments share: the seed, one quiet thread,
the card's JSON-safe parameters and versions, and the card itself."""
from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import sys
from importlib import metadata
from pathlib import Path

SESSION_ID = 123


@contextlib.contextmanager
def quiet():
    """LightGBM prints thousands of parameter warnings while PyCaret tunes it, from Python
    and from C: neither reaches the owner's terminal (its errors still raise)."""
    sys.stdout.flush()
    saved = os.dup(1)
    with open(os.devnull, "w") as null, contextlib.redirect_stdout(null):
        os.dup2(null.fileno(), 1)
        try:
            yield
        finally:
            os.dup2(saved, 1)
            os.close(saved)


def jsonable(params: dict) -> dict:
    return {k: v if isinstance(v, (int, float, str, bool, type(None))) else repr(v)
            for k, v in params.items()}


def versions() -> dict:
    return {name: metadata.version(name) for name in
            ("pycaret", "scikit-learn", "pandas", "numpy", "lightgbm")} \
        | {"python": sys.version.split()[0]}


def write_card(out: Path, pc, data, head: dict, target: dict, plan: dict,
               uncertainty: tuple[str, dict]) -> dict:
    """deployment.json beside the saved deployment.pkl: the task's own head (task, model,
    metrics), then what every card has, with the task's likely range or set under its key."""
    key, spec = uncertainty
    card = {**head,
            "rows": {"total": len(data), "train": len(pc.get_config("X_train")),
                     "holdout": len(pc.get_config("X_test"))},
            "versions": versions(),
            "sha256": hashlib.sha256((out / "deployment.pkl").read_bytes()).hexdigest(),
            "trained_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "target": target,
            "inputs": plan["inputs"],
            "what_if": plan["what_if"],
            key: spec,
            "ignored": plan["ignored"],
            "words": plan["words"]}
    (out / "deployment.json").write_text(json.dumps(card, indent=2) + "\n")
    return card
