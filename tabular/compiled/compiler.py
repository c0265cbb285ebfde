"""compile(): the saved pipeline's predict (or a classifier's predict_proba) as plain numpy,
derived once when the model loads.

Each fitted step is replayed on numpy columns (replay, categories: no DataFrame in or out),
then the estimator (gradient-boosted trees as forest tables, others with their own predict or
predict_proba); the result is used only once it equals the pipeline's own on the caller's sample.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from tabular.compiled import categories, replay
from tabular.compiled.unsupported import Unsupported

log = logging.getLogger(__name__)

Columns = Mapping[str, np.ndarray]  # the pipeline's inputs by name, typed as in training
# What the compiled answer must be within of the pipeline's, absolute and relative to it.
# Probabilities are the estimator's own predict_proba (or its arithmetic in its order) on the
# same float64 rows: only last bits could move them, so the check is tight (pages need 1e-6).
TOLERANCE = {"predict": (1e-6, 1e-6), "predict_proba": (1e-9, 0.0)}


def compile(pipeline: Any, sample: pd.DataFrame, method: str = "predict") -> CompiledPredictor:
    """pipeline.predict (or pipeline.predict_proba: rows x classes) as numpy on columns;
    Unsupported (saying why) for a step it does not know, or unless it gives the pipeline's
    own answers on sample."""
    if method not in TOLERANCE:
        raise ValueError(f"method {method!r}: one of {', '.join(TOLERANCE)}")
    try:
        numpy_pipeline = _replayed(pipeline, method)
    except Unsupported:
        raise
    except Exception as exc:  # fitted attributes unlike the ones read here
        raise Unsupported(f"reading the fitted steps failed: {exc!r}") from exc
    problem = _disagreement(pipeline, numpy_pipeline, sample, method)
    if problem:
        raise Unsupported(problem)
    return CompiledPredictor(numpy_pipeline, pipeline, method)


@dataclass(frozen=True, eq=False)
class NumpyPipeline:
    """The pipeline's steps replayed on columns, then its estimator on the result."""
    inputs: tuple[str, ...]  # the pipeline's input columns
    steps: tuple[replay.Replay, ...]
    features: tuple[str, ...]  # the columns the estimator reads, in its order
    estimator: Callable[[np.ndarray], np.ndarray]  # rows x features -> predictions (or
    # rows x classes probabilities)

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
class CompiledPredictor:
    """Typed columns -> predictions (or probabilities) by the numpy pipeline; an input it
    cannot take (pd.NA, a missing column) goes to pipeline.predict (or predict_proba), for the
    pipeline's own answer or error."""
    numpy_pipeline: NumpyPipeline
    pipeline: Any
    method: str = "predict"  # the pipeline's method this stands for
    fell_back: bool = False  # an input has gone to the pipeline: said once, in the log

    def __call__(self, columns: Columns) -> np.ndarray:
        try:
            return self.numpy_pipeline(columns)
        except Exception as exc:
            if not self.fell_back:
                self.fell_back = True
                log.warning("the compiled pipeline passed an input to pipeline.%s: %r",
                            self.method, exc)
            return getattr(self.pipeline, self.method)(pd.DataFrame(columns, copy=False))


def _replayed(pipeline: Any, method: str) -> NumpyPipeline:
    from pycaret.internal.preprocess.transformers import TransformerWrapper

    # pipeline.predict skips None/"passthrough" and train-only steps (outlier removal).
    steps = [(name, step) for name, step in pipeline.steps[:-1] if step is not None
             and not isinstance(step, str) and not getattr(step, "_train_only", False)
             and not (method == "predict_proba" and _encodes_labels(step))]
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
                         replay.estimator(pipeline.steps[-1][1], names, method))


def _encodes_labels(step: Any) -> bool:
    """A classifier's label_encoding: it transforms y only, so X passes it unchanged, and
    predict_proba never decodes (predict does: there it stays unknown and is refused)."""
    from pycaret.internal.preprocess.transformers import TransformerWrapperWithInverse
    from sklearn.preprocessing import LabelEncoder
    return (type(step) is TransformerWrapperWithInverse
            and type(getattr(step, "transformer", None)) is LabelEncoder)


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


def _disagreement(pipeline: Any, compiled: NumpyPipeline, sample: pd.DataFrame,
                  method: str) -> str | None:
    try:
        want = np.asarray(getattr(pipeline, method)(sample), dtype=np.float64)
        got = np.asarray(compiled({name: sample[name].to_numpy() for name in sample.columns}),
                         dtype=np.float64)
    except Exception as exc:
        return f"the check on the sample failed: {exc!r}"
    if got.shape != want.shape:
        return f"it returned shape {got.shape}, the pipeline {want.shape}"
    absolute, relative = TOLERANCE[method]
    bad = ~(np.abs(got - want) <= relative * np.abs(want) + absolute)  # NaN counts as bad
    if bad.ndim > 1:
        bad = bad.any(axis=1)
    if bad.any():
        i = int(np.argmax(bad))
        return (f"{int(bad.sum())} of {len(want)} sample rows differ from pipeline.{method} "
                f"(row {i}: {got[i]!r} vs {want[i]!r})")
    return None
