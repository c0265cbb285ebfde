"""The columns the app builds and the predictions through the real deployment.pkl."""
import dataclasses

import numpy as np
import pandas as pd
import pytest

from tabular.predict import estimate
from tests.support import FIELDS, to_frame


def records_of(data: pd.DataFrame) -> list[dict]:
    return data[list(FIELDS)].to_dict("records")


def predict(records, model) -> list[float]:
    return estimate(records, model).values


def test_frame_has_the_training_columns_and_dtypes(data):
    frame = to_frame(records_of(data.head(3)))
    training = data[list(FIELDS)]
    assert list(frame.columns) == list(training.columns)
    assert frame.dtypes.to_dict() == training.dtypes.to_dict()
    pd.testing.assert_frame_equal(frame, training.head(3))


def test_one_record_gives_one_row_even_with_keys_out_of_order():
    record = {"region": "southwest", "smoker": "yes", "children": 0, "bmi": 27.9,
              "sex": "female", "age": 19}
    frame = to_frame([record])
    assert frame.shape == (1, 6)
    assert frame.iloc[0].to_dict() == {k: record[k] for k in FIELDS}


def test_predictions_match_the_saved_pipeline_on_every_training_row(model, data, pipeline_predict):
    rows = records_of(data)
    got = predict(rows, model)
    want = pipeline_predict(model, rows)
    assert len(got) == len(rows)
    np.testing.assert_allclose(got, want, rtol=1e-9)


def test_predictions_keep_the_input_order(model, data):
    rows = records_of(data.head(50))
    forward = predict(rows, model)
    backward = predict(rows[::-1], model)
    assert forward == backward[::-1]
    assert len(set(forward)) > 1  # distinct people, distinct charges: order is observable


def test_the_deployed_model_is_sensible_where_the_data_is_clear(model):
    base = {"age": 40, "sex": "male", "bmi": 30.0, "children": 1, "region": "southeast"}
    smoker, non_smoker = predict([{**base, "smoker": "yes"}, {**base, "smoker": "no"}], model)
    # Smoking roughly triples charges in the data; any model that misses that is broken.
    assert smoker > 2 * non_smoker > 0


def test_no_records_no_call():
    class Exploding:
        def predictor(self, columns):
            raise AssertionError("called with nothing to predict")

    assert predict([], Exploding()) == []


def test_a_non_finite_prediction_is_an_error_never_a_number(model, person):
    broken = dataclasses.replace(model, predictor=lambda columns: np.array([float("nan")]))
    with pytest.raises(ValueError, match="non-finite"):
        predict([person], broken)
