"""The describe file (--describe FILE.json): the words a data set's pages use, checked.

Its format is in docs/training.md and the contract with the app in docs/card.md. Training
reads "inputs", "target", "what_if" and "groups"; it copies "words" into the card unchanged.
Anything it does not know is a TrainingError, so a typo cannot pass silently.
"""
from __future__ import annotations

import json
import math
import numbers
from pathlib import Path

from training.columns import TrainingError

KEYS = ("inputs", "target", "what_if", "groups", "words")
INPUT_KEYS = ("label", "help", "kind")
TARGET_KEYS = ("label", "format")
FORMAT_KEYS = ("prefix", "suffix", "decimals")
SPEC_ACTIONS = ("to", "by", "each")


def load(path: Path | None) -> dict:
    """The describe file's object, its structure checked (columns are checked later)."""
    if path is None:
        return {}
    try:
        found = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TrainingError(f"describe file {path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise TrainingError(f"cannot read the describe file {path}: {exc}") from None
    except ValueError as exc:
        raise TrainingError(f"the describe file {path} is not valid JSON: {exc}") from None
    _object(found, "the top level", KEYS)
    for name, given in _object(found.get("inputs", {}), '"inputs"').items():
        _object(given, f'"inputs" → {name!r}', INPUT_KEYS)
        _texts(given, ("label",), f'"inputs" → {name!r}')
        if given.get("help") is not None:
            _texts(given, ("help",), f'"inputs" → {name!r}')
        if given.get("kind", "category") != "category":
            raise TrainingError(f'describe file: "inputs" → {name!r} → "kind" can only be '
                                '"category" (other kinds are learned from the data)')
    target = _object(found.get("target", {}), '"target"', TARGET_KEYS)
    _texts(target, ("label",), '"target"')
    fmt = _object(target.get("format", {}), '"target" → "format"', FORMAT_KEYS)
    _texts(fmt, ("prefix", "suffix"), '"target" → "format"')
    if "decimals" in fmt and not (_whole(fmt["decimals"]) and 0 <= fmt["decimals"] <= 10):
        raise TrainingError('describe file: "target" → "format" → "decimals" must be a whole '
                            "number from 0 to 10")
    if not isinstance(found.get("what_if", []), list):
        raise TrainingError('describe file: "what_if" must be a list')
    for column, names in _object(found.get("groups", {}), '"groups"').items():
        _texts(_object(names, f'"groups" → {column!r}'), tuple(names), f'"groups" → {column!r}')
    for key, value in _object(found.get("words", {}), '"words"').items():
        if not (isinstance(value, str) or isinstance(value, list)
                and all(isinstance(v, str) for v in value)):
            raise TrainingError(f'describe file: "words" → {key!r} must be text or a list of '
                                "texts")
    return found


def check_columns(found: dict, inputs: list[str], ignored: list[str]) -> None:
    """Every column the describe file names is an input."""
    named = [(f'"inputs" → {c!r}', c) for c in found.get("inputs", {})] + \
        [(f'"groups" → {c!r}', c) for c in found.get("groups", {})]
    for where, column in named:
        if column not in inputs:
            why = "is left out by --ignore" if column in ignored else "is not an input column"
            raise TrainingError(f"describe file: {where}: {column!r} {why}")


def categories_marked(found: dict) -> set[str]:
    return {name for name, given in found.get("inputs", {}).items()
            if given.get("kind") == "category"}


def what_if(found: dict, inputs: dict) -> list[dict]:
    """The card's "what_if": the describe file's specs, checked against the inputs; without
    them, one per other category (inputs of at most 6) and one to each numeric median."""
    if "what_if" in found:
        return [_checked(spec, inputs, number) for number, spec in
                enumerate(found["what_if"], 1)]
    specs = []
    for name, spec in inputs.items():
        if spec["kind"] == "category":
            if len(spec["categories"]) <= 6:
                specs.append({"field": name, "each": True, "label": f"{spec['label']}: {{value}}"})
        else:
            specs.append({"field": name, "to": spec["median"],
                          "label": f"{spec['label']} at its median ({spec['median']:.10g})"})
    return specs


def _checked(spec, inputs: dict, number: int) -> dict:
    where = f'describe file: "what_if" #{number}'
    if not isinstance(spec, dict):
        raise TrainingError(f"{where} must be an object")
    actions = [key for key in SPEC_ACTIONS if key in spec]
    unknown = set(spec) - {"field", "label", *SPEC_ACTIONS}
    if unknown or len(actions) != 1 or not {"field", "label"} <= set(spec):
        raise TrainingError(f'{where} needs "field", "label" and one of "to", "by", "each"'
                            + (f"; unknown key {sorted(unknown)[0]!r}" if unknown else ""))
    _texts(spec, ("field", "label"), f'"what_if" #{number}')
    field, action, value = spec["field"], actions[0], spec[actions[0]]
    if field not in inputs:
        raise TrainingError(f"{where}: {field!r} is not an input column")
    given = inputs[field]
    category = given["kind"] == "category"
    if action == "each" and (value is not True or not category):
        raise TrainingError(f'{where}: "each" must be true, on a category input')
    if action == "by" and (category or not _number(value)):
        raise TrainingError(f'{where}: "by" must be a number, on a numeric input')
    if action == "to":
        if category and value not in given["categories"]:
            raise TrainingError(f'{where}: "to" must be one of the categories of {field!r}: '
                                + ", ".join(given["categories"]))
        if not category and not (_number(value) and given["min"] <= value <= given["max"]
                                 and (given["kind"] == "number" or float(value).is_integer())):
            whole = "a whole number" if given["kind"] == "integer" else "a number"
            raise TrainingError(f'{where}: "to" must be {whole} from {given["min"]} to '
                                f"{given['max']}")
    return {"field": field, action: value, "label": spec["label"]}


def check_groups(found: dict, inputs: dict) -> None:
    """The describe file's group names name categories of category inputs, each once."""
    for column, given in found.get("groups", {}).items():
        if inputs[column]["kind"] != "category":
            raise TrainingError(f'describe file: "groups" → {column!r} is not a category input')
        unknown = set(given) - set(inputs[column]["categories"])
        if unknown:
            raise TrainingError(f'describe file: "groups" → {column!r}: no category '
                                f"{sorted(unknown)[0]!r}")
        names = list(group_names(found, column, inputs).values())
        if len(set(names)) < len(names):
            raise TrainingError(f'describe file: "groups" → {column!r}: two groups share '
                                "a name")


def group_names(found: dict, column: str | None, inputs: dict) -> dict[str, str]:
    """The likely-range groups' names for the chosen column: the describe file's, else
    "{label}: {value}"."""
    if column is None:
        return {}
    given = found.get("groups", {}).get(column, {})
    return {value: given.get(value, f"{inputs[column]['label']}: {value}")
            for value in inputs[column]["categories"]}


def _object(value, where: str, keys: tuple[str, ...] | None = None) -> dict:
    if not isinstance(value, dict):
        raise TrainingError(f"describe file: {where} must be an object")
    unknown = [key for key in value if keys is not None and key not in keys]
    if unknown:
        raise TrainingError(f"describe file: {where} has an unknown key {unknown[0]!r} "
                            f"(known: {', '.join(keys)})")
    return value


def _texts(value: dict, keys: tuple[str, ...], where: str) -> None:
    for key in keys:
        if key in value and not isinstance(value[key], str):
            raise TrainingError(f"describe file: {where} → {key!r} must be text")


def _number(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool) \
        and math.isfinite(value)


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
