"""DataFrame ways into the prediction core, for tests and bench: the app itself scores
validated records as columns (tabular.predict.estimate) and never needs these. And the
shipped insurance model's columns, read from its card, for the tests that drive it."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable, Mapping

import numpy as np
import pandas as pd

from tabular import interval
from tabular.model import Model
from tabular.predict import to_columns
from tabular.schema import Record, Schema

# The shipped (insurance) card's inputs: what the app's code no longer names anywhere.
CARD = json.loads((Path(__file__).resolve().parent.parent / "deployment.json").read_text())
SCHEMA = Schema.from_card(CARD)
FIELDS = tuple(SCHEMA.names)
DTYPES = SCHEMA.dtypes
CATEGORICAL = frozenset(f.name for f in SCHEMA if f.kind == "category")
TARGET = CARD["target"]["name"]


def to_frame(records: Iterable[Record], schema: Schema = SCHEMA) -> pd.DataFrame:
    """Validated records as the DataFrame the pipeline was trained on: its columns, its dtypes."""
    return pd.DataFrame(to_columns(records, schema), copy=False)


def columns_of(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """A DataFrame as the columns a predictor takes."""
    return {name: frame[name].to_numpy() for name in frame.columns}


def predict_frame(model: Model, frame: pd.DataFrame) -> np.ndarray:
    """The model's predictor on a DataFrame. Its pandas arrays are kept (pd.NA in a nullable
    column), so what a compiled predictor hands back to the pipeline is the frame as it was."""
    return model.predictor({name: frame[name].array for name in frame.columns})


def ranges(columns: Mapping[str, np.ndarray], estimates: np.ndarray,
           spec: Mapping) -> tuple[np.ndarray, np.ndarray]:
    """(low, high) for each estimate: estimate ± its group's half-width, floored at $0."""
    return interval.around(estimates, interval.group_of(columns, spec), spec)


def assert_spans_the_domain(sample: pd.DataFrame, schema):
    """Every category, every whole number, both bounds, in the app's columns and dtypes."""
    assert list(sample.columns) == schema.names
    assert sample.dtypes.astype(str).to_dict() == schema.dtypes
    for field in schema:
        column = sample[field.name]
        if field.kind == "category":
            assert set(column) == set(field.categories)
        elif field.kind == "integer":
            assert set(column) == set(range(int(field.minimum), int(field.maximum) + 1))
        else:
            assert column.min() == field.minimum and column.max() == field.maximum
            assert column.nunique() > len(column) // 2
