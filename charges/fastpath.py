"""A numpy-only twin of the saved pipeline's predict, derived once when the model loads.

pipeline.predict spends ~12 ms a call rebuilding DataFrames in PyCaret's TransformerWrapper
steps; the estimator needs ~1 ms. compile_pipeline replays each fitted step's arithmetic on
numpy columns (no DataFrame in or out), scores gradient-boosted trees with charges.forest
(other estimators with their own predict), and proves the result equal to pipeline.predict
on a check sample; a step it does not know, or any disagreement, gives None and the caller
keeps pipeline.predict.
"""
from __future__ import annotations

import copy
import logging
from functools import partial
from typing import Any, Callable, Mapping

import numpy as np
import pandas as pd

from charges.forest import Forest, Unsupported
from charges.schema import FIELDS, Schema

log = logging.getLogger(__name__)

Kernel = Callable[[list[np.ndarray]], list[np.ndarray]]  # a step's input columns -> outputs
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
        fast = _compile(pipeline)
    except Exception as exc:  # Unsupported, or fitted attributes unlike the ones read here
        log.warning("fast path off: %s; falling back to pipeline.predict", exc)
        return None
    problem = _disagreement(pipeline, fast, check_frame)
    if problem:
        log.warning("fast path rejected: %s; falling back to pipeline.predict", problem)
        return None
    told = []

    def predict_columns(columns: Columns, frame: pd.DataFrame | None = None) -> np.ndarray:
        try:
            return fast(columns)
        except Exception as exc:  # input unlike any checked (pd.NA, a missing column): the
            if not told:          # pipeline gives its own answer or its own error
                told.append(exc)
                log.warning("fast path passed an input to pipeline.predict: %r", exc)
            return pipeline_predict(pipeline, columns, frame)
    return predict_columns


def domain_sample(schema: Schema, n: int, seed: int = 0) -> pd.DataFrame:
    """n random valid inputs over the whole domain, typed as the app types them. Row 0 holds
    every minimum, row 1 every maximum; the first rows cycle through every category."""
    from charges.predict import DTYPES  # deferred: charges.predict imports charges.model

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


def _compile(pipeline: Any) -> PredictColumns:
    from pycaret.internal.preprocess.transformers import TransformerWrapper

    # pipeline.predict skips None/"passthrough" and train-only steps (outlier removal).
    steps = [(name, step) for name, step in pipeline.steps[:-1] if step is not None
             and not isinstance(step, str) and not getattr(step, "_train_only", False)]
    target = next((getattr(step, "target_name_", None) for _, step in steps), None)
    inputs = [c for c in pipeline.feature_names_in_ if c != target]  # PyCaret adds the target
    names, stages = list(inputs), []
    for name, step in steps:
        transformer = getattr(step, "transformer", None)
        # The exact class: its subclass with inverse_transform also rewrites predictions.
        factory = _factories().get(type(transformer)) if type(step) is TransformerWrapper else None
        if factory is None:
            inner = f"({type(transformer).__name__})" if transformer is not None else ""
            raise Unsupported(f"step {name!r} is a {type(step).__name__}{inner}, unknown here")
        include = step._include  # None until the first transform, which picks the same
        include = [c for c in names if c not in step._exclude] if include is None else include
        if include:
            kernel, out = factory(transformer, list(include))
            stages.append((list(include), kernel, out))
            names = _placed(names, include, out)
    predict = _estimator(pipeline.steps[-1][1], names)

    def fast(columns: Columns) -> np.ndarray:
        cols = {name: np.asarray(columns[name]) for name in inputs}
        # What a DataFrame would make of these is the pipeline's business: a scalar it
        # repeats, a complex number it refuses; here they would silently mislead numpy.
        if {x.ndim for x in cols.values()} != {1} or len({len(x) for x in cols.values()}) != 1:
            raise ValueError("the columns are not 1-D arrays of one length")
        if any(x.dtype.kind == "c" for x in cols.values()):
            raise ValueError("complex numbers")
        for include, kernel, out in stages:
            cols.update(zip(out, kernel([cols[c] for c in include])))
        # Column-major, as pandas hands it over: with ill-conditioned coefficients (the
        # reference linear model's reach 1e17) the memory layout alone moves predictions.
        return predict(np.array([cols[name] for name in names], dtype=np.float64).T)
    return fast


