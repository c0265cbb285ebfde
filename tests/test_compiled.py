"""The compiled pipeline (tabular.compiled) gives pipeline.predict's answers, on every model
the project's training produces, or it is not used at all; without it the app answers the same."""
import copy
import dataclasses
import io
import logging
import warnings

import joblib
import numpy as np
import pandas as pd
import pytest
from pycaret.internal.preprocess.transformers import TransformerWrapper
from sklearn.preprocessing import FunctionTransformer

from app import create_app
from tabular import compiled
from tabular.compiled import replay
from tabular.model import PipelinePredictor, load_model
from tabular.predict import estimate
from tabular.sample import domain_sample
from tests.support import DTYPES, FIELDS, assert_spans_the_domain, columns_of, predict_frame, to_frame
from training import train

DOMAIN_ROWS = 12_000


def assert_same(model, frame: pd.DataFrame):
    """The model's predictor answers like pipeline.predict (a 1-D float array, equal within
    1e-6), and on its own: the pandas pipeline is disabled while it runs, so a fallback fails."""
    want = model.pipeline.predict(frame)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(TransformerWrapper, "transform", pandas_pipeline_ran)
        got = predict_frame(model, frame)
    assert isinstance(got, np.ndarray) and got.dtype.kind == "f"
    assert got.shape == (len(frame),)
    worst = np.max(np.abs(got - want) - (1e-6 * np.abs(want) + 1e-6))
    assert worst <= 0, f"differs from pipeline.predict by up to {worst:.3g} beyond tolerance"


def pandas_pipeline_ran(*args, **kwargs):
    raise AssertionError("the pandas pipeline ran")


def training_rows(data: pd.DataFrame) -> pd.DataFrame:
    return data[list(FIELDS)].astype(DTYPES)


@pytest.fixture
def log_lines(caplog):
    """What tabular logs during the test, debug lines included."""
    caplog.set_level(logging.DEBUG, logger="tabular")
    return lambda: [r.getMessage() for r in caplog.records if r.name.startswith("tabular")]


def assert_same_error(model, frame: pd.DataFrame):
    """The compiled predictor refuses frame with the pipeline's own error, word for word."""
    with pytest.raises(ValueError) as from_pipeline:
        model.pipeline.predict(frame)
    with pytest.raises(ValueError) as from_compiled:
        predict_frame(model, frame)
    assert str(from_compiled.value) == str(from_pipeline.value)


# -- the deployed model ---------------------------------------------------------------------

def test_the_deployed_model_is_compiled(model):
    assert model.is_compiled is True and isinstance(model.predictor, compiled.CompiledPredictor)


def test_the_compiled_pipeline_equals_the_pipeline_on_every_training_row(model, data):
    assert_same(model, training_rows(data))


def test_the_compiled_pipeline_equals_the_pipeline_across_the_whole_domain(model):
    sample = domain_sample(model.schema, DOMAIN_ROWS, seed=2)
    assert_spans_the_domain(sample, model.schema)
    assert_same(model, sample)


def test_the_trap_for_the_pandas_pipeline_works(model, data, monkeypatch):
    monkeypatch.setattr(TransformerWrapper, "transform", pandas_pipeline_ran)
    with pytest.raises(AssertionError, match="pandas pipeline ran"):
        model.pipeline.predict(training_rows(data).head(5))


# -- one row and many -------------------------------------------------------------------

def test_one_row_and_many_rows_both_work(model, data):
    one = to_frame([training_rows(data).iloc[7].to_dict()])
    assert_same(model, one)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # e.g. "X does not have valid feature names"
        assert predict_frame(model, one).shape == (1,)
    many = domain_sample(model.schema, 50_000, seed=3)
    assert_same(model, many)


def test_the_apps_predict_goes_through_it(model, data, pipeline_predict):
    records = training_rows(data).head(20).to_dict("records")
    np.testing.assert_allclose(estimate(records, model).values, pipeline_predict(model, records),
                               rtol=1e-6, atol=1e-6)


