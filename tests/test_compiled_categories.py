"""tabular.compiled.categories encodes as category_encoders does: categories, values that are none of
them and missing values, in a form's few rows and a file's many; or it refuses."""
import category_encoders as ce
import numpy as np
import pandas as pd
import pytest

from tabular.compiled.categories import FEW_ROWS, Encoder
from tabular.compiled.unsupported import Unsupported
from tabular.sample import domain_sample
from tests.support import CATEGORICAL, FIELDS, columns_of

CATEGORIES = tuple(name for name in FIELDS if name in CATEGORICAL)
ROW_COUNTS = (1, 12, FEW_ROWS, FEW_ROWS + 1, 200)  # dict lookups up to FEW_ROWS, then factorize


def with_strangers(data: pd.DataFrame, rows: int = 200) -> pd.DataFrame:
    """The data's people, with values no encoder saw, None and NaN among their categories."""
    frame = data[["age", *CATEGORIES]].head(rows).astype({c: object for c in CATEGORIES})
    frame.loc[::3, "region"] = "atlantis"
    frame.loc[1::5, "sex"] = None
    frame.loc[2::7, "smoker"] = np.nan
    frame.loc[3::11, "sex"] = "Female"  # case matters
    return frame


def test_values_that_are_no_category_get_the_pipelines_answer_in_few_rows_and_many(model):
    """Encoded as "none of them"; a form's few rows and a file's many take different lookups."""
    unknown = domain_sample(model.schema, 200, seed=4)
    unknown.loc[::3, "region"] = "atlantis"
    unknown.loc[1::3, "sex"] = "other"
    unknown.loc[2::3, "smoker"] = "sometimes"
    for rows in (12, FEW_ROWS, FEW_ROWS + 1, 200):
        frame = unknown.head(rows)
        # The compiled steps alone: an error here would fail, not fall back to the pipeline.
        got = model.predictor.numpy_pipeline(columns_of(frame))
        assert isinstance(got, np.ndarray) and got.dtype.kind == "f" and got.shape == (rows,)
        np.testing.assert_allclose(got, model.pipeline.predict(frame), rtol=1e-6, atol=1e-6,
                                   equal_nan=False)


@pytest.mark.parametrize("encoder", [ce.OrdinalEncoder, ce.OneHotEncoder])
@pytest.mark.parametrize("unknown", ["value", "return_nan"])
@pytest.mark.parametrize("missing", ["value", "return_nan"])
def test_every_value_is_encoded_as_category_encoders_encodes_it(data, encoder, unknown,
                                                                missing):
    people = with_strangers(data)
    fitted = encoder(cols=list(CATEGORIES), handle_unknown=unknown,
                     handle_missing=missing).fit(data[["age", *CATEGORIES]])
    replayed = Encoder.of(fitted, ("age", *CATEGORIES))  # age passes through
    for rows in ROW_COUNTS:
        frame = people.head(rows)
        want = fitted.transform(frame)
        got = replayed([frame[name].to_numpy() for name in replayed.inputs])
        assert replayed.outputs == tuple(want.columns)
        np.testing.assert_array_equal(np.array(got, dtype=np.float64).T,
                                      want.to_numpy(np.float64))


def test_a_form_and_a_file_get_the_same_rows(data):
    """The dict lookup (up to FEW_ROWS values) and factorize (beyond) agree value by value."""
    fitted = ce.OneHotEncoder(cols=list(CATEGORIES), handle_unknown="return_nan",
                              handle_missing="value").fit(data[list(CATEGORIES)])
    replayed = Encoder.of(fitted, CATEGORIES)
    people = with_strangers(data, 4 * FEW_ROWS)
    for name, table in replayed.tables.items():
        column = people[name].to_numpy()
        many = table.lookup(column)
        few = np.vstack([table.lookup(column[i:i + FEW_ROWS])
                         for i in range(0, len(column), FEW_ROWS)])
        np.testing.assert_array_equal(few, many)
        assert table.names == tuple(n for n in replayed.outputs if n.startswith(f"{name}_"))


@pytest.mark.parametrize("encoder", [ce.OrdinalEncoder, ce.OneHotEncoder])
@pytest.mark.parametrize("settings", [{"handle_unknown": "error"}, {"handle_missing": "error"},
                                      {"drop_invariant": True}],
                         ids=["raises on new values", "raises on missing", "drops columns"])
def test_encoders_that_raise_or_drop_columns_are_refused(data, encoder, settings):
    fitted = encoder(cols=list(CATEGORIES), **settings).fit(data[list(CATEGORIES)])
    with pytest.raises(Unsupported, match=type(fitted).__name__):
        Encoder.of(fitted, CATEGORIES)
