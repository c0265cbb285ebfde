"""The numpy fast path (charges.fastpath) gives pipeline.predict's answers, on every model the
project's training produces, or it is not used at all."""
import copy
import io
import logging
import warnings

import joblib
import numpy as np
import pandas as pd
import pytest
from pycaret.internal.preprocess.transformers import TransformerWrapper
from sklearn.preprocessing import FunctionTransformer

from charges import fastpath, replay
from charges import model as model_loader
from charges.predict import predict, to_frame
from charges.schema import DTYPES, FIELDS
from training import train

DOMAIN_ROWS = 12_000


def assert_same(predict_frame, pipeline, frame: pd.DataFrame):
    """predict_frame answers like pipeline.predict (a 1-D float array, equal within 1e-6),
    and on its own: the pandas pipeline is disabled while it runs, so a fallback fails."""
    want = pipeline.predict(frame)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(TransformerWrapper, "transform", pandas_pipeline_ran)
        got = predict_frame(frame)
    assert isinstance(got, np.ndarray) and got.dtype.kind == "f"
    assert got.shape == (len(frame),)
    worst = np.max(np.abs(got - want) - (1e-6 * np.abs(want) + 1e-6))
    assert worst <= 0, f"differs from pipeline.predict by up to {worst:.3g} beyond tolerance"


def pandas_pipeline_ran(*args, **kwargs):
    raise AssertionError("the pandas pipeline ran")


def training_rows(data: pd.DataFrame) -> pd.DataFrame:
    return data[list(FIELDS)].astype(DTYPES)


@pytest.fixture
def fastpath_lines(caplog):
    """What charges.fastpath logs during the test, debug lines included."""
    caplog.set_level(logging.DEBUG, logger=fastpath.__name__)
    return lambda: [r.getMessage() for r in caplog.records if r.name == fastpath.__name__]


def assert_same_error(model, frame: pd.DataFrame):
    """The fast path refuses frame with the pipeline's own error, word for word."""
    with pytest.raises(ValueError) as from_pipeline:
        model.pipeline.predict(frame)
    with pytest.raises(ValueError) as from_fast_path:
        model.predict_frame(frame)
    assert str(from_fast_path.value) == str(from_pipeline.value)


# -- the sample of the whole input domain the checks use --------------------------------

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


def test_domain_sample_spans_the_whole_domain_with_the_apps_dtypes(model):
    sample = fastpath.domain_sample(model.schema, DOMAIN_ROWS, seed=1)
    assert len(sample) == DOMAIN_ROWS
    assert_spans_the_domain(sample, model.schema)
    assert (sample.iloc[0][["age", "bmi", "children"]] == [
        model.schema[name].minimum for name in ("age", "bmi", "children")]).all()
    # The app's own frames are built the same way, so the sample is what the app sends.
    records = sample.head(3).to_dict("records")
    pd.testing.assert_frame_equal(to_frame(records), sample.head(3))


# -- the deployed model ---------------------------------------------------------------------

def test_the_deployed_model_uses_the_fast_path(model):
    assert model.fast_path is True and model.predict_columns != model._pipeline_predict


def test_the_fast_path_equals_the_pipeline_on_every_training_row(model, data):
    assert_same(model.predict_frame, model.pipeline, training_rows(data))


def test_the_fast_path_equals_the_pipeline_across_the_whole_domain(model):
    sample = fastpath.domain_sample(model.schema, DOMAIN_ROWS, seed=2)
    assert_spans_the_domain(sample, model.schema)
    assert_same(model.predict_frame, model.pipeline, sample)


def test_the_trap_for_the_pandas_pipeline_works(model, data, monkeypatch):
    monkeypatch.setattr(TransformerWrapper, "transform", pandas_pipeline_ran)
    with pytest.raises(AssertionError, match="pandas pipeline ran"):
        model.pipeline.predict(training_rows(data).head(5))


# -- one row and many -------------------------------------------------------------------

def test_one_row_and_many_rows_both_work(model, data):
    one = to_frame([training_rows(data).iloc[7].to_dict()])
    assert_same(model.predict_frame, model.pipeline, one)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # e.g. "X does not have valid feature names"
        assert model.predict_frame(one).shape == (1,)
    many = fastpath.domain_sample(model.schema, 50_000, seed=3)
    assert_same(model.predict_frame, model.pipeline, many)


def test_the_apps_predict_goes_through_it(model, data, pipeline_predict):
    records = training_rows(data).head(20).to_dict("records")
    np.testing.assert_allclose(predict(records, model), pipeline_predict(model, records),
                               rtol=1e-6, atol=1e-6)


def test_missing_values_get_the_pipelines_answer_or_its_error(model):
    missing = fastpath.domain_sample(model.schema, 200, seed=4).astype({"age": "float64"})
    missing.loc[0, "age"] = np.nan  # imputed: the estimator still answers
    missing.loc[1, "region"] = None  # not imputed (sklearn masks NaN only): the estimator fails
    for rows in (missing, missing.head(12)):
        assert_same_error(model, rows)
    assert_same(model.predict_frame, model.pipeline, missing.drop(index=1))
    assert_same(model.predict_frame, model.pipeline, missing.drop(index=1).head(12))


def test_a_frame_the_fast_path_cannot_take_reaches_the_pipeline_as_it_is(model):
    frame = fastpath.domain_sample(model.schema, 5)
    frame["age"] = pd.array([30, None, 40, 50, 60], dtype="Int64")  # pandas' nullable ints
    np.testing.assert_array_equal(model.predict_frame(frame), model.pipeline.predict(frame))


