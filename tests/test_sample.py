"""The sample of the whole input domain that a compiled predictor must agree on."""
import pandas as pd

from tabular.sample import domain_sample
from tests.support import assert_spans_the_domain, to_frame

DOMAIN_ROWS = 12_000


def test_domain_sample_spans_the_whole_domain_with_the_apps_dtypes(model):
    sample = domain_sample(model.schema, DOMAIN_ROWS, seed=1)
    assert len(sample) == DOMAIN_ROWS
    assert_spans_the_domain(sample, model.schema)
    assert (sample.iloc[0][["age", "bmi", "children"]] == [
        model.schema[name].minimum for name in ("age", "bmi", "children")]).all()
    # The app's own frames are built the same way, so the sample is what the app sends.
    records = sample.head(3).to_dict("records")
    pd.testing.assert_frame_equal(to_frame(records), sample.head(3))
