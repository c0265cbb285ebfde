"""The 80% range around each estimate: its arithmetic, its groups and the card it reads."""
import copy
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from tabular import interval
from tabular.schema import Schema
from tests.support import CATEGORICAL, FIELDS, ranges

CARD = json.loads((Path(__file__).resolve().parent.parent / "deployment.json").read_text())
SCHEMA = Schema.from_card(CARD)
BY_SMOKER = {
    "method": "test", "coverage": 0.8, "floor": 0.0,
    "groups": [
        {"name": "smokers", "where": {"smoker": ["yes"]}, "n": 10, "half_width": 1000.0,
         "above": 0.1},
        {"name": "non-smokers", "where": {"smoker": ["no"]}, "n": 40, "half_width": 10.0,
         "above": 0.05},
    ],
}


def people(**columns) -> dict:
    """Typed columns for len(smoker) people: the given columns, the others as the first
    training row has them."""
    n = len(columns["smoker"])
    first = {"age": 19, "sex": "female", "bmi": 27.9, "children": 0, "smoker": "yes",
             "region": "southwest"}
    return {name: np.array(columns.get(name, [first[name]] * n),
                           dtype=object if name in CATEGORICAL else None) for name in FIELDS}


def test_each_person_gets_their_groups_half_width_either_side():
    low, high = ranges(people(smoker=["yes", "no", "no"]),
                                np.array([5000.0, 5000.0, 12345.5]), BY_SMOKER)
    assert low.tolist() == [4000.0, 4990.0, 12335.5]
    assert high.tolist() == [6000.0, 5010.0, 12355.5]


def test_ranges_stop_at_zero_and_keep_the_floored_estimate_inside():
    low, high = ranges(people(smoker=["yes"] * 4),
                                np.array([300.0, 0.0, -500.0, -2000.0]), BY_SMOKER)
    assert low.tolist() == [0.0, 0.0, 0.0, 0.0]
    assert high.tolist() == [1300.0, 1000.0, 500.0, 0.0]


def test_without_a_floor_ranges_go_below_zero_as_the_target_did_in_training():
    unfloored = {**BY_SMOKER, "floor": None}
    low, high = ranges(people(smoker=["yes", "no"]), np.array([300.0, -500.0]), unfloored)
    assert low.tolist() == [-700.0, -510.0] and high.tolist() == [1300.0, -490.0]
    for bad in ("0", float("nan")):
        with pytest.raises(ValueError, match="floor"):
            interval.validate({**BY_SMOKER, "floor": bad})


def test_no_rows_give_empty_ranges():
    low, high = ranges(people(smoker=[]), np.array([]), BY_SMOKER)
    assert low.shape == high.shape == (0,)


def test_a_person_in_no_group_is_refused():
    with pytest.raises(ValueError, match="none of the interval's groups"):
        ranges(people(smoker=["yes", "maybe"]), np.array([1.0, 2.0]), BY_SMOKER)


def test_the_deployed_cards_interval_is_valid_and_split_by_smoking():
    interval.validate(CARD["interval"], CARD["inputs"])
    wheres = sorted(g["where"]["smoker"] for g in CARD["interval"]["groups"])
    assert wheres == [["no"], ["yes"]]
    assert CARD["interval"]["coverage"] == 0.8


def test_a_large_file_is_one_vectorised_pass():
    n = 100_000
    smoker = np.where(np.arange(n) % 3 == 0, "yes", "no").astype(object)
    low, high = ranges(people(smoker=smoker), np.full(n, 20_000.0), CARD["interval"])
    half = {g["where"]["smoker"][0]: g["half_width"] for g in CARD["interval"]["groups"]}
    expected = np.where(smoker == "yes", half["yes"], half["no"])
    assert np.array_equal(low, 20_000.0 - expected) and np.array_equal(high, 20_000.0 + expected)


def valid_rows(size: int):
    """size people drawn from the deployed card's rules, as typed columns."""
    def column(field):
        if field.kind == "category":
            return st.lists(st.sampled_from(field.categories), min_size=size, max_size=size)
        if field.kind == "integer":
            return st.lists(st.integers(int(field.minimum), int(field.maximum)),
                            min_size=size, max_size=size)
        return st.lists(st.floats(field.minimum, field.maximum), min_size=size, max_size=size)
    return st.fixed_dictionaries({f.name: column(f) for f in SCHEMA}).map(
        lambda cols: {name: np.array(values, dtype=object if name in CATEGORICAL else None)
                      for name, values in cols.items()})


@st.composite
def partitions(draw):
    """Groups from one categorical column: each category given to one of up to 3 groups,
    each group with its own half-width. Returns (spec, {category: half-width})."""
    column = draw(st.sampled_from(sorted(CATEGORICAL)))
    categories = SCHEMA[column].categories
    labels = draw(st.lists(st.integers(0, 2), min_size=len(categories),
                           max_size=len(categories)))
    widths = draw(st.lists(st.floats(0, 1e6), min_size=3, max_size=3))
    groups = [{"name": f"g{label}", "n": 5, "above": 0.1, "half_width": widths[label],
               "where": {column: [c for c, l in zip(categories, labels) if l == label]}}
              for label in sorted(set(labels))]
    spec = {"method": "test", "coverage": 0.8, "floor": 0.0, "groups": groups}
    return column, spec, {c: widths[l] for c, l in zip(categories, labels)}


