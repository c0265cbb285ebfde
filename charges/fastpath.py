"""A numpy-only twin of the saved pipeline's predict, derived once when the model loads.

pipeline.predict rebuilds DataFrames in each of PyCaret's TransformerWrapper steps, which
costs far more than their arithmetic. compile_pipeline walks the fitted steps, replays each
one on numpy columns (charges.replay, charges.categories: no DataFrame in or out), ends with
the estimator (gradient-boosted trees as charges.forest tables, others with their own
predict), and proves the result equal to pipeline.predict on a check sample; a step it does
not know, or any disagreement, gives None and the caller keeps pipeline.predict.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from charges import categories, replay
from charges.forest import Unsupported
from charges.schema import DTYPES, FIELDS, Schema

log = logging.getLogger(__name__)

Columns = Mapping[str, np.ndarray]  # the pipeline's inputs by name, typed as in training
# columns -> predictions; the optional DataFrame is what pipeline.predict gets if it runs.
PredictColumns = Callable[..., np.ndarray]


def columns_of(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    return {name: frame[name].to_numpy() for name in frame.columns}


def pipeline_predict(pipeline: Any, columns: Columns,
                     frame: pd.DataFrame | None = None) -> np.ndarray:
    """pipeline.predict on the caller's own DataFrame when there is one, else on the
    columns as one."""
    return pipeline.predict(pd.DataFrame(columns, copy=False) if frame is None else frame)


def compile_pipeline(pipeline: Any, check_frame: pd.DataFrame) -> PredictColumns | None:
    """pipeline.predict as plain numpy on columns, or None (logged) unless it gives
    pipeline.predict's answers on check_frame."""
    try:
        numpy_pipeline = _replayed(pipeline)
    except Exception as exc:  # Unsupported, or fitted attributes unlike the ones read here
        log.warning("fast path off: %s; falling back to pipeline.predict", exc)
        return None
    problem = _disagreement(pipeline, numpy_pipeline, check_frame)
    if problem:
        log.warning("fast path rejected: %s; falling back to pipeline.predict", problem)
        return None
    return FastPath(numpy_pipeline, pipeline)


@dataclass(frozen=True, eq=False)
class NumpyPipeline:
    """The pipeline's steps replayed on columns, then its estimator on the result."""
    inputs: tuple[str, ...]  # the pipeline's input columns
    steps: tuple[replay.Replay, ...]
    features: tuple[str, ...]  # the columns the estimator reads, in its order
    estimator: Callable[[np.ndarray], np.ndarray]  # rows x features -> predictions

    def __call__(self, columns: Columns) -> np.ndarray:
        cols = {name: np.asarray(columns[name]) for name in self.inputs}
        # What a DataFrame would make of these is the pipeline's business: a scalar it
        # repeats, a complex number it refuses; here they would silently mislead numpy.
        if {x.ndim for x in cols.values()} != {1} or len({len(x) for x in cols.values()}) != 1:
            raise ValueError("the columns are not 1-D arrays of one length")
        if any(x.dtype.kind == "c" for x in cols.values()):
            raise ValueError("complex numbers")
        for step in self.steps:
            cols.update(zip(step.outputs, step([cols[c] for c in step.inputs])))
        # Column-major, as pandas hands it over: with ill-conditioned coefficients (the
        # reference linear model's reach 1e17) the memory layout alone moves predictions.
        return self.estimator(np.array([cols[name] for name in self.features],
                                       dtype=np.float64).T)


@dataclass(eq=False)
class FastPath:
    """The numpy pipeline, handing any input it cannot take to pipeline.predict (pd.NA, a
    missing column): the pipeline gives its own answer or its own error."""
    numpy_pipeline: NumpyPipeline
    pipeline: Any
    fell_back: bool = False  # an input has gone to pipeline.predict: said once, in the log

    def __call__(self, columns: Columns, frame: pd.DataFrame | None = None) -> np.ndarray:
        try:
            return self.numpy_pipeline(columns)
        except Exception as exc:
            if not self.fell_back:
                self.fell_back = True
                log.warning("fast path passed an input to pipeline.predict: %r", exc)
            return pipeline_predict(self.pipeline, columns, frame)


