"""What training learns from a CSV's columns: each input's kind, the frame the pipeline is
fitted on, and the card's "inputs" and "target". Every problem is a TrainingError.

The rules (kinds, identifiers, limits) are explained in docs/training.md.
"""
from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pandas as pd

MIN_ROWS = 50
MAX_INPUTS = 100
# A text column whose distinct values outnumber half its filled rows names things (a car, a
# person) rather than sorting them: the model could not learn from it, and the form would
# offer hundreds of choices.
IDENTIFIER_SHARE = 0.5
QUANTILES = 101
# A class needs a row in each of the 10 stratified CV folds of PyCaret's 70% training part,
# else a fold's log loss and AUC miss it: 15 rows give at least 10 there.
MIN_CLASS_ROWS = 15
# More classes than this is more likely a wrong column than a question a form answers.
MAX_CLASSES = 20


class TrainingError(Exception):
    """A problem with the data, the options or the describe file: a message, exit code 2."""


def read_csv(path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The file as pandas types it, and the same cells as text (NaN where missing)."""
    try:
        with open(path, newline="", encoding="utf-8") as file:
            header = next(csv.reader(file), [])
        typed = pd.read_csv(path)
        raw = pd.read_csv(path, dtype=str)
    except FileNotFoundError:
        raise TrainingError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise TrainingError(f"{path} is a folder, not a CSV file") from None
    except UnicodeDecodeError:
        raise TrainingError(f"{path} is not a CSV file (not UTF-8 text)") from None
    except pd.errors.EmptyDataError:
        raise TrainingError(f"{path} is empty: a CSV file with a header row is needed") from None
    except (pd.errors.ParserError, csv.Error) as exc:
        raise TrainingError(f"{path} is not a CSV file pandas can read: "
                            f"{str(exc).strip()}") from None
    except OSError as exc:
        raise TrainingError(f"cannot read {path}: {exc.strerror}") from None
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        raise TrainingError(f"{path}: the header names {repeated[0]!r} more than once")
    return typed, raw


def check_target(typed: pd.DataFrame, target: str, task: str | None) -> str:
    """The task the target asks for: "regression" for numbers, "classification" for text or
    booleans (or numbers with task="classification"); TrainingError for anything else."""
    if target not in typed.columns:
        raise TrainingError(f"the data has no column {target!r}; its columns are: "
                            + ", ".join(map(str, typed.columns)))
    column = typed[target]
    numeric = _numeric(column)
    missing = int(column.isna().sum())
    if (task or ("regression" if numeric else "classification")) == "classification":
        _check_classes(target, column, missing)
        return "classification"
    if not numeric:
        raise TrainingError(f"the target {target!r} holds text, not numbers: it cannot be "
                            "predicted by regression")
    if missing:
        raise TrainingError(f"the target {target!r} is missing on {missing} row(s): fill "
                            "them or remove those rows")
    if not np.isfinite(column).all():
        raise TrainingError(f"the target {target!r} holds an infinite number")
    if column.nunique() < 2:
        raise TrainingError(f"the target {target!r} has the same value on every row: "
                            "there is nothing to predict")
    return "regression"


def _check_classes(target: str, column: pd.Series, missing: int) -> None:
    if missing:
        raise TrainingError(f"the target {target!r} is missing on {missing} row(s): fill "
                            "them or remove those rows")
    counts = column.astype(str).value_counts()
    if len(counts) < 2:
        raise TrainingError(f"the target {target!r} has the same value on every row: "
                            "there is nothing to predict")
    if len(counts) > MAX_CLASSES:
        raise TrainingError(f"the target {target!r} has {len(counts)} classes: at most "
                            f"{MAX_CLASSES} are supported (is it the right column?)")
    barred = [label for label in counts.index if "|" in label]
    if barred:  # the download's likely_<target> joins a set's classes with "|"
        raise TrainingError(f"the class {barred[0]!r} of {target!r} holds a '|', which "
                            "separates the classes of a likely set in the CSV download: "
                            "rename the class")
    rare = counts[counts < MIN_CLASS_ROWS]
    if len(rare):
        raise TrainingError(f"the class {rare.index[-1]!r} of {target!r} has "
                            f"{int(rare.iloc[-1])} row(s): each class needs at least "
                            f"{MIN_CLASS_ROWS}, so that every cross-validation fold holds one")


def classes_of(raw: pd.DataFrame, target: str) -> pd.Series:
    """The target's labels as text, exactly as the file writes them."""
    return raw[target].astype(object)


def _numeric(column: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)


def choose_inputs(typed: pd.DataFrame, target: str, ignore: list[str]) -> list[str]:
    """The input columns in file order, less the target and the ignored ones."""
    unknown = [name for name in ignore if name not in typed.columns]
    if unknown:
        raise TrainingError(f"--ignore names {unknown[0]!r}, which is not a column; the "
                            "columns are: " + ", ".join(map(str, typed.columns)))
    if target in ignore:
        raise TrainingError(f"--ignore names the target {target!r}")
    inputs = [name for name in typed.columns if name != target and name not in ignore]
    if not inputs:
        raise TrainingError("no input column is left once the target and --ignore are "
                            "taken out")
    if len(inputs) > MAX_INPUTS:
        raise TrainingError(f"{len(inputs)} input columns: at most {MAX_INPUTS} are "
                            "supported (leave some out with --ignore)")
    if len(typed) < MIN_ROWS:
        raise TrainingError(f"{len(typed)} rows: at least {MIN_ROWS} are needed to train "
                            "and check a model")
    return inputs


def learn_kinds(typed: pd.DataFrame, raw: pd.DataFrame, inputs: list[str],
                categories: set[str]) -> dict[str, str]:
    """Each input's kind: category (text, booleans, or marked so in the describe file),
    integer (every filled value a whole number: 130 or 130.0) or number."""
    kinds = {}
    for name in inputs:
        column = typed[name]
        if column.isna().all():
            raise TrainingError(f"the column {name!r} is empty on every row: leave it out "
                                f"with --ignore {name}")
        if _numeric(column) and not np.isfinite(column.dropna()).all():
            raise TrainingError(f"the column {name!r} holds an infinite number")
        if name in categories or not _numeric(column):
            kinds[name] = "category"
        elif pd.api.types.is_integer_dtype(column) or bool(
                (column.dropna() == np.floor(column.dropna())).all()):
            kinds[name] = "integer"
        else:
            kinds[name] = "number"
    for name, kind in kinds.items():
        _check_identifier(name, kind, raw[name])
    return kinds


def _check_identifier(name: str, kind: str, cells: pd.Series) -> None:
    filled = cells.dropna().str.strip()
    filled = filled[filled != ""]
    if kind == "category" and filled.nunique() > IDENTIFIER_SHARE * max(len(filled), 1):
        raise TrainingError(
            f"the column {name!r} looks like an identifier ({filled.nunique()} distinct text "
            f"values in {len(filled)} rows), not something a model can learn from: leave it "
            f"out with --ignore {name}")


def frame(typed: pd.DataFrame, raw: pd.DataFrame, kinds: dict[str, str]) -> pd.DataFrame:
    """The inputs as the pipeline is fitted on them: categories as stripped text (NaN where
    blank: the imputer would take None for a category of its own), integers int64 (float64
    when some are missing), numbers float64."""
    columns = {}
    for name, kind in kinds.items():
        if kind == "category":
            # Text as pandas read it (the same string objects as before this code learned
            # kinds); booleans and numbers marked as categories as the file wrote them.
            cells = typed[name] if typed[name].dtype == object else raw[name]
            columns[name] = cells.map(_category_cell, na_action="ignore").astype(object)
        else:
            column = typed[name]
            columns[name] = column.astype(_dtype(kind, bool(column.isna().any())))
    return pd.DataFrame(columns, index=typed.index)


def _category_cell(cell):
    stripped = cell.strip()
    # str.strip returns the same object when there is nothing to strip, so clean data
    # reaches the pipeline (and its pickle) exactly as read.
    return stripped if stripped else np.nan


def _dtype(kind: str, blank: bool) -> str:
    return "object" if kind == "category" else \
        "int64" if kind == "integer" and not blank else "float64"


def describe_inputs(data: pd.DataFrame, kinds: dict[str, str], words: dict) -> dict:
    """The card's "inputs", in training-column order."""
    inputs = {}
    for name, kind in kinds.items():
        column = data[name]
        blank = bool(column.isna().any())
        given = words.get(name, {})
        spec = {"kind": kind, "dtype": _dtype(kind, blank),
                "label": given.get("label", name), "help": given.get("help"), "blank": blank}
        if kind == "category":
            spec["categories"] = sorted(str(v) for v in column.dropna().unique())
        else:
            filled = column.dropna()
            low, high, median = filled.min().item(), filled.max().item(), float(filled.median())
            if kind == "integer":
                spec |= {"min": int(low), "max": int(high), "median": math.floor(median + 0.5)}
            else:
                spec |= {"min": float(low), "max": float(high), "median": median}
        inputs[name] = spec
    return inputs


def describe_target(values: pd.Series, given: dict) -> dict:
    """The card's "target": its words and format, and percentiles 0..100 (enough to place a
    prediction and draw its histogram) and mean."""
    whole = bool((values == np.round(values)).all())
    fmt = {"prefix": "", "suffix": "", "decimals": 0 if whole else 2} | given.get("format", {})
    levels = np.linspace(0, 1, QUANTILES)
    return {"name": values.name, "label": given.get("label", values.name), "format": fmt,
            "quantiles": [round(float(q), 2) for q in values.quantile(levels)],
            "mean": round(float(values.mean()), 2)}


def describe_classes(labels: pd.Series, given: dict) -> dict:
    """The card's "target" for a classifier, before training: its words and class shares
    (classes in sorted order; classify.py puts them in the pipeline's order)."""
    shares = labels.value_counts(normalize=True)
    classes = sorted(shares.index)
    return {"name": labels.name, "label": given.get("label", labels.name), "classes": classes,
            "shares": {c: round(float(shares[c]), 4) for c in classes}}