ESTIMATES = st.floats(allow_nan=False, allow_infinity=False)


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 12).flatmap(lambda n: st.tuples(
    valid_rows(n), st.lists(ESTIMATES, min_size=n, max_size=n))), partitions())
def test_every_range_holds_zero_low_estimate_high(rows_and_estimates, partition):
    rows, estimates = rows_and_estimates
    _, spec, _ = partition
    estimates = np.array(estimates, dtype=np.float64)
    low, high = ranges(rows, estimates, spec)
    shown = np.maximum(estimates, 0.0)  # a bill is never below $0, so neither is a range
    assert (0 <= low).all() and (low <= shown).all() and (shown <= high).all()
    positive = estimates >= 0
    assert (low[positive] <= estimates[positive]).all()
    assert (estimates[positive] <= high[positive]).all()


@settings(max_examples=200, deadline=None)
@given(valid_rows(8), partitions())
def test_each_person_is_in_the_group_their_column_value_names(rows, partition):
    column, spec, width_of = partition
    interval.validate(spec, CARD["inputs"])
    estimates = np.full(8, 2e6)  # above every half-width, so nothing is floored
    low, high = ranges(rows, estimates, spec)
    expected = np.array([width_of[value] for value in rows[column]])
    assert np.array_equal(low, 2e6 - expected) and np.array_equal(high, 2e6 + expected)
    names = [spec["groups"][i]["name"] for i in interval.group_of(rows, spec)]
    assert names == [next(g["name"] for g in spec["groups"] if value in g["where"][column])
                     for value in rows[column]]


def broken(change):
    spec = copy.deepcopy(CARD["interval"])
    change(spec)
    return spec


def set_in(path, value):
    def change(spec):
        *parents, last = path
        for key in parents:
            spec = spec[key]
        spec[last] = value
    return change


def drop(path):
    def change(spec):
        *parents, last = path
        for key in parents:
            spec = spec[key]
        del spec[last]
    return change


@pytest.mark.parametrize("spec, message", [
    (None, "must be an object"),
    ([], "must be an object"),
    (broken(drop(["method"])), "lacks its method"),
    (broken(set_in(["coverage"], 1.5)), "coverage must be a number between 0 and 1"),
    (broken(set_in(["coverage"], "0.8")), "coverage must be a number between 0 and 1"),
    (broken(set_in(["coverage"], True)), "coverage must be a number between 0 and 1"),
    (broken(set_in(["groups"], [])), "non-empty list of groups"),
    (broken(set_in(["groups"], {"smokers": {}})), "non-empty list of groups"),
    (broken(set_in(["groups", 0], "smokers")), "needs a name"),
    (broken(set_in(["groups", 0, "name"], "")), "needs a name"),
    (broken(drop(["groups", 0, "half_width"])), "half_width must be a number >= 0"),
    (broken(set_in(["groups", 0, "half_width"], -1.0)), "half_width must be a number >= 0"),
    (broken(set_in(["groups", 0, "half_width"], float("nan"))), "half_width must be"),
    (broken(set_in(["groups", 0, "half_width"], float("inf"))), "half_width must be"),
    (broken(set_in(["groups", 0, "half_width"], "500")), "half_width must be"),
    (broken(set_in(["groups", 0, "n"], 0)), "n must be a whole number >= 1"),
    (broken(set_in(["groups", 0, "n"], 10.5)), "n must be a whole number >= 1"),
    (broken(set_in(["groups", 0, "above"], 1.2)), "'above' must be a share"),
    (broken(drop(["groups", 0, "above"])), "'above' must be a share"),
    (broken(set_in(["groups", 0, "where"], {"age": ["19"]})), "'where' must map categorical"),
    (broken(set_in(["groups", 0, "where"], {"smoker": []})), "'where' must map categorical"),
    (broken(set_in(["groups", 0, "where"], {"smoker": "no"})), "'where' must map categorical"),
    (broken(set_in(["groups", 0, "where"], {"smoker": [1]})), "'where' must map categorical"),
    (broken(set_in(["groups", 0, "where"], ["smoker"])), "'where' must map categorical"),
    (broken(set_in(["groups", 1, "name"], CARD["interval"]["groups"][0]["name"])), "repeat"),
    (broken(set_in(["groups", 0, "where"], {})), "overlap"),
    (broken(set_in(["groups", 0, "where"], {"smoker": ["no", "yes"]})), "overlap"),
])
def test_a_malformed_interval_is_refused(spec, message):
    with pytest.raises(ValueError, match=message):
        interval.validate(spec, CARD["inputs"])


@pytest.mark.parametrize("where, message", [
    ({"smoker": ["yes"], "sex": ["male"]}, "no interval group covers"),
    ({"smoker": ["Yes"]}, "has no category 'Yes'"),
])
def test_groups_must_cover_every_person_the_form_accepts(where, message):
    spec = broken(lambda s: next(g for g in s["groups"] if "yes" in g["where"]["smoker"])
                  .update(where=where))
    interval.validate(spec)  # well-formed on its own
    with pytest.raises(ValueError, match=message):
        interval.validate(spec, CARD["inputs"])
