"""What training learns from a CSV and a describe file, rule by rule, without training: kinds,
tidying, identifiers, the card's inputs and target, the what-ifs and the range groups' rule."""
import json

import numpy as np
import pandas as pd
import pytest

from training import columns, describe
from training.calibrate import COVERAGE, MIN_GROUP, grouping_column
from training.columns import TrainingError
from training.train import DEFAULT_DATA, DEFAULT_DESCRIBE

ROWS = """\
 Male,True,2,130.0,3504,70,10.5,1.0
Female ,False,4,,3693,71,11,2.0
 Male,True,4,150.0,,72,12.25,3.0
,False,2,140.5,3436,70,9,4.0
"""
UNTIDY = "sex,smoker,doors,hp,weight,year,price,gears\n" + ROWS * 3


@pytest.fixture
def untidy(tmp_path):
    path = tmp_path / "untidy.csv"
    path.write_text(UNTIDY)
    typed, raw = columns.read_csv(path)
    return typed, raw


def test_kinds_come_from_the_data_and_the_describe_file(untidy):
    typed, raw = untidy
    kinds = columns.learn_kinds(typed, raw, ["sex", "smoker", "doors", "hp", "weight", "year",
                                             "gears"], {"doors"})
    # 140.5 makes hp a number; gears is written 1.0, 2.0, ...: whole numbers, an integer.
    assert kinds == {"sex": "category", "smoker": "category", "doors": "category",
                     "hp": "number", "weight": "integer", "year": "integer",
                     "gears": "integer"}
    assert columns.frame(typed, raw, kinds)["gears"].dtype == "int64"


def test_the_frame_holds_stripped_text_and_the_dtypes_the_card_records(untidy):
    typed, raw = untidy
    kinds = columns.learn_kinds(typed, raw, ["sex", "smoker", "doors", "hp", "weight", "year"],
                                {"doors"})
    frame = columns.frame(typed, raw, kinds)
    assert frame.dtypes.astype(str).to_dict() == {
        "sex": "object", "smoker": "object", "doors": "object", "hp": "float64",
        "weight": "float64", "year": "int64"}
    assert frame["sex"].tolist()[:3] == ["Male", "Female", "Male"]
    assert pd.isna(frame["sex"][3])  # blank text is missing, as NaN: what the imputer sees
    assert frame["smoker"].tolist()[:4] == ["True", "False", "True", "False"]
    assert frame["doors"].tolist()[:4] == ["2", "4", "4", "2"]
    inputs = columns.describe_inputs(frame, kinds, {"sex": {"label": "Sex", "help": "As born"}})
    assert inputs["sex"] == {"kind": "category", "dtype": "object", "label": "Sex",
                             "help": "As born", "blank": True, "categories": ["Female", "Male"]}
    assert inputs["weight"] == {"kind": "integer", "dtype": "float64", "label": "weight",
                                "help": None, "blank": True, "min": 3436, "max": 3693,
                                "median": 3504}
    assert inputs["hp"] == {"kind": "number", "dtype": "float64", "label": "hp",
                             "help": None, "blank": True, "min": 130.0, "max": 150.0,
                             "median": 140.5}
    assert inputs["year"]["median"] == 71  # 70.5 rounds half up, to a whole number
    assert inputs["doors"]["categories"] == ["2", "4"]


def test_an_identifier_is_refused_with_the_option_that_leaves_it_out(tmp_path):
    rows = [f"car {i},{i % 3}" for i in range(60)]
    rows[1] = "car 0,1"  # 59 distinct of 60: still an identifier
    (tmp_path / "cars.csv").write_text("name,mpg\n" + "\n".join(rows) + "\n")
    typed, raw = columns.read_csv(tmp_path / "cars.csv")
    with pytest.raises(TrainingError, match="'name' looks like an identifier .* --ignore name"):
        columns.learn_kinds(typed, raw, ["name"], set())
    # Half of the rows distinct or fewer is a category like any other.
    (tmp_path / "cars.csv").write_text(
        "name,mpg\n" + "\n".join(f"car {i % 30},{i}" for i in range(60)) + "\n")
    typed, raw = columns.read_csv(tmp_path / "cars.csv")
    assert columns.learn_kinds(typed, raw, ["name"], set()) == {"name": "category"}


