"""A classifier's 90% likely set for each row, from the per-class thresholds training
calibrated (card "sets"; training/sets.py computes them, docs/training.md says why LAC).

A class is in a row's set when its probability is at least its threshold (or the "*"
threshold shared by every class), and the predicted class always is: no set is empty.
Pure numpy, shared by training's holdout check and the app, so both apply one rule.
"""
from __future__ import annotations

import math
from typing import Any, Mapping, Sequence

import numpy as np


def likely(thresholds: Mapping[str, float], probabilities: np.ndarray, predicted: Sequence,
           classes: Sequence[str]) -> list[list[str]]:
    """Each row's set, in the order of classes."""
    limits = np.array([threshold(thresholds, c) for c in classes], dtype=np.float64)
    inside = np.asarray(probabilities, dtype=np.float64) >= limits
    index = {c: k for k, c in enumerate(classes)}
    for row, label in zip(inside, predicted):
        row[index[str(label)]] = True
    return [[classes[k] for k in np.flatnonzero(row)] for row in inside]


def threshold(thresholds: Mapping[str, float], label: str) -> float:
    """The least probability that puts this class in a set: its own, or the shared "*"."""
    return thresholds.get(label, thresholds.get("*"))


def validate(spec: Any, classes: Sequence[str]) -> None:
    """Raise ValueError saying what is wrong with card["sets"] for these classes."""
    if not isinstance(spec, Mapping):
        raise ValueError("the sets must be an object")
    if not isinstance(spec.get("method"), str) or not spec["method"].strip():
        raise ValueError("the sets lack their method")
    coverage = spec.get("coverage")
    if not _share(coverage) or coverage in (0, 1):
        raise ValueError("the sets' coverage must be a number between 0 and 1")
    thresholds = spec.get("thresholds")
    if not isinstance(thresholds, Mapping) or not thresholds:
        raise ValueError("the sets need their thresholds")
    wanted = set(classes) if spec.get("mondrian") else {"*"}
    if set(thresholds) != wanted:
        raise ValueError(f"the sets' thresholds are for {sorted(thresholds)}, not "
                         f"{sorted(wanted)}")
    for name, value in thresholds.items():
        if not _share(value):
            raise ValueError(f"the sets' threshold for {name!r} must be a number from 0 to 1")


def _share(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) \
        and math.isfinite(value) and 0 <= value <= 1