def test_missing_values_get_the_pipelines_answer_or_its_error(model):
    missing = domain_sample(model.schema, 200, seed=4).astype({"age": "float64"})
    missing.loc[0, "age"] = np.nan  # imputed: the estimator still answers
    missing.loc[1, "region"] = None  # not imputed (sklearn masks NaN only): the estimator fails
    for rows in (missing, missing.head(12)):
        assert_same_error(model, rows)
    assert_same(model, missing.drop(index=1))
    assert_same(model, missing.drop(index=1).head(12))


def test_a_frame_the_compiled_pipeline_cannot_take_reaches_the_pipeline_as_it_is(model):
    frame = domain_sample(model.schema, 5)
    frame["age"] = pd.array([30, None, 40, 50, 60], dtype="Int64")  # pandas' nullable ints
    np.testing.assert_array_equal(predict_frame(model, frame), model.pipeline.predict(frame))


def test_columns_a_dataframe_would_read_otherwise_go_to_the_pipeline(model):
    # A scalar column is repeated by a DataFrame; numpy would broadcast it across the rows.
    columns = {**columns_of(domain_sample(model.schema, 3)),
               "age": 60, "bmi": 22.0, "children": 0}
    np.testing.assert_array_equal(model.predictor(columns),
                                  model.pipeline.predict(pd.DataFrame(columns)))
    assert_same_error(model, domain_sample(model.schema, 3).astype({"bmi": "complex128"}))


def test_an_input_the_compiled_pipeline_cannot_take_goes_to_the_pipeline_with_one_log_line(
        model, log_lines):
    predictor = compiled.compile(model.pipeline, domain_sample(model.schema, 50))
    no_region = domain_sample(model.schema, 5).drop(columns="region")
    for _ in range(3):
        with pytest.raises(Exception) as caught:
            predictor(columns_of(no_region))
        assert "region" in str(caught.value)  # the pipeline's own complaint
    [line] = log_lines()
    assert line.startswith("the compiled pipeline passed an input to pipeline.predict")


# -- the other model training produces ----------------------------------------------------

@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The tutorial's linear model: normalize, polynomial features, binned age and bmi."""
    out = tmp_path_factory.mktemp("reference")
    assert train.main(["--method", "reference", "--out", str(out)]) == 0
    return load_model(out / "deployment.pkl")


@pytest.mark.slow
def test_the_reference_model_gets_an_equal_compiled_pipeline(reference, data):
    steps = [name for name, _ in reference.pipeline.steps]
    assert {"polynomial_features", "bin_numeric_features", "normalize"} <= set(steps)
    assert reference.is_compiled is True
    assert_same(reference, training_rows(data))
    sample = domain_sample(reference.schema, DOMAIN_ROWS, seed=5)
    assert_spans_the_domain(sample, reference.schema)
    assert_same(reference, sample)


# -- a step it does not know -----------------------------------------------------------

def with_custom_step(pipeline, data):
    """The pipeline with a (harmless) step of a kind the compiler does not know."""
    custom = copy.deepcopy(pipeline)
    step = TransformerWrapper(FunctionTransformer(feature_names_out="one-to-one"))
    step.fit(custom[:-1].transform(training_rows(data)))
    custom.steps.insert(len(custom.steps) - 1, ("custom_step", step))
    return custom


def test_an_unknown_step_is_unsupported_and_says_which(model, data):
    custom = with_custom_step(model.pipeline, data)
    with pytest.raises(compiled.Unsupported) as why:
        compiled.compile(custom, domain_sample(model.schema, 50))
    assert "'custom_step'" in str(why.value) and "FunctionTransformer" in str(why.value)


