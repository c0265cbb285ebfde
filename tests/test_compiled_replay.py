"""tabular.compiled.replay computes each numeric step and the estimator as sklearn does, to the last bit,
or refuses; also inside pipelines PyCaret makes with settings the project's training does not
use."""
import warnings

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import GradientBoostingRegressor
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LinearRegression
from sklearn.preprocessing import (KBinsDiscretizer, MaxAbsScaler, MinMaxScaler,
                                   PolynomialFeatures, RobustScaler, StandardScaler)

from app import ROOT
from tabular import compiled
from tabular.compiled import replay
from tabular.compiled.forest import Forest
from tabular.compiled.unsupported import Unsupported
from tabular.sample import domain_sample
from tests.support import CATEGORICAL, DTYPES, FIELDS, columns_of

NUMBERS = tuple(name for name in FIELDS if name not in CATEGORICAL)


def numbers(rows: int = 500, seed: int = 0, nan: bool = True) -> pd.DataFrame:
    """Numbers beyond the data's ranges on both sides; with NaN in every column if asked."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"age": rng.uniform(0, 90, rows), "bmi": rng.uniform(5, 70, rows),
                          "children": rng.integers(0, 9, rows).astype(np.float64)})
    if nan:
        for i, name in enumerate(NUMBERS):
            frame.loc[i::7, name] = np.nan
    return frame


def replayed(fitted, make, frame: pd.DataFrame) -> np.ndarray:
    """make's replay of the fitted step, on frame's columns, as rows x outputs."""
    step = make(fitted, NUMBERS)
    assert step.inputs == NUMBERS
    assert step.outputs == tuple(fitted.get_feature_names_out(NUMBERS))
    return np.array(step([frame[name].to_numpy() for name in NUMBERS])).T


def assert_exact(fitted, make, frame: pd.DataFrame):
    np.testing.assert_array_equal(replayed(fitted, make, frame), fitted.transform(frame))


@pytest.fixture(scope="module")
def fit_on(data):
    """Fits a step on the data's numbers, as PyCaret fits it on the training frame."""
    return lambda step: step.fit(data[list(NUMBERS)].astype(np.float64))


@pytest.mark.parametrize("strategy", ["mean", "median", "most_frequent", "constant"])
def test_missing_numbers_are_imputed_as_sklearn_imputes_them(fit_on, strategy):
    assert_exact(fit_on(SimpleImputer(strategy=strategy)), replay.Imputer.of, numbers())


def test_missing_categories_are_imputed_and_none_is_left_as_sklearn_leaves_it(data):
    columns = [name for name in FIELDS if name in CATEGORICAL]
    fitted = SimpleImputer(strategy="most_frequent").fit(data[columns])
    frame = data[columns].head(20).astype(object)
    frame.iloc[0, 0], frame.iloc[1, 1], frame.iloc[2, 2] = np.nan, None, "atlantis"
    step = replay.Imputer.of(fitted, tuple(columns))
    got = np.array(step([frame[name].to_numpy() for name in columns]), dtype=object).T
    assert (got == fitted.transform(frame)).all() and got[1, 1] is None


@pytest.mark.parametrize("step", [
    SimpleImputer(add_indicator=True), SimpleImputer(missing_values=-1.0),
    KBinsDiscretizer(encode="onehot", strategy="uniform", subsample=None),
    KBinsDiscretizer(encode="ordinal", strategy="uniform", subsample=None, dtype=np.float32),
], ids=["indicators", "a marker other than NaN", "one-hot bins", "float32 bins"])
def test_settings_it_does_not_reproduce_are_refused(fit_on, step):
    make = replay.Imputer.of if isinstance(step, SimpleImputer) else replay.Bins.of
    with pytest.raises(Unsupported):
        make(fit_on(step), NUMBERS)


def test_an_imputer_with_a_column_it_never_saw_filled_is_refused():
    empty = pd.DataFrame({"age": [30.0, 40.0], "bmi": [np.nan, np.nan], "children": [0.0, 1.0]})
    with warnings.catch_warnings():  # "Skipping features without any observed values"
        warnings.simplefilter("ignore", UserWarning)
        fitted = SimpleImputer().fit(empty)
    with pytest.raises(Unsupported, match="empty columns"):
        replay.Imputer.of(fitted, NUMBERS)


@pytest.mark.parametrize("degree", [1, 2, 3])
@pytest.mark.parametrize("interaction_only", [False, True])
@pytest.mark.parametrize("include_bias", [False, True])
def test_polynomial_features_are_multiplied_in_sklearns_order(fit_on, degree, interaction_only,
                                                              include_bias):
    fitted = fit_on(PolynomialFeatures(degree, interaction_only=interaction_only,
                                       include_bias=include_bias))
    assert_exact(fitted, replay.Polynomial.of, numbers(nan=False))


@pytest.mark.parametrize("strategy", ["uniform", "quantile", "kmeans"])
def test_bins_are_found_as_sklearn_finds_them(fit_on, strategy):
    with warnings.catch_warnings():  # kmeans: fewer distinct children than bins
        warnings.simplefilter("ignore", (UserWarning, FutureWarning))
        fitted = fit_on(KBinsDiscretizer(n_bins=5, encode="ordinal", strategy=strategy))
    frame = numbers(nan=False)
    frame.loc[:len(fitted.bin_edges_[0]) - 1, "age"] = fitted.bin_edges_[0]  # on every edge
    assert_exact(fitted, replay.Bins.of, frame)


