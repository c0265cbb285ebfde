"""The validation rules, driven without Flask."""
import json
import math
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from tabular.schema import Field, Schema
from tests.person import VALID
from tests.support import FIELDS

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
    ("age", "abc", "must be a number, like 41"),
    ("age", "nan", "must be a number, like 41"),
    ("age", "inf", "must be a number, like 41"),
    ("age", "1_9", "must be a number, like 41"),
    ("age", "0x13", "must be just the number, like 0"),
    ("age", "19 years", "must be just the number, like 19"),
    ("bmi", "27,9 kg/m2", "must be just the number, like 27,9"),
    ("age", "1e999", "must be a finite number"),
    ("age", "19.5", "must be a whole number, like 41"),
    ("age", "17", "must be from 18 to 64"),
    ("age", "300", "must be from 18 to 64"),
    ("bmi", "-1", "must be from 15.96 to 53.13"),
    ("bmi", "53.14", "must be from 15.96 to 53.13"),
    ("children", "6", "must be from 0 to 5"),
    ("children", "-0.5", "must be a whole number, like 2"),
    ("bmi", "1,000.5", "must be written without thousands separators, like 1000.5"),
    ("bmi", "1.234,5", "must be written without thousands separators, like 1234.5"),
    ("bmi", "1,234,567", "must be written without thousands separators, like 1234567"),
    ("age", "1 000", "must be written without thousands separators, like 1000"),
    ("bmi", "22,705", "could be 22.705 or 22705; write the one you mean"),
    ("age", "1,000", "could be 1.000 or 1000; write the one you mean"),
    ("bmi", "27,9,1", "must be a number, like 35"),
    ("sex", "M", "must be one of female, male"),
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
    ("age", "30", "must be a JSON number (no quotes), like 41"),  # JSON strings are not numbers
    ("bmi", "27,9", "must be a JSON number (no quotes), like 35"),
    ("age", True, "must be a number, like 41"),  # nor are booleans, though bool is an int
    ("age", float("nan"), "must be a finite number"),
    ("bmi", float("inf"), "must be a finite number"),
    ("age", [30], "must be a number, like 41"),
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


def test_the_example_in_messages_lies_inside_the_training_range():
    for field in SCHEMA:
        if field.kind != "category":
            assert field.minimum <= field.example <= field.maximum
            assert field.kind != "integer" or float(field.example).is_integer()
    narrow = Field("x", "number", minimum=0.0012, maximum=0.0019)
    assert narrow.example == 0.0015  # as round as it can be, and still in range


@pytest.mark.parametrize("typed", [False, True])
@pytest.mark.parametrize("field, sent, clean", [
    ("sex", "Female", "female"), ("sex", " MALE ", "male"), ("smoker", "Yes", "yes"),
    ("region", "SouthWest", "southwest"), ("region", "NORTHEAST", "northeast"),
])
def test_categories_in_any_letter_case_get_the_training_spelling(typed, field, sent, clean):
    raw = SCHEMA.validate(VALID)[0] if typed else VALID  # JSON sends numbers as numbers
    record, errors = SCHEMA.validate({**raw, field: sent}, typed=typed)
    assert errors == {} and record[field] == clean


def test_categories_that_differ_only_by_case_need_the_exact_spelling():
    field = Field("grade", "category", categories=("A", "a", "b"))
    assert field.parse("A", typed=False) == "A" and field.parse(" a ", typed=False) == "a"
    assert field.parse("B", typed=False) == "b"
    with pytest.raises(ValueError, match="must be one of A, a, b"):
        field.parse("Α", typed=False)  # a Greek capital alpha is not a Latin A


@pytest.mark.parametrize("sent, read", [
    ("27,9", 27.9), ("27.9", 27.9), ("22,7", 22.7), (" 30,25 ", 30.25),
    ("30,", None), (",5", None),
])
def test_a_decimal_comma_is_read_as_a_decimal_point(sent, read):
    record, errors = SCHEMA.validate({**VALID, "bmi": sent})
    if read is None:
        assert "bmi" in errors
    else:
        assert errors == {} and record["bmi"] == read


@pytest.mark.parametrize("sent, read, message", [
    ("22,705", 22.705, None),     # three decimals: a comma is the decimal mark here
    ("27,9", 27.9, None),
    ("27.9", 27.9, None),         # a point with other than three digits after it is a decimal point
    ("1.500", None, "could be 1,500 or 1500; write the one you mean"),
    ("1.234,5", None, "must be written without thousands separators, like 1234,5"),
    ("abc", None, "must be a number, like 35"),
    ("60", None, "must be from 15,96 to 53,13"),
])
def test_text_from_a_decimal_comma_file_reads_the_comma_as_the_decimal_mark(sent, read, message):
    record, errors = SCHEMA.validate({**VALID, "bmi": sent}, decimal=",")
    if message:
        assert errors == {"bmi": message}
    else:
        assert errors == {} and record["bmi"] == read


@given(st.floats(15.96, 53.13).map(lambda x: round(x, 2)).filter(lambda x: 15.96 <= x <= 53.13))
def test_a_number_with_a_decimal_comma_reads_as_the_same_number_with_a_point(bmi):
    written = str(bmi)  # at most two decimals: a comma before three digits is asked about
    comma, point = (SCHEMA.validate({**VALID, "bmi": text})[0]["bmi"]
                    for text in (written.replace(".", ","), written))
    assert comma == point == bmi


def test_a_json_number_names_a_category_that_training_made_text():
    field = Field("cylinders", "category", categories=("3", "4", "8"))
    assert field.parse(4, typed=True) == "4" and field.parse(8.0, typed=True) == "8"
    for wrong in (5, True, 4.5):
        with pytest.raises(ValueError, match="must be text: one of 3, 4, 8"):
            field.parse(wrong, typed=True)


def test_a_blank_field_gives_nan_and_others_are_required():
    number = Field("hp", "number", minimum=1, maximum=2, blank=True)
    category = Field("origin", "category", categories=("a",), blank=True)
    # NaN for a category too: its imputer takes None for a value, and the model then fails.
    assert math.isnan(number.parse("  ", typed=False)) and math.isnan(number.parse(None, typed=True))
    assert math.isnan(category.parse("", typed=False)) and math.isnan(category.parse(None, typed=True))
    with pytest.raises(ValueError, match="is required"):
        Field("hp", "number", minimum=1, maximum=2).parse("", typed=False)
    assert number.label == "hp" and number.dtype == "float64" and category.dtype == "object"


@pytest.mark.parametrize("spec, message", [
    ({"kind": "date"}, "kind must be one of"),
    ({"kind": "integer", "dtype": "object", "min": 1, "max": 2}, "does not fit kind"),
    ({"kind": "number", "min": 3, "max": 2}, "min <= max"),
    ({"kind": "category", "categories": []}, "non-empty list"),
    ({"kind": "category"}, "'categories'"),
])
def test_a_broken_input_in_the_card_is_named(spec, message):
    with pytest.raises(ValueError, match=f"input 'x': .*{message}"):
        Schema.from_card({"inputs": {"x": spec}})
