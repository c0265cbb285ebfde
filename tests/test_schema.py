"""The validation rules, driven without Flask."""
import json
import math
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from tests.person import VALID
from charges.schema import FIELDS, Schema

CARD = json.loads((Path(__file__).resolve().parent.parent / "deployment.json").read_text())
SCHEMA = Schema.from_card(CARD)


def errors_for(**changes):
    return SCHEMA.validate({**VALID, **changes})[1]


def test_the_rules_are_the_training_datas_ranges_and_categories(data):
    assert [f.name for f in SCHEMA] == list(FIELDS) == list(data.columns[:6])
    for name in ("age", "bmi", "children"):
        assert (SCHEMA[name].minimum, SCHEMA[name].maximum) == (data[name].min(), data[name].max())
    for name in ("sex", "smoker", "region"):
        assert set(SCHEMA[name].categories) == set(data[name])


def test_valid_text_is_cleaned_to_python_types(person):
    record, errors = SCHEMA.validate(VALID)
    assert errors == {}
    assert record == person
    assert type(record["age"]) is int and type(record["bmi"]) is float


@pytest.mark.parametrize("field, value, message", [
    ("age", "", "is required"),
    ("age", "   ", "is required"),
    ("age", "abc", "must be a number"),
    ("age", "nan", "must be a number"),
    ("age", "inf", "must be a number"),
    ("age", "1_9", "must be a number"),
    ("age", "0x13", "must be a number"),
    ("age", "1e999", "must be a finite number"),
    ("age", "19.5", "must be a whole number"),
    ("age", "17", "must be from 18 to 64"),
    ("age", "300", "must be from 18 to 64"),
    ("bmi", "-1", "must be from 15.96 to 53.13"),
    ("bmi", "53.14", "must be from 15.96 to 53.13"),
    ("children", "6", "must be from 0 to 5"),
    ("children", "-0.5", "must be a whole number"),
    ("sex", "MALE", "must be one of female, male"),
    ("smoker", "male", "must be one of no, yes"),
    ("region", "north", "must be one of northeast, northwest, southeast, southwest"),
    ("region", "", "is required"),
])
def test_each_bad_value_gets_its_own_message(field, value, message):
    assert errors_for(**{field: value}) == {field: message}


def test_missing_fields_are_each_reported():
    record, errors = SCHEMA.validate({})
    assert errors == {name: "is required" for name in FIELDS}


def test_bounds_are_inclusive_and_whitespace_is_trimmed():
    record, errors = SCHEMA.validate({**VALID, "age": " 64 ", "bmi": "15.96",
                                      "children": "5", "sex": " male "})
    assert errors == {}
    assert (record["age"], record["bmi"], record["children"], record["sex"]) == (64, 15.96, 5, "male")


def test_whole_numbers_written_with_decimals_are_accepted():
    record, errors = SCHEMA.validate({**VALID, "age": "30.0", "children": "1e0"})
    assert errors == {} and record["age"] == 30 and record["children"] == 1


@pytest.mark.parametrize("field, value, message", [
    ("age", "30", "must be a number"),          # JSON strings are not numbers
    ("age", True, "must be a number"),          # nor are booleans, though bool is an int
    ("age", float("nan"), "must be a finite number"),
    ("bmi", float("inf"), "must be a finite number"),
    ("age", [30], "must be a number"),
    ("sex", 1, "must be text: one of female, male"),
    ("sex", None, "is required"),
])
def test_typed_values_from_json_must_have_json_types(field, value, message, person):
    raw = {**person, field: value}
    assert SCHEMA.validate(raw, typed=True)[1] == {field: message}


@given(st.dictionaries(st.sampled_from(FIELDS), st.text(max_size=12)))
def test_any_text_is_either_clean_and_in_range_or_explained(raw):
    record, errors = SCHEMA.validate(raw)
    assert set(record) | set(errors) == set(FIELDS)
    for name, value in record.items():
        field = SCHEMA[name]
        if field.kind == "category":
            assert value in field.categories
        else:
            assert math.isfinite(value) and field.minimum <= value <= field.maximum
    for message in errors.values():
        assert message and message[0].islower()