def test_a_model_with_an_unknown_step_predicts_with_the_pipeline_and_says_why(
        model, data, tmp_path, seal, log_lines):
    payload = io.BytesIO()
    joblib.dump(with_custom_step(model.pipeline, data), payload)  # as PyCaret's save_model does
    loaded = load_model(seal(tmp_path, payload.getvalue()))
    assert loaded.is_compiled is False
    assert loaded.predictor == PipelinePredictor(loaded.pipeline)
    [why, which] = log_lines()
    assert why.startswith("not compiled: step 'custom_step'")
    assert why.endswith("predicting with pipeline.predict") and "pipeline.predict" in which
    rows = training_rows(data).head(100)
    np.testing.assert_allclose(predict_frame(loaded, rows), model.pipeline.predict(rows))


def test_a_wrapped_target_transform_is_not_guessed_at(model):
    """A step that also inverse-transforms predictions (PyCaret's transform_target) is not
    replayed: pipeline.predict applies its inverse to y."""
    from pycaret.internal.preprocess.transformers import TransformerWrapperWithInverse

    custom = copy.deepcopy(model.pipeline)
    step = TransformerWrapperWithInverse(FunctionTransformer())
    custom.steps.insert(0, ("target_transformation", step))
    with pytest.raises(compiled.Unsupported, match="'target_transformation'"):
        compiled.compile(custom, domain_sample(model.schema, 50))


# -- a derivation that disagrees ---------------------------------------------------------

def test_a_compiled_pipeline_that_disagrees_with_the_pipeline_is_rejected(model, monkeypatch):
    real = replay.Imputer.__call__

    def off_by_one(imputer, xs):  # every imputed number one unit too high
        return [x + 1 if x.dtype.kind == "f" else x for x in real(imputer, xs)]
    monkeypatch.setattr(replay.Imputer, "__call__", off_by_one)
    sample = domain_sample(model.schema, 300, seed=7)
    with pytest.raises(compiled.Unsupported, match="differ from pipeline.predict"):
        compiled.compile(model.pipeline, sample)


def test_a_compiled_pipeline_that_fails_on_the_sample_is_rejected(model, monkeypatch):
    monkeypatch.setattr(replay.Imputer, "__call__", lambda imputer, xs: 1 / 0)
    with pytest.raises(compiled.Unsupported, match="ZeroDivisionError"):
        compiled.compile(model.pipeline, domain_sample(model.schema, 50))


# -- the app without it ------------------------------------------------------------------

@pytest.fixture
def plain_client(model, monkeypatch):
    """The app as if tabular/compiled/ and its one call were deleted: the model predicts with
    pipeline.predict, and any call to a compiled predictor fails the test."""
    monkeypatch.setattr(compiled.CompiledPredictor, "__call__", compiled_pipeline_ran)
    plain = dataclasses.replace(model, predictor=PipelinePredictor(model.pipeline))
    return create_app({"TESTING": True, "MODEL": plain}).test_client()


def compiled_pipeline_ran(*args, **kwargs):
    raise AssertionError("the compiled pipeline ran")


def test_without_the_compiled_pipeline_the_app_gives_the_pipelines_answers(
        plain_client, model, data, pipeline_predict, prediction_of):
    people = data[list(FIELDS)].head(20)
    want = pipeline_predict(model, people.to_dict("records"))
    form = plain_client.post("/predict", data=people.iloc[0].to_dict(),
                             headers={"Sec-Fetch-Site": "same-origin"})
    assert prediction_of(form.get_data(as_text=True)) == pytest.approx(want[0], rel=1e-12)
    api = plain_client.post("/api/predict", json=people.to_dict("records"))
    assert api.json["predictions"] == pytest.approx(want, rel=1e-12)
    upload = plain_client.post(
        "/batch", data={"file": (io.BytesIO(people.to_csv(index=False).encode()), "p.csv")},
        content_type="multipart/form-data", headers={"Sec-Fetch-Site": "same-origin"})
    np.testing.assert_allclose(pd.read_csv(io.BytesIO(upload.data)).predicted_charges, want,
                               atol=0.005)
    assert "the pipeline's own predict" in plain_client.get("/model").get_data(as_text=True)