def domain_sample(schema: Schema, n: int, seed: int = 0) -> pd.DataFrame:
    """n random valid inputs over the whole domain, typed as the app types them. Row 0 holds
    every minimum, row 1 every maximum; the first rows cycle through every category."""
    rng = np.random.default_rng(seed)
    data = {}
    for f in schema:
        if f.kind == "category":  # one of each first, then at random
            values = np.array(f.categories, dtype=object)[rng.integers(len(f.categories), size=n)]
            values[:len(f.categories)] = f.categories[:n]
        elif f.kind == "integer":
            values = rng.integers(int(f.minimum), int(f.maximum), n, endpoint=True)
        else:  # half as typed into the form (two decimals), half arbitrary
            values = rng.uniform(f.minimum, f.maximum, n)
            values[::2] = np.clip(values[::2].round(2), f.minimum, f.maximum)
        if f.kind != "category":
            values[:2] = f.minimum, f.maximum
        data[f.name] = values
    return pd.DataFrame(data, columns=list(FIELDS)).astype(DTYPES)


def _replayed(pipeline: Any) -> NumpyPipeline:
    from pycaret.internal.preprocess.transformers import TransformerWrapper

    # pipeline.predict skips None/"passthrough" and train-only steps (outlier removal).
    steps = [(name, step) for name, step in pipeline.steps[:-1] if step is not None
             and not isinstance(step, str) and not getattr(step, "_train_only", False)]
    target = next((getattr(step, "target_name_", None) for _, step in steps), None)
    inputs = [c for c in pipeline.feature_names_in_ if c != target]  # PyCaret adds the target
    known = _replays()
    names, replayed = list(inputs), []
    for name, step in steps:
        transformer = getattr(step, "transformer", None)
        # The exact class: its subclass with inverse_transform also rewrites predictions.
        make = known.get(type(transformer)) if type(step) is TransformerWrapper else None
        if make is None:
            inner = f"({type(transformer).__name__})" if transformer is not None else ""
            raise Unsupported(f"step {name!r} is a {type(step).__name__}{inner}, unknown here")
        include = step._include  # None until the first transform, which picks the same
        include = [c for c in names if c not in step._exclude] if include is None else include
        if include:
            step_replay = make(transformer, tuple(include))
            replayed.append(step_replay)
            names = _placed(names, step_replay.inputs, step_replay.outputs)
    return NumpyPipeline(tuple(inputs), tuple(replayed), tuple(names),
                         replay.estimator(pipeline.steps[-1][1], names))


def _replays() -> dict[type, Callable[[Any, tuple[str, ...]], replay.Replay]]:
    """Each transformer class replayed, with what builds its replay from a fitted one. By
    exact class: a subclass may compute something else."""
    from category_encoders import OneHotEncoder, OrdinalEncoder
    from sklearn.impute import SimpleImputer
    from sklearn.preprocessing import (KBinsDiscretizer, MaxAbsScaler, MinMaxScaler,
                                       PolynomialFeatures, RobustScaler, StandardScaler)
    return {SimpleImputer: replay.Imputer.of, PolynomialFeatures: replay.Polynomial.of,
            KBinsDiscretizer: replay.Bins.of, StandardScaler: replay.Scaler.standard,
            RobustScaler: replay.Scaler.robust, MaxAbsScaler: replay.Scaler.max_abs,
            MinMaxScaler: replay.MinMax.of,
            OrdinalEncoder: categories.Encoder.of, OneHotEncoder: categories.Encoder.of}


def _placed(names: list[str], include: Sequence[str], out: Sequence[str]) -> list[str]:
    """TransformerWrapper._prepare_df's column order, on names alone: other columns stay,
    outputs replace their inputs, new ones follow their progenitor or go last."""
    if len(include) == len(names):
        return list(out)
    order = {}
    for c in names:
        if c in out or c not in include:
            order[c] = None
        order.update((d, None) for d in out if d.startswith(f"{c}_") and d not in names)
    order.update((c, None) for c in out)
    return list(order)


def _disagreement(pipeline: Any, fast: NumpyPipeline, frame: pd.DataFrame) -> str | None:
    try:
        want = np.asarray(pipeline.predict(frame), dtype=np.float64)
        got = np.asarray(fast(columns_of(frame)), dtype=np.float64)
    except Exception as exc:
        return f"the check failed: {exc!r}"
    if got.shape != want.shape:
        return f"it returned shape {got.shape}, the pipeline {want.shape}"
    bad = ~(np.abs(got - want) <= 1e-6 * np.abs(want) + 1e-6)  # NaN counts as bad
    if bad.any():
        i = int(np.argmax(bad))
        return (f"{int(bad.sum())} of {len(want)} check rows differ from pipeline.predict "
                f"(row {i}: {got[i]!r} vs {want[i]!r})")
    return None
