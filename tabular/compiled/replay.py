"""The pipeline's fitted numeric steps and its estimator, replayed on numpy columns as sklearn
computes them, to the last bit (category_encoders' steps: categories.py).

A replay reads what its transformer learned into named fields once, when the model loads,
and refuses (Unsupported) any setting it does not reproduce. compiler.py picks the replay
for each step, chains them and checks the result.
"""
from __future__ import annotations

import copy
import logging
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import pandas as pd

from tabular.compiled.calibrated import Calibrated
from tabular.compiled.forest import Forest
from tabular.compiled.unsupported import Unsupported

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Replay:
    """One fitted step: takes the columns named inputs, gives the columns named outputs."""
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]

    def __call__(self, xs: list[np.ndarray]) -> list[np.ndarray]:
        raise NotImplementedError


def _numbers(xs: list[np.ndarray], allow_nan: bool) -> np.ndarray:
    """The columns as one float array (a row each, for whole-array arithmetic), refused
    where sklearn's validation refuses them: the caller then falls back to the pipeline."""
    X = np.array(xs, dtype=np.float64)
    if (np.isinf(X) if allow_nan else ~np.isfinite(X)).any():
        raise ValueError("input contains infinity" + ("" if allow_nan else " or NaN"))
    return X


@dataclass(frozen=True)
class Imputer(Replay):
    """SimpleImputer: NaN replaced by the value learned for its column."""
    fill: np.ndarray  # per input column
    numeric: bool  # fitted on numbers; on objects, sklearn masks x != x and None stays

    @classmethod
    def of(cls, t: Any, include: tuple[str, ...]) -> Imputer:
        nan_marker = isinstance(t.missing_values, float) and np.isnan(t.missing_values)
        if t.add_indicator or not nan_marker or pd.isna(t.statistics_).any():
            raise Unsupported("SimpleImputer with indicators, a non-NaN marker or empty columns")
        return cls(include, include, fill=t.statistics_, numeric=t._fit_dtype.kind != "O")

    def __call__(self, xs):
        if self.numeric:
            X = _numbers(xs, allow_nan=True)
            return list(np.where(np.isnan(X), self.fill[:, None], X))
        xs = [np.asarray(x, dtype=object) for x in xs]
        nan = [x != x for x in xs]
        return [np.where(n, v, x) if n.any() else x for x, n, v in zip(xs, nan, self.fill)]


@dataclass(frozen=True)
class Polynomial(Replay):
    """PolynomialFeatures: each output the product of its inputs, multiplied in sklearn's
    order."""
    factors: tuple[np.ndarray, ...]  # per output: which input rows, innermost first

    @classmethod
    def of(cls, t: Any, include: tuple[str, ...]) -> Polynomial:
        # Reversed: sklearn builds x_a*x_b*x_c as x_a * (x_b * x_c).
        factors = tuple(np.repeat(np.arange(len(p)), p)[::-1] for p in t.powers_)
        return cls(include, tuple(t.get_feature_names_out()), factors=factors)

    def __call__(self, xs):
        X, out = _numbers(xs, allow_nan=False), []
        for factor in self.factors:
            column = X[factor[0]] if len(factor) else np.ones(X.shape[1])
            for j in factor[1:]:
                column = X[j] * column
            out.append(column)
        return out


@dataclass(frozen=True)
class Bins(Replay):
    """KBinsDiscretizer with ordinal codes: the bin each value falls in."""
    inner_edges: tuple[np.ndarray, ...]  # per column: sklearn searches these only

    @classmethod
    def of(cls, t: Any, include: tuple[str, ...]) -> Bins:
        if t.encode != "ordinal" or t.dtype not in (None, np.float64):
            raise Unsupported(f"KBinsDiscretizer(encode={t.encode!r}, dtype={t.dtype!r})")
        return cls(include, include, inner_edges=tuple(e[1:-1] for e in t.bin_edges_))

    def __call__(self, xs):
        return [np.searchsorted(edges, x, side="right").astype(np.float64)
                for edges, x in zip(self.inner_edges, _numbers(xs, allow_nan=False))]


