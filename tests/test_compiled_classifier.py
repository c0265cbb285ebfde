"""A classifier's compiled pipeline (compile(..., method="predict_proba")) gives the saved
pipeline's own predict_proba, on the models training makes from penguins (logistic
regression, blanks in five columns) and swisslabor (gradient boosting), or is not used."""
import copy
import json
import logging
import warnings

import joblib
import numpy as np
import pandas as pd
import pytest
from pycaret.internal.preprocess.transformers import (TransformerWrapper,
                                                       TransformerWrapperWithInverse)
from sklearn.base import clone
from lightgbm import LGBMClassifier
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import ExtraTreesClassifier, RandomForestClassifier
from sklearn.naive_bayes import GaussianNB
from sklearn.tree import DecisionTreeClassifier
from sklearn.preprocessing import FunctionTransformer, LabelEncoder

from tabular import compiled
from tabular.compiled import replay
from tabular.compiled.calibrated import Calibrated
from tabular.sample import domain_sample
from tabular.schema import Schema
from tests.support import columns_of
from training import columns
from training.holdout import inputs_frame
from training.train import DEFAULT_DATA

CHECK_ROWS = 500  # the sample compile() checks itself on, as the app's loading does
DOMAIN_ROWS = 12_000
ESTIMATORS = {"penguins": "LogisticRegression", "swisslabor": "GradientBoostingClassifier"}


@pytest.fixture(scope="module", params=sorted(ESTIMATORS))
def case(request, trained):
    """A trained classifier: its pipeline, the schema its card gives, its CSV's rows typed as
    the pipeline was fitted on them, and its compiled predict_proba."""
    folder = trained[request.param]
    card = json.loads((folder / "deployment.json").read_text())
    pipeline = joblib.load(folder / "deployment.pkl")
    assert type(pipeline.steps[-1][1]).__name__ == ESTIMATORS[request.param]
    schema = Schema.from_card(card)
    typed, raw = columns.read_csv(DEFAULT_DATA.with_name(f"{request.param}.csv"))
    rows = inputs_frame(typed, raw, card)
    predictor = compiled.compile(pipeline, domain_sample(schema, CHECK_ROWS),
                                 method="predict_proba")
    return {"name": request.param, "card": card, "pipeline": pipeline, "schema": schema,
            "rows": rows, "predictor": predictor}


def pandas_pipeline_ran(*args, **kwargs):
    raise AssertionError("the pandas pipeline ran")


def assert_same(case, frame: pd.DataFrame):
    """The compiled predictor gives pipeline.predict_proba (rows x classes, float64, every
    entry within 1e-9) on its own: the pandas steps are disabled while it runs."""
    want = case["pipeline"].predict_proba(frame)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(TransformerWrapper, "transform", pandas_pipeline_ran)
        got = case["predictor"](columns_of(frame))
    assert isinstance(got, np.ndarray) and got.dtype == np.float64
    assert got.shape == (len(frame), len(case["card"]["target"]["classes"]))
    worst = np.max(np.abs(got - want))
    assert worst <= 1e-9, f"differs from pipeline.predict_proba by up to {worst:.3g}"
    return got


def test_the_probabilities_equal_predict_proba_across_the_whole_domain(case):
    sample = domain_sample(case["schema"], DOMAIN_ROWS, seed=2)
    assert list(sample.columns) == case["schema"].names
    assert sample.dtypes.astype(str).to_dict() == case["schema"].dtypes
    for field in case["schema"]:  # every category, both bounds, blanks where allowed
        column = sample[field.name]
        if field.kind == "category":
            assert set(column.dropna()) == set(field.categories)
        else:
            assert (column.min(), column.max()) == (field.minimum, field.maximum)
        assert column.isna().any() == field.blank
    assert_same(case, sample)


def test_the_probabilities_equal_predict_proba_on_every_row_of_the_csv(case):
    rows = case["rows"]
    if case["name"] == "penguins":  # the blanks are in the rows checked
        assert rows[["bill_length_mm", "sex"]].isna().any().all()
    got = assert_same(case, rows)
    # Column k is the card's class k: its argmax is pipeline.predict's label.
    classes = np.array(case["card"]["target"]["classes"])
    np.testing.assert_array_equal(classes[got.argmax(axis=1)],
                                  case["pipeline"].predict(rows).astype(str))


def test_one_row_is_answered_without_a_warning(case):
    one = case["rows"].iloc[[3]]
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # e.g. "X does not have valid feature names"
        assert_same(case, one)


def test_an_input_the_numpy_path_refuses_gets_predict_probas_answer_and_one_log_line(
        case, caplog):
    caplog.set_level(logging.WARNING, logger="tabular")
    predictor = compiled.compile(case["pipeline"], domain_sample(case["schema"], 50),
                                 method="predict_proba")
    frame = case["rows"].head(5).copy()
    name = next(f.name for f in case["schema"] if f.kind != "category")
    frame[name] = pd.array([None, *frame[name].iloc[1:]], dtype="Float64")  # pandas' NA
    columns = {n: frame[n].array for n in frame.columns}
    for _ in range(2):
        np.testing.assert_array_equal(predictor(columns), case["pipeline"].predict_proba(frame))
    assert predictor.fell_back is True
    [line] = [r.getMessage() for r in caplog.records if r.name.startswith("tabular")]
    assert line.startswith("the compiled pipeline passed an input to pipeline.predict_proba")


