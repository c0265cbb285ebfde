"""tabular.compiled.forest scores sklearn's gradient boosting exactly as sklearn does, or refuses."""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.dummy import DummyRegressor
from sklearn.ensemble import GradientBoostingRegressor, RandomForestRegressor
from sklearn.linear_model import LinearRegression

from tabular.compiled import forest
from tabular.compiled.forest import Forest
from tabular.compiled.unsupported import Unsupported
from tabular.sample import domain_sample
from tests.support import DTYPES, FIELDS, predict_frame


def on_every_split(estimator, X: np.ndarray) -> np.ndarray:
    """Rows of X moved onto each split of each tree: the threshold itself, the floats either
    side of it, and the float32 values around it (sklearn compares float32 inputs)."""
    rows = []
    for tree in estimator.estimators_[:, 0]:
        for feature, threshold in zip(tree.tree_.feature, tree.tree_.threshold):
            if feature < 0:
                continue
            single = np.float32(threshold)
            for value in (threshold, np.nextafter(threshold, -np.inf),
                          np.nextafter(threshold, np.inf), single,
                          np.nextafter(single, np.float32(-np.inf)),
                          np.nextafter(single, np.float32(np.inf))):
                row = X[len(rows) % len(X)].copy()
                row[feature] = value
                rows.append(row)
    return np.array(rows)


def sklearn_predict(estimator, X: np.ndarray) -> np.ndarray:
    with warnings.catch_warnings():  # "X does not have valid feature names"
        warnings.simplefilter("ignore", UserWarning)
        return estimator.predict(X)


def assert_exact(estimator, X: np.ndarray):
    got = Forest.of(estimator).predict(X)
    want = sklearn_predict(estimator, X)
    different = np.flatnonzero(got != want)
    assert not len(different), (f"{len(different)} of {len(X)} rows differ, e.g. row "
                                f"{different[0]}: {got[different[0]]!r} vs {want[different[0]]!r}")


# -- the deployed model ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def deployed(model, data):
    """The deployed estimator and its inputs: every training row, 12,000 inputs across the
    domain, and every split's edges, as the pipeline's own steps prepare them."""
    frames = [data[list(FIELDS)].astype(DTYPES), domain_sample(model.schema, 12_000)]
    X = np.vstack([model.pipeline[:-1].transform(frame).to_numpy(np.float64)
                   for frame in frames])
    estimator = model.pipeline.steps[-1][1]
    return estimator, np.vstack([X, on_every_split(estimator, X)])


def test_the_deployed_trees_give_sklearns_answers_to_the_last_bit(deployed):
    estimator, X = deployed
    assert len(X) > 13_000 + 6 * 200  # training rows, the domain and the split edges
    assert_exact(estimator, X)


def test_one_row_at_a_time_gives_the_same_answers(deployed):
    estimator, X = deployed
    forest = Forest.of(estimator)
    rows = X[::997]
    assert [forest.predict(row[None, :])[0] for row in rows] == list(
        sklearn_predict(estimator, rows))


def test_a_lone_last_row_is_summed_in_sklearns_order_too(deployed):
    estimator, X = deployed
    per_chunk = forest.CHUNK // len(estimator.estimators_)
    assert_exact(estimator, X[:per_chunk + 1])  # a full chunk, then a chunk of one row


def test_the_app_scores_the_trees_without_sklearn(model, data, monkeypatch):
    frame = data[list(FIELDS)].astype(DTYPES).head(500)
    want = model.pipeline.predict(frame)

    def sklearn_ran(*args, **kwargs):
        raise AssertionError("sklearn's predict ran")
    monkeypatch.setattr(GradientBoostingRegressor, "predict", sklearn_ran)
    np.testing.assert_array_equal(predict_frame(model, frame), want)


# -- other gradient boosting the training script or a user could fit -------------------------

def toy_data(seed: int, rows: int = 400):
    """Columns like the pipeline's: an integer, a continuous one, two 0/1 indicators."""
    rng = np.random.default_rng(seed)
    X = np.column_stack([rng.integers(18, 65, rows), rng.uniform(15, 55, rows),
                         rng.integers(0, 2, rows), rng.integers(0, 2, rows)]).astype(np.float64)
    y = 250 * X[:, 0] + 300 * X[:, 1] * X[:, 2] + 20_000 * X[:, 3] + rng.normal(0, 3000, rows)
    return X, y


@settings(max_examples=20, deadline=None)
@given(depth=st.integers(1, 5), seed=st.integers(0, 2**16),
       loss=st.sampled_from(["squared_error", "absolute_error", "huber", "quantile"]),
       init=st.sampled_from([None, "zero"]), rate=st.sampled_from([0.05, 0.1, 0.3]))
def test_any_gradient_boosting_up_to_32_leaves_gives_sklearns_answers(depth, seed, loss, init,
                                                                      rate):
    X, y = toy_data(seed)
    estimator = GradientBoostingRegressor(n_estimators=25, max_depth=depth, loss=loss, init=init,
                                          learning_rate=rate, random_state=seed).fit(X, y)
    fresh = toy_data(seed + 1, rows=300)[0]
    assert_exact(estimator, np.vstack([fresh, on_every_split(estimator, fresh)]))


def test_trees_grown_by_leaf_count_give_sklearns_answers():
    X, y = toy_data(1)
    estimator = GradientBoostingRegressor(n_estimators=20, max_depth=None, max_leaf_nodes=32,
                                          random_state=0).fit(X, y)
    assert_exact(estimator, np.vstack([X, on_every_split(estimator, X)]))


# -- what it refuses ----------------------------------------------------------------------

@pytest.mark.parametrize("estimator, reason", [
    (GradientBoostingRegressor(n_estimators=5, max_depth=None, max_leaf_nodes=40), "40 leaves"),
    (GradientBoostingRegressor(n_estimators=5, init=LinearRegression()), "LinearRegression"),
    (GradientBoostingRegressor(n_estimators=5, init=type("Guess", (DummyRegressor,), {})()),
     "Guess"),
    (RandomForestRegressor(n_estimators=5), "RandomForestRegressor"),
    (LinearRegression(), "LinearRegression"),
])
def test_models_it_cannot_replay_are_refused(estimator, reason):
    X, y = toy_data(2)
    with pytest.raises(Unsupported, match=reason):
        Forest.of(estimator.fit(X, y))


@pytest.mark.parametrize("bad", [
    pytest.param(lambda X: np.where(np.arange(X.size).reshape(X.shape) == 5, np.nan, X), id="nan"),
    pytest.param(lambda X: np.where(np.arange(X.size).reshape(X.shape) == 5, np.inf, X), id="inf"),
    pytest.param(lambda X: np.where(np.arange(X.size).reshape(X.shape) == 5, 1e39, X),
                 id="beyond float32"),
    pytest.param(lambda X: X + 0j, id="complex"),
    pytest.param(lambda X: X[:, :3], id="a column short"),
    pytest.param(lambda X: X[:0], id="no rows"),
])
def test_inputs_sklearn_refuses_are_refused(bad):
    X, y = toy_data(3)
    estimator = GradientBoostingRegressor(n_estimators=5).fit(X, y)
    with pytest.raises(ValueError):
        sklearn_predict(estimator, bad(X))
    with pytest.raises(ValueError):
        Forest.of(estimator).predict(bad(X))