def test_the_target_format_shows_decimals_only_when_the_values_have_them():
    whole = columns.describe_target(pd.Series([1.0, 2.0, 40.0], name="n"), {})
    assert whole["format"] == {"prefix": "", "suffix": "", "decimals": 0}
    given = columns.describe_target(pd.Series([1.5, 2.0], name="n"),
                                    {"label": "Price", "format": {"prefix": "$"}})
    assert (given["label"], given["format"]) == ("Price", {"prefix": "$", "suffix": "",
                                                           "decimals": 2})


def test_the_insurance_describe_file_gives_todays_words():
    found = describe.load(DEFAULT_DESCRIBE)
    data = pd.read_csv(DEFAULT_DATA)
    typed, raw = columns.read_csv(DEFAULT_DATA)
    kinds = columns.learn_kinds(typed, raw, list(data.columns[:-1]), set())
    inputs = columns.describe_inputs(columns.frame(typed, raw, kinds), kinds, found["inputs"])
    assert [s["label"] for s in inputs.values()] == \
        ["Age", "Sex", "BMI", "Children", "Smoker", "Region"]
    assert [(w["field"], w["label"]) for w in describe.what_if(found, inputs)] == [
        ("smoker", "As a non-smoker"), ("smoker", "As a smoker"), ("bmi", "With a BMI of 25"),
        ("children", "With one child more"), ("children", "With one child fewer"),
        ("region", "Living in the {value}")]
    assert describe.group_names(found, "smoker", inputs) == \
        {"no": "non-smokers", "yes": "smokers"}
    assert describe.group_names(found, "sex", inputs) == \
        {"female": "Sex: female", "male": "Sex: male"}
    assert json.loads(DEFAULT_DESCRIBE.read_text())["target"] == \
        {"label": "Yearly charges", "format": {"prefix": "$", "suffix": "", "decimals": 0}}


def spec(kind="category", categories=("a", "b"), blank=False):
    return {"kind": kind, "blank": blank, "categories": list(categories)}


def test_the_range_groups_follow_the_column_whose_errors_differ_most():
    rng = np.random.default_rng(0)
    n = 400
    narrow = np.where(np.arange(n) // 4 % 2 == 0, "a", "b")  # errors 1 vs 1.3
    wide = np.where(np.arange(n) % 4 == 0, "x", "y")  # errors 1 vs 3, 100 and 300 rows
    residuals = np.abs(rng.normal(size=n)) * np.where(wide == "y", 3.0, 1.0) \
        * np.where(narrow == "b", 1.3, 1.0)
    inputs = {"narrow": spec(), "wide": spec(categories=("x", "y")),
              "number": {"kind": "number", "blank": False}}
    columns_ = {"narrow": narrow, "wide": wide, "number": rng.normal(size=n)}
    assert grouping_column(inputs, columns_, residuals) == "wide"
    # The rule's measure: largest over smallest group quantile at the range's coverage.
    spreads = {name: max(q) / min(q) for name in ("narrow", "wide") for q in
               [[np.quantile(residuals[columns_[name] == v], COVERAGE)
                 for v in inputs[name]["categories"]]]}
    assert spreads["wide"] > 2 > 1.5 > spreads["narrow"] > 1.0
    # A column with blanks, or with a group under MIN_GROUP rows, cannot split the range.
    assert grouping_column(inputs | {"wide": spec(categories=("x", "y"), blank=True)},
                           columns_, residuals) == "narrow"
    small = np.where(np.arange(n) < MIN_GROUP - 1, "x", "y")
    assert grouping_column({"wide": spec(categories=("x", "y"))}, {"wide": small},
                           residuals) is None
    assert grouping_column({"number": inputs["number"]}, columns_, residuals) is None