def test_a_missing_column_gets_the_pipelines_own_error(case):
    frame = case["rows"].head(5).drop(columns=case["schema"].names[0])
    with pytest.raises(Exception) as from_pipeline:
        case["pipeline"].predict_proba(frame)
    with pytest.raises(Exception) as from_compiled:
        case["predictor"](columns_of(frame))
    assert str(from_compiled.value) == str(from_pipeline.value)


def test_predict_on_a_classifier_is_still_refused(case):
    """pipeline.predict decodes the labels; that is not replayed (the app asks for
    predict_proba and takes classes[argmax])."""
    with pytest.raises(compiled.Unsupported, match="'label_encoding'"):
        compiled.compile(case["pipeline"], domain_sample(case["schema"], 50))


def test_an_unknown_method_is_an_error(case):
    with pytest.raises(ValueError, match="predict_log_proba"):
        compiled.compile(case["pipeline"], domain_sample(case["schema"], 50),
                         method="predict_log_proba")


# -- steps it does not know --------------------------------------------------------------

def with_step(pipeline, at: int, name: str, step):
    custom = copy.deepcopy(pipeline)
    custom.steps.insert(at, (name, step))
    return custom


def test_an_unknown_step_still_refuses(case):
    step = TransformerWrapper(FunctionTransformer(feature_names_out="one-to-one"))
    pipeline = case["pipeline"]
    step.fit(pipeline[:-1].transform(case["rows"]))
    custom = with_step(pipeline, len(pipeline.steps) - 1, "custom_step", step)
    with pytest.raises(compiled.Unsupported) as why:
        compiled.compile(custom, domain_sample(case["schema"], 50), method="predict_proba")
    assert "'custom_step'" in str(why.value) and "FunctionTransformer" in str(why.value)


class OwnEncoder(LabelEncoder):
    """A subclass may transform otherwise: only LabelEncoder itself is skipped."""


@pytest.mark.parametrize("transformer", [FunctionTransformer(), OwnEncoder()],
                         ids=["function", "label-encoder-subclass"])
def test_a_step_on_the_target_other_than_a_label_encoder_is_refused(case, transformer):
    custom = with_step(case["pipeline"], 0, "target_step",
                       TransformerWrapperWithInverse(transformer))
    with pytest.raises(compiled.Unsupported, match="'target_step'"):
        compiled.compile(custom, domain_sample(case["schema"], 50), method="predict_proba")


def test_probabilities_that_disagree_are_rejected(case, monkeypatch):
    real = replay.Imputer.__call__

    def off_by_one(imputer, xs):  # every imputed number one unit too high
        return [x + 1 if x.dtype.kind == "f" else x for x in real(imputer, xs)]
    monkeypatch.setattr(replay.Imputer, "__call__", off_by_one)
    with pytest.raises(compiled.Unsupported, match="differ from pipeline.predict_proba"):
        compiled.compile(case["pipeline"], domain_sample(case["schema"], 300, seed=7),
                         method="predict_proba")


# -- the other families training compares, and calibration ------------------------------

FAMILIES = {  # training/classify.py's CANDIDATES beyond lr and gbc, small and seeded
    "nb": lambda: GaussianNB(),
    "dt": lambda: DecisionTreeClassifier(random_state=0),
    "rf": lambda: RandomForestClassifier(n_estimators=30, random_state=0),
    "et": lambda: ExtraTreesClassifier(n_estimators=30, random_state=0),
    "lightgbm": lambda: LGBMClassifier(n_estimators=30, random_state=0, verbose=-1),
}


def refitted(case, estimator):
    """The case's pipeline with its estimator replaced by `estimator`, fitted on the CSV's
    rows as the pipeline's steps give them: what training would save had it won."""
    pipeline = copy.deepcopy(case["pipeline"])
    encoder = pipeline.named_steps["label_encoding"].transformer
    y = encoder.transform(columns.read_csv(DEFAULT_DATA.with_name(f"{case['name']}.csv"))[1]
                          [case["card"]["target"]["name"]])
    estimator.fit(pipeline[:-1].transform(case["rows"]), y)
    pipeline.steps[-1] = ("actual_estimator", estimator)
    return pipeline


def assert_compiled_and_quiet(case, pipeline):
    predictor = compiled.compile(pipeline, domain_sample(case["schema"], CHECK_ROWS),
                                 method="predict_proba")
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # e.g. "X does not have valid feature names"
        assert_same({**case, "pipeline": pipeline, "predictor": predictor},
                    domain_sample(case["schema"], 2_000, seed=3))
    return predictor


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_every_family_training_compares_is_compiled_and_quiet(case, family):
    assert_compiled_and_quiet(case, refitted(case, FAMILIES[family]()))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")  # (its own fit)
@pytest.mark.parametrize("how", ["sigmoid", "isotonic"])
def test_a_calibrated_classifier_is_compiled_and_quiet(case, how):
    """Training keeps PyCaret's calibrate_model (a sigmoid CalibratedClassifierCV) when it
    helps: the case's own estimator, calibrated on the CSV, then compiled; sigmoids are
    replayed (tabular/compiled/calibrated.py), isotonic calibration answers itself."""
    estimator = CalibratedClassifierCV(clone(case["pipeline"].steps[-1][1]), method=how, cv=3)
    predictor = assert_compiled_and_quiet(case, refitted(case, estimator))
    replayed = getattr(predictor.numpy_pipeline.estimator, "__self__", None)
    assert isinstance(replayed, Calibrated) is (how == "sigmoid")