@dataclass(frozen=True)
class Scaler(Replay):
    """StandardScaler, RobustScaler or MaxAbsScaler: (x - shift) / scale. Subtracting 0
    and dividing by 1 are exact, so one formula serves every flag."""
    shift: np.ndarray  # (columns, 1)
    scale: np.ndarray  # (columns, 1)

    @classmethod
    def standard(cls, t: Any, include: tuple[str, ...]) -> Scaler:
        return cls.of(include, t.mean_ if t.with_mean else 0.0, t.scale_ if t.with_std else 1.0)

    @classmethod
    def robust(cls, t: Any, include: tuple[str, ...]) -> Scaler:
        return cls.of(include, t.center_ if t.with_centering else 0.0,
                      t.scale_ if t.with_scaling else 1.0)

    @classmethod
    def max_abs(cls, t: Any, include: tuple[str, ...]) -> Scaler:
        return cls.of(include, 0.0, t.scale_)

    @classmethod
    def of(cls, include: tuple[str, ...], shift, scale) -> Scaler:
        def column(v):  # (columns, 1): the fitted values, or one number for every column
            return (np.full(len(include), v) if np.isscalar(v) else np.asarray(v))[:, None]
        return cls(include, include, shift=column(shift), scale=column(scale))

    def __call__(self, xs):
        return list((_numbers(xs, allow_nan=True) - self.shift) / self.scale)


@dataclass(frozen=True)
class MinMax(Replay):
    """MinMaxScaler: x * scale + offset, then clipped into the feature range if asked."""
    scale: np.ndarray  # (columns, 1)
    offset: np.ndarray  # (columns, 1)
    low: float
    high: float

    @classmethod
    def of(cls, t: Any, include: tuple[str, ...]) -> MinMax:
        low, high = t.feature_range if t.clip else (-np.inf, np.inf)
        return cls(include, include, scale=t.scale_[:, None], offset=t.min_[:, None],
                   low=low, high=high)

    def __call__(self, xs):
        X = _numbers(xs, allow_nan=True)
        return list(np.clip(X * self.scale + self.offset, self.low, self.high))


def estimator(est: Any, names: list[str],
              method: str = "predict") -> Callable[[np.ndarray], np.ndarray]:
    """The final estimator's predict (or predict_proba) on the replayed columns (rows x
    names): a gradient-boosted regressor as forest tables, a sigmoid-calibrated classifier
    as its folds' sigmoids, any other estimator with its own."""
    if list(getattr(est, "feature_names_in_", names)) != names:
        raise Unsupported("the replayed columns are not those the estimator was fitted on")
    try:  # the estimators replayed in numpy: a gradient-boosted regressor, a calibrated classifier
        return Forest.of(est).predict if method == "predict" else \
            Calibrated.of(est, _quiet).predict_proba
    except Unsupported as exc:
        log.debug("the estimator's own %s ends the compiled pipeline: %s", method, exc)
    if not callable(getattr(est, method, None)):
        raise Unsupported(f"a {type(est).__name__} has no {method}")
    return getattr(_quiet(est), method)


def _quiet(est: Any) -> Any:
    """sklearn warns at every numpy call to an estimator fitted with names; a shallow copy
    without them is quiet and leaves the loaded pipeline untouched. A calibrated classifier
    (CalibratedClassifierCV) asks its fitted copies of the estimator, so they are quieted too."""
    quiet = copy.copy(est)
    vars(quiet).pop("feature_names_in_", None)  # (LightGBM holds them in a property, unwarned)
    calibrated = getattr(est, "calibrated_classifiers_", None)
    if isinstance(calibrated, list):
        quiet.calibrated_classifiers_ = [copy.copy(c) for c in calibrated]
        for c in quiet.calibrated_classifiers_:
            c.estimator = _quiet(c.estimator)
    return quiet
