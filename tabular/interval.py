"""The range around each estimate, from the half-widths training calibrated per group.

deployment.json's "interval" names groups of people by their category values (smokers,
non-smokers) and gives each a half-width. Pure numpy on the typed input columns.
"""
from __future__ import annotations

import functools
import itertools
import math
from typing import Any, Mapping

import numpy as np

Columns = Mapping[str, np.ndarray]  # the training columns by name, typed as in training


def group_of(columns: Columns, spec: Mapping) -> np.ndarray:
    """Each row's group, as an index into spec["groups"]; ValueError if a row has none."""
    n = len(next(iter(columns.values())))
    index = np.full(n, -1, dtype=np.intp)
    for number, group in enumerate(spec["groups"]):
        member = np.ones(n, dtype=bool)
        for name, values in group["where"].items():
            column = columns[name]
            # Not np.logical_or.reduce: it would first copy the list into one 2-D array.
            member &= functools.reduce(np.logical_or, [column == value for value in values])
        index[member] = number
    if (index < 0).any():
        raise ValueError("a row falls in none of the interval's groups")
    return index


def around(estimates: np.ndarray, groups: np.ndarray,
           spec: Mapping) -> tuple[np.ndarray, np.ndarray]:
    """(low, high) for each estimate: estimate ± its group's half-width, floored at the
    spec's "floor" when it has one (training sets 0 for a target never negative).

    A bill cannot be negative but a linear model's estimate can, so with a floor the promise
    is floor <= low <= max(estimate, floor) <= high; for an estimate at or above the floor
    that is low <= estimate <= high. Below it the range is what is left of it above.
    """
    estimates = np.asarray(estimates, dtype=np.float64)
    half = np.array([g["half_width"] for g in spec["groups"]], dtype=np.float64)[groups]
    low, high = estimates - half, estimates + half
    floor = spec.get("floor")
    if floor is None:
        return low, high
    return np.maximum(low, floor), np.maximum(high, floor)


def validate(spec: Any, inputs: Mapping | None = None) -> None:
    """Raise ValueError saying what is wrong with card["interval"]. With the card's "inputs",
    also check that the groups name only category inputs and their categories, and that
    every combination of those categories falls in a group."""
    if not isinstance(spec, Mapping):
        raise ValueError("the interval must be an object")
    if not isinstance(spec.get("method"), str) or not spec["method"].strip():
        raise ValueError("the interval lacks its method")
    if not _number(spec.get("coverage")) or not 0 < spec["coverage"] < 1:
        raise ValueError("the interval's coverage must be a number between 0 and 1")
    if spec.get("floor") is not None and not _number(spec["floor"]):
        raise ValueError("the interval's floor must be a number or null")
    groups = spec.get("groups")
    if not isinstance(groups, list) or not groups:
        raise ValueError("the interval needs a non-empty list of groups")
    categorical = None if inputs is None else frozenset(
        name for name, given in inputs.items() if given.get("kind") == "category")
    for group in groups:
        _check_group(group, categorical)
    names = [g["name"] for g in groups]
    if len(set(names)) != len(names):
        raise ValueError("the interval's group names repeat")
    for a, b in itertools.combinations(groups, 2):
        if not _disjoint(a["where"], b["where"]):
            raise ValueError(f"interval groups {a['name']!r} and {b['name']!r} overlap")
    if inputs is not None:
        _check_cover(groups, inputs)


def _check_group(group: Any, categorical: frozenset | None) -> None:
    if not isinstance(group, Mapping) or not isinstance(group.get("name"), str) \
            or not group["name"].strip():
        raise ValueError("each interval group needs a name")
    name, where = group["name"], group.get("where")
    if not isinstance(where, Mapping) or not all(
            (categorical is None or column in categorical) and isinstance(values, list) and values
            and all(isinstance(v, str) for v in values) for column, values in where.items()):
        raise ValueError(f"interval group {name!r}: 'where' must map categorical columns to "
                         "non-empty lists of their values")
    if not _number(group.get("half_width")) or group["half_width"] < 0:
        raise ValueError(f"interval group {name!r}: half_width must be a number >= 0")
    if not isinstance(group.get("n"), int) or isinstance(group["n"], bool) or group["n"] < 1:
        raise ValueError(f"interval group {name!r}: n must be a whole number >= 1")
    if not _number(group.get("above")) or not 0 <= group["above"] <= 1:
        raise ValueError(f"interval group {name!r}: 'above' must be a share from 0 to 1")


def _check_cover(groups: list, inputs: Mapping) -> None:
    # Only the columns the groups constrain matter: the others cannot leave a row uncovered.
    columns = sorted({column for group in groups for column in group["where"]})
    for column in columns:
        for group in groups:
            unknown = set(group["where"].get(column, ())) - set(inputs[column]["categories"])
            if unknown:
                raise ValueError(f"interval group {group['name']!r}: {column} has no "
                                 f"category {sorted(unknown)[0]!r}")
    for combo in itertools.product(*(inputs[c]["categories"] for c in columns)):
        person = dict(zip(columns, combo))
        if not any(all(person[c] in v for c, v in g["where"].items()) for g in groups):
            raise ValueError(f"no interval group covers {person}")


def _disjoint(a: Mapping, b: Mapping) -> bool:
    """Two groups share nobody when some column they both constrain has no common value."""
    return any(not set(a[c]) & set(b[c]) for c in a.keys() & b.keys())


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) \
        and math.isfinite(value)