def test_columns_a_dataframe_would_read_otherwise_go_to_the_pipeline(model):
    # A scalar column is repeated by a DataFrame; numpy would broadcast it across the rows.
    columns = {**fastpath.columns_of(fastpath.domain_sample(model.schema, 3)),
               "age": 60, "bmi": 22.0, "children": 0}
    np.testing.assert_array_equal(model.predict_columns(columns),
                                  model.pipeline.predict(pd.DataFrame(columns)))
    assert_same_error(model, fastpath.domain_sample(model.schema, 3).astype({"bmi": "complex128"}))


def test_an_input_the_fast_path_cannot_take_goes_to_the_pipeline_with_one_log_line(
        model, fastpath_lines):
    compiled = fastpath.compile_pipeline(model.pipeline, fastpath.domain_sample(model.schema, 50))
    no_region = fastpath.domain_sample(model.schema, 5).drop(columns="region")
    for _ in range(3):
        with pytest.raises(Exception) as caught:
            compiled(fastpath.columns_of(no_region))
        assert "region" in str(caught.value)  # the pipeline's own complaint
    [line] = fastpath_lines()
    assert line.startswith("fast path passed an input to pipeline.predict")


# -- the other model training produces ----------------------------------------------------

@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The tutorial's linear model: normalize, polynomial features, binned age and bmi."""
    out = tmp_path_factory.mktemp("reference")
    assert train.main(["--method", "reference", "--out", str(out)]) == 0
    return model_loader.load(out / "deployment.pkl")


@pytest.mark.slow
def test_the_reference_model_gets_an_equal_fast_path(reference, data):
    steps = [name for name, _ in reference.pipeline.steps]
    assert {"polynomial_features", "bin_numeric_features", "normalize"} <= set(steps)
    assert reference.fast_path is True
    assert_same(reference.predict_frame, reference.pipeline, training_rows(data))
    sample = fastpath.domain_sample(reference.schema, DOMAIN_ROWS, seed=5)
    assert_spans_the_domain(sample, reference.schema)
    assert_same(reference.predict_frame, reference.pipeline, sample)


# -- a step it does not know -----------------------------------------------------------

def with_custom_step(pipeline, data):
    """The pipeline with a (harmless) step of a kind the fast path does not know."""
    custom = copy.deepcopy(pipeline)
    step = TransformerWrapper(FunctionTransformer(feature_names_out="one-to-one"))
    step.fit(custom[:-1].transform(training_rows(data)))
    custom.steps.insert(len(custom.steps) - 1, ("custom_step", step))
    return custom


def test_an_unknown_step_gives_none_and_one_log_line(model, data, fastpath_lines):
    custom = with_custom_step(model.pipeline, data)
    assert fastpath.compile_pipeline(custom, fastpath.domain_sample(model.schema, 50)) is None
    [line] = fastpath_lines()
    assert "'custom_step'" in line and "FunctionTransformer" in line
    assert "falling back to pipeline.predict" in line


def test_a_model_with_an_unknown_step_falls_back_to_pipeline_predict(model, data, tmp_path,
                                                                     seal, fastpath_lines):
    payload = io.BytesIO()
    joblib.dump(with_custom_step(model.pipeline, data), payload)  # as PyCaret's save_model does
    loaded = model_loader.load(seal(tmp_path, payload.getvalue()))
    assert loaded.fast_path is False
    assert loaded.predict_columns == loaded._pipeline_predict
    assert len(fastpath_lines()) == 1
    rows = training_rows(data).head(100)
    np.testing.assert_allclose(loaded.predict_frame(rows), model.pipeline.predict(rows))


def test_a_wrapped_target_transform_is_not_guessed_at(model, fastpath_lines):
    """A step that also inverse-transforms predictions (PyCaret's transform_target) is not
    replayed: pipeline.predict applies its inverse to y."""
    from pycaret.internal.preprocess.transformers import TransformerWrapperWithInverse

    custom = copy.deepcopy(model.pipeline)
    step = TransformerWrapperWithInverse(FunctionTransformer())
    custom.steps.insert(0, ("target_transformation", step))
    assert fastpath.compile_pipeline(custom, fastpath.domain_sample(model.schema, 50)) is None
    [line] = fastpath_lines()
    assert "'target_transformation'" in line


# -- a derivation that disagrees ---------------------------------------------------------

def test_a_fast_path_that_disagrees_with_the_pipeline_is_rejected(model, monkeypatch,
                                                                  fastpath_lines):
    real = replay.Imputer.__call__

    def off_by_one(imputer, xs):  # every imputed number one unit too high
        return [x + 1 if x.dtype.kind == "f" else x for x in real(imputer, xs)]
    monkeypatch.setattr(replay.Imputer, "__call__", off_by_one)
    sample = fastpath.domain_sample(model.schema, 300, seed=7)
    assert fastpath.compile_pipeline(model.pipeline, sample) is None
    [line] = fastpath_lines()
    assert "differ from pipeline.predict" in line and "falling back" in line


def test_a_fast_path_that_fails_on_the_check_rows_is_rejected(model, monkeypatch, fastpath_lines):
    monkeypatch.setattr(replay.Imputer, "__call__", lambda imputer, xs: 1 / 0)
    assert fastpath.compile_pipeline(model.pipeline, fastpath.domain_sample(model.schema, 50)) is None
    [line] = fastpath_lines()
    assert "ZeroDivisionError" in line