@pytest.mark.parametrize("scaler, make", [
    (StandardScaler(), replay.Scaler.standard),
    (StandardScaler(with_mean=False), replay.Scaler.standard),
    (StandardScaler(with_std=False), replay.Scaler.standard),
    (StandardScaler(with_mean=False, with_std=False), replay.Scaler.standard),
    (RobustScaler(), replay.Scaler.robust),
    (RobustScaler(with_centering=False), replay.Scaler.robust),
    (RobustScaler(with_scaling=False), replay.Scaler.robust),
    (RobustScaler(quantile_range=(10, 90), unit_variance=True), replay.Scaler.robust),
    (MaxAbsScaler(), replay.Scaler.max_abs),
    (MinMaxScaler(), replay.MinMax.of),
    (MinMaxScaler(feature_range=(-1, 2), clip=True), replay.MinMax.of),
])
def test_scalers_scale_as_sklearn_scales_missing_values_included(fit_on, scaler, make):
    assert_exact(fit_on(scaler), make, numbers())


def refuses(answer, frame: pd.DataFrame) -> bool:
    try:
        answer(frame)
    except ValueError:
        return True
    return False


@pytest.mark.parametrize("step, make", [
    (SimpleImputer(), replay.Imputer.of), (StandardScaler(), replay.Scaler.standard),
    (MinMaxScaler(), replay.MinMax.of), (PolynomialFeatures(2), replay.Polynomial.of),
    (KBinsDiscretizer(encode="ordinal", strategy="uniform", subsample=None), replay.Bins.of),
])
def test_infinity_is_refused_and_nan_wherever_sklearn_refuses_it(fit_on, step, make):
    fitted = fit_on(step)
    for bad in (np.inf, -np.inf, np.nan):
        frame = numbers(nan=False)
        frame.loc[3, "bmi"] = bad
        sklearn_refuses = refuses(fitted.transform, frame)
        assert refuses(lambda frame: replayed(fitted, make, frame), frame) == sklearn_refuses
        assert sklearn_refuses or np.isnan(bad)


# -- the estimator -------------------------------------------------------------------------

def test_gradient_boosting_is_scored_as_forest_tables(data, monkeypatch):
    X = data[list(NUMBERS)].astype(np.float64)
    estimator = GradientBoostingRegressor(n_estimators=20, random_state=0).fit(X, data["charges"])
    want = estimator.predict(X)
    predict = replay.estimator(estimator, list(NUMBERS))
    assert isinstance(predict.__self__, Forest)
    monkeypatch.setattr(GradientBoostingRegressor, "predict", None)
    np.testing.assert_array_equal(predict(X.to_numpy()), want)


def test_other_estimators_answer_with_their_own_predict_without_warnings(data):
    X = data[list(NUMBERS)].astype(np.float64)
    estimator = LinearRegression().fit(X, data["charges"])
    predict = replay.estimator(estimator, list(NUMBERS))
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # "X does not have valid feature names"
        np.testing.assert_array_equal(predict(X.to_numpy()), estimator.predict(X))
    assert list(estimator.feature_names_in_) == list(NUMBERS)  # the copy lost them, not it
    with pytest.raises(Unsupported, match="not those the estimator was fitted on"):
        replay.estimator(estimator, list(reversed(NUMBERS)))


def test_compiling_leaves_the_loaded_pipeline_untouched(model, data):
    """Only a copy of the estimator loses its feature names (to keep numpy calls quiet)."""
    fresh = joblib.load(ROOT / "deployment.pkl")
    assert list(model.pipeline.steps[-1][1].feature_names_in_) == list(
        fresh.steps[-1][1].feature_names_in_)
    rows = data[list(FIELDS)].astype(DTYPES).head(20)
    np.testing.assert_array_equal(model.pipeline.predict(rows), fresh.predict(rows))


# -- pipelines made with PyCaret directly: min-max and robust scaling, cubic features,
# outlier removal (a step pipeline.predict skips), LightGBM and a tree as the estimator -------

PYCARET_SETUPS = {
    "lightgbm, min-max scaled": ("lightgbm", {"normalize": True, "normalize_method": "minmax"}),
    "tree, robust-scaled cubic features, outliers removed": (
        "dt", {"normalize": True, "normalize_method": "robust", "polynomial_features": True,
               "polynomial_degree": 3, "remove_outliers": True}),
}


@pytest.fixture(scope="module", params=list(PYCARET_SETUPS))
def pycaret_pipeline(request, tmp_path_factory, data):
    """A pipeline made with PyCaret directly, in a scratch folder (it writes logs.log)."""
    from pycaret.regression import RegressionExperiment

    estimator, options = PYCARET_SETUPS[request.param]
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(tmp_path_factory.mktemp("pycaret"))
        experiment = RegressionExperiment()
        experiment.setup(data.copy(), target="charges", session_id=1, html=False, verbose=False,
                         memory=False, system_log=False, n_jobs=1, **options)
        fitted = experiment.create_model(estimator, cross_validation=False, verbose=False)
        return experiment.finalize_model(fitted)


@pytest.mark.slow
def test_pipelines_made_with_pycaret_compile_to_equal_predictors(pycaret_pipeline, model, data):
    predictor = compiled.compile(pycaret_pipeline, domain_sample(model.schema, 300))
    for frame in (data[list(FIELDS)].astype(DTYPES),
                  domain_sample(model.schema, 12_000, seed=6)):
        # The compiled steps alone: an error here would fail, not fall back to the pipeline.
        got = predictor.numpy_pipeline(columns_of(frame))
        assert isinstance(got, np.ndarray) and got.dtype.kind == "f" and got.shape == (len(frame),)
        np.testing.assert_allclose(got, pycaret_pipeline.predict(frame), rtol=1e-6, atol=1e-6,
                                   equal_nan=False)