def _placed(names: list[str], include: list[str], out: list[str]) -> list[str]:
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


def _factories() -> dict[type, Callable[[Any, list[str]], tuple[Kernel, list[str]]]]:
    from category_encoders import OneHotEncoder, OrdinalEncoder
    from sklearn.impute import SimpleImputer
    from sklearn.preprocessing import (KBinsDiscretizer, MaxAbsScaler, MinMaxScaler,
                                       PolynomialFeatures, RobustScaler, StandardScaler)
    return {SimpleImputer: _imputer, OrdinalEncoder: _encoder, OneHotEncoder: _encoder,
            PolynomialFeatures: _polynomial, KBinsDiscretizer: _bins, StandardScaler: _scaler,
            MinMaxScaler: _scaler, MaxAbsScaler: _scaler, RobustScaler: _scaler}


def _numbers(xs: list[np.ndarray], allow_nan: bool) -> np.ndarray:
    """The columns as one float array (a row each, for whole-array arithmetic), refused
    where sklearn's validation refuses them: the caller then falls back to the pipeline."""
    X = np.array(xs, dtype=np.float64)
    if (np.isinf(X) if allow_nan else ~np.isfinite(X)).any():
        raise ValueError("input contains infinity" + ("" if allow_nan else " or NaN"))
    return X


def _imputer(t, include):
    nan_marker = isinstance(t.missing_values, float) and np.isnan(t.missing_values)
    if t.add_indicator or not nan_marker or pd.isna(t.statistics_).any():
        raise Unsupported("SimpleImputer with indicators, a non-NaN marker or empty columns")

    def kernel(xs):
        if t._fit_dtype.kind != "O":
            X = _numbers(xs, allow_nan=True)
            return list(np.where(np.isnan(X), t.statistics_[:, None], X))
        xs = [np.asarray(x, dtype=object) for x in xs]  # sklearn masks x != x: None stays
        nan = [x != x for x in xs]
        return [np.where(n, v, x) if n.any() else x for x, n, v in zip(xs, nan, t.statistics_)]
    return kernel, include


def _codes(encoder) -> dict[str, tuple]:
    """category_encoders' ordinal step: col -> ([(category, code)], unknown, missing)."""
    if encoder.handle_unknown not in ("value", "return_nan"):
        raise Unsupported(f"{type(encoder).__name__}(handle_unknown={encoder.handle_unknown!r})")
    unknown = -1.0 if encoder.handle_unknown == "value" else np.nan  # its fillna(-1)
    tables = {}
    for switch in encoder.mapping:
        pairs = [(k, float(v)) for k, v in switch["mapping"].items()]
        pairs.append((None, next((v for k, v in pairs if pd.isna(k)), unknown)))
        if encoder.handle_missing == "return_nan":  # applied last, to every -2
            pairs = [(k, np.nan if v == -2 else v) for k, v in pairs]
        tables[switch["col"]] = ([p for p in pairs if not pd.isna(p[0])], unknown, pairs[-1][1])
    return tables


def _encoder(t, include):
    """category_encoders' OrdinalEncoder or OneHotEncoder as lookups: category -> row."""
    if "error" in (t.handle_unknown, t.handle_missing) or t.drop_invariant:
        raise Unsupported(f"{type(t).__name__} raising on new categories or dropping columns")
    inner = getattr(t, "ordinal_encoder", None)  # a OneHotEncoder codes, then expands codes
    tables = {}
    for col, (pairs, unknown, missing) in _codes(t if inner is None else inner).items():
        if inner is None:
            row, names = (lambda code: [code]), [col]
        else:
            table = next(s["mapping"] for s in t.mapping if s["col"] == col).astype(np.float64)
            row, names = partial(_dummies, table), list(table.columns)
        # One row per category, then the missing row, then the unknown row (position -1).
        rows = np.array([row(v) for _, v in pairs] + [row(missing), row(unknown)], np.float64)
        tables[col] = ({k: i for i, (k, _) in enumerate(pairs)}, rows, names)

    def kernel(xs):
        out = []
        for col, x in zip(include, xs):
            out.extend(_lookup(x, *tables[col][:2]).T if col in tables else [x])
        return out
    return kernel, [n for col in include for n in (tables[col][2] if col in tables else [col])]


