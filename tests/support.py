"""DataFrame ways into the prediction core, for tests and bench: the app itself scores
validated records as columns (charges.predict.estimate) and never needs these."""
from __future__ import annotations

from typing import Iterable, Mapping

import numpy as np
import pandas as pd

from charges import interval
from charges.model import Model
from charges.predict import to_columns
from charges.schema import DTYPES, FIELDS, Record


def to_frame(records: Iterable[Record]) -> pd.DataFrame:
    """Validated records as the DataFrame the pipeline was trained on: its columns, its dtypes."""
    return pd.DataFrame(to_columns(records), copy=False)


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
    assert list(sample.columns) == list(FIELDS)
    assert sample.dtypes.astype(str).to_dict() == DTYPES
    for field in schema:
        column = sample[field.name]
        if field.kind == "category":
            assert set(column) == set(field.categories)
        elif field.kind == "integer":
            assert set(column) == set(range(int(field.minimum), int(field.maximum) + 1))
        else:
            assert column.min() == field.minimum and column.max() == field.maximum
            assert column.nunique() > len(column) // 2