def _dummies(table: pd.DataFrame, code: float) -> np.ndarray:
    # OneHotEncoder.get_dummies reindexes its table by code, NaN read as -2: absent codes
    # (NaN for an unknown category under return_nan) give a row of NaN.
    code = -2 if np.isnan(code) else code
    return table.loc[code].to_numpy() if code in table.index else np.full(table.shape[1], np.nan)


def _lookup(x, codes: dict, rows: np.ndarray) -> np.ndarray:
    """The row of each value's category. category_encoders maps values with pandas: a hash
    lookup, and pandas' idea of missing for the values that are not categories."""
    x = np.asarray(x, dtype=object)
    if len(x) <= 64:  # a form POST: a dict lookup per value, with no setup to pay for
        at = np.fromiter((codes.get(v, -1) for v in x), dtype=np.intp, count=len(x))
        other = np.flatnonzero(at < 0)  # -1 picks the last row: unknown
        if len(other):
            at[other[pd.isna(x[other])]] = len(codes)
        return rows[at]
    # A file: one hashing pass in C (missing values get -1), then a dict lookup per distinct
    # value; 2.5 times faster than a dict lookup per value at 100,000 rows.
    seen, distinct = pd.factorize(x)
    at = np.array([codes.get(v, -1) for v in distinct] + [len(codes)], dtype=np.intp)
    return rows[at[seen]]


def _polynomial(t, include):
    # Factors reversed: sklearn builds x_a*x_b*x_c as x_a * (x_b * x_c).
    factors = [np.repeat(np.arange(len(p)), p)[::-1] for p in t.powers_]

    def kernel(xs):
        X, out = _numbers(xs, allow_nan=False), []
        for f in factors:
            col = X[f[0]] if len(f) else np.ones(X.shape[1])
            for j in f[1:]:
                col = X[j] * col
            out.append(col)
        return out
    return kernel, list(t.get_feature_names_out())


def _bins(t, include):
    if t.encode != "ordinal" or t.dtype not in (None, np.float64):
        raise Unsupported(f"KBinsDiscretizer(encode={t.encode!r}, dtype={t.dtype!r})")
    inner = [edges[1:-1] for edges in t.bin_edges_]  # sklearn searches the inner edges only
    return (lambda xs: [np.searchsorted(e, x, side="right").astype(np.float64)
                        for e, x in zip(inner, _numbers(xs, allow_nan=False))]), include


def _scaler(t, include):
    n, kind = len(include), type(t).__name__
    if kind == "MinMaxScaler":  # sklearn: x * scale_ + min_, then the optional clip
        lo, hi = t.feature_range if t.clip else (-np.inf, np.inf)
        return (lambda xs: list(np.clip(_numbers(xs, allow_nan=True) * t.scale_[:, None]
                                        + t.min_[:, None], lo, hi))), include
    if kind == "StandardScaler":
        shift = t.mean_ if t.with_mean else np.zeros(n)
        scale = t.scale_ if t.with_std else np.ones(n)
    elif kind == "RobustScaler":
        shift = t.center_ if t.with_centering else np.zeros(n)
        scale = t.scale_ if t.with_scaling else np.ones(n)
    else:  # MaxAbsScaler
        shift, scale = np.zeros(n), t.scale_
    # Subtracting 0 and dividing by 1 are exact, so one formula serves every flag.
    shift, scale = np.asarray(shift)[:, None], np.asarray(scale)[:, None]
    return (lambda xs: list((_numbers(xs, allow_nan=True) - shift) / scale)), include


def _estimator(est: Any, names: list[str]) -> Callable[[np.ndarray], np.ndarray]:
    if list(getattr(est, "feature_names_in_", names)) != names:
        raise Unsupported("the replayed columns are not those the estimator was fitted on")
    try:
        return Forest.of(est).predict
    except Unsupported as exc:
        log.debug("the estimator's own predict ends the fast path: %s", exc)
    # sklearn warns at every numpy call to an estimator fitted with names; a shallow copy
    # without them is quiet and leaves the loaded pipeline untouched.
    quiet = copy.copy(est)
    vars(quiet).pop("feature_names_in_", None)  # (LightGBM holds them in a property, unwarned)
    return quiet.predict


def _disagreement(pipeline: Any, fast: PredictColumns, frame: pd.DataFrame) -> str | None:
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
