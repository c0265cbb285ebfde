"""Training on data it was not written for: auto-mpg (an identifier left out, missing
horsepower, small integers, a text column) and cps1985 (seven text columns). Each card is
checked against the CSV as pandas reads it here, and each saved pipeline is used as the app
will use it: a frame built from the card's dtypes."""
import hashlib
import json

import joblib
import numpy as np
import pandas as pd
import pytest

from training import columns, holdout, train
from training.train import DEFAULT_DATA

pytestmark = pytest.mark.slow

DATA = DEFAULT_DATA.parent
DATASETS = ("auto-mpg", "cps1985")
TARGETS = {"auto-mpg": "mpg", "cps1985": "wage"}
# Each column's kind and dtype as the data's README describes the files (shared/data), not
# as the code infers them. horsepower is written "130.0" and has blanks, but every value is
# whole: an integer, as float64 for its blanks.
EXPECTED = {
    "auto-mpg": {"cylinders": ("integer", "int64"), "displacement": ("number", "float64"),
                 "horsepower": ("integer", "float64"), "weight": ("integer", "int64"),
                 "acceleration": ("number", "float64"), "model_year": ("integer", "int64"),
                 "origin": ("category", "object")},
    "cps1985": {"education": ("integer", "int64"), "experience": ("integer", "int64"),
                "age": ("integer", "int64")} | {
        name: ("category", "object") for name in
        ("ethnicity", "region", "gender", "occupation", "sector", "union", "married")},
}
CARD_KEYS = ["task", "model", "metrics", "rows", "versions", "sha256", "trained_at", "target",
             "inputs", "what_if", "interval", "ignored", "words"]


def card_of(trained, name: str) -> dict:
    return json.loads((trained[name] / "deployment.json").read_text())


@pytest.mark.parametrize("name", DATASETS)
def test_the_card_learns_each_input_from_the_data(trained, name):
    card = card_of(trained, name)
    data = pd.read_csv(DATA / f"{name}.csv")
    assert list(card) == CARD_KEYS and card["task"] == "regression"
    inputs = card["inputs"]
    assert {n: (s["kind"], s["dtype"]) for n, s in inputs.items()} == EXPECTED[name]
    assert list(inputs) == [c for c in data.columns if c in EXPECTED[name]]  # file order
    for column, spec in inputs.items():
        values = data[column].dropna()
        assert spec["label"] == column and spec["help"] is None
        assert spec["blank"] is bool(data[column].isna().any())
        if spec["kind"] == "category":
            assert spec["categories"] == sorted(values.str.strip().unique())
        else:
            assert (spec["min"], spec["max"]) == (values.min(), values.max())
            if spec["kind"] == "integer":  # a whole number, for the form's whole-number rule
                assert isinstance(spec["median"], int)
                assert abs(spec["median"] - values.median()) <= 0.5
            else:
                assert spec["median"] == values.median()
    assert [n for n, s in inputs.items() if s["blank"]] == \
        (["horsepower"] if name == "auto-mpg" else [])
    assert card["ignored"] == (["car_name"] if name == "auto-mpg" else [])
    assert card["words"] == {}
    assert card["rows"]["total"] == len(data)


@pytest.mark.parametrize("name", DATASETS)
def test_the_card_describes_the_target(trained, name):
    target = card_of(trained, name)["target"]
    values = pd.read_csv(DATA / f"{name}.csv")[TARGETS[name]]
    assert target["name"] == target["label"] == TARGETS[name]
    # Neither target is whole (31.5 mpg, $5.10 an hour): two decimals, no unit.
    assert target["format"] == {"prefix": "", "suffix": "", "decimals": 2}
    quantiles = target["quantiles"]
    assert len(quantiles) == 101 and quantiles == sorted(quantiles)
    assert (quantiles[0], quantiles[100]) == (values.min(), values.max())
    assert quantiles[50] == pytest.approx(values.median(), abs=0.005)
    assert target["mean"] == pytest.approx(values.mean(), abs=0.005)


@pytest.mark.parametrize("name", DATASETS)
def test_without_a_describe_file_the_what_ifs_are_the_contracts_defaults(trained, name):
    card = card_of(trained, name)
    expected = []
    for column, spec in card["inputs"].items():
        if spec["kind"] != "category":
            expected.append({"field": column, "to": spec["median"],
                             "label": f"{column} at its median ({spec['median']:g})"})
        elif len(spec["categories"]) <= 6:
            expected.append({"field": column, "each": True, "label": f"{column}: {{value}}"})
    assert card["what_if"] == expected
    assert len(expected) == len(EXPECTED[name])  # no category here has more than 6 values


def test_auto_mpg_ranges_are_one_group_as_no_category_has_50_training_rows_each(trained):
    """origin's smallest group, Europe, has 70 cars: about 49 in the 70% training part."""
    spec = card_of(trained, "auto-mpg")["interval"]
    assert [(g["name"], g["where"], g["n"]) for g in spec["groups"]] == \
        [("everyone", {}, 398)]


def test_cps1985_ranges_split_by_the_category_whose_errors_differ_most(trained):
    card = card_of(trained, "cps1985")
    groups = card["interval"]["groups"]
    data = pd.read_csv(DATA / "cps1985.csv")
    [column] = {c for g in groups for c in g["where"]}
    assert card["inputs"][column]["kind"] == "category"
    assert [g["where"] for g in groups] == \
        [{column: [v]} for v in card["inputs"][column]["categories"]]
    assert [g["name"] for g in groups] == \
        [f"{column}: {v}" for v in card["inputs"][column]["categories"]]
    assert [g["n"] for g in groups] == [int((data[column] == g["where"][column][0]).sum())
                                        for g in groups]
    assert min(g["n"] for g in groups) >= 50 / 0.7  # every group has 50 training rows
    widths = [g["half_width"] for g in groups]
    assert max(widths) > 1.2 * min(widths)  # a split that matters


@pytest.mark.parametrize("name", DATASETS)
def test_the_saved_pipeline_predicts_a_row_built_from_the_card(trained, name):
    folder = trained[name]
    card = card_of(trained, name)
    assert card["sha256"] == hashlib.sha256((folder / "deployment.pkl").read_bytes()).hexdigest()
    pipeline = joblib.load(folder / "deployment.pkl")
    assert [c for c in pipeline.feature_names_in_ if c != TARGETS[name]] == list(card["inputs"])
    typical = {c: [s["categories"][0] if s["kind"] == "category" else s["median"]]
               for c, s in card["inputs"].items()}
    blank = {c: [np.nan if s["blank"] else typical[c][0]] for c, s in card["inputs"].items()}
    dtypes = {c: s["dtype"] for c, s in card["inputs"].items()}
    for row in (typical, blank):
        [value] = pipeline.predict(pd.DataFrame(row).astype(dtypes))
        assert card["target"]["quantiles"][0] / 2 <= value <= 2 * card["target"]["quantiles"][100]


@pytest.mark.parametrize("name", DATASETS)
def test_the_saved_pipeline_fits_its_training_rows_better_than_cross_validation(trained, name):
    """The finalized model saw every row: its error on them is below the CV estimate, which
    it would not be if the frame the app builds from the card differed from training's."""
    card = card_of(trained, name)
    pipeline = joblib.load(trained[name] / "deployment.pkl")
    typed, raw = columns.read_csv(DATA / f"{name}.csv")
    # The frame training fitted on, rebuilt from the file and the card's kinds alone, has the
    # dtypes the card records: what the app builds its frames with.
    fitted = columns.frame(typed, raw, {c: s["kind"] for c, s in card["inputs"].items()})
    assert fitted.dtypes.astype(str).to_dict() == {c: s["dtype"] for c, s in
                                                   card["inputs"].items()}
    frame = holdout.inputs_frame(typed, raw, card)
    mae = np.abs(pipeline.predict(frame) - typed[TARGETS[name]].to_numpy()).mean()
    assert mae < card["metrics"]["cv"]["MAE"]


@pytest.fixture(scope="module")
def with_blanks(trained):
    """cps1985 with occupation and experience left blank on every 12th row: trained once."""
    out = trained["cps1985-blanks"]
    return out, pd.read_csv((out / "TRAINED_ON").read_text())


def test_a_blank_category_is_imputed_with_the_most_frequent_one(with_blanks):
    """The card says which inputs may be blank; a blank is NaN in the frame, for a category
    too, and the pipeline answers as for the training rows' most frequent category."""
    out, data = with_blanks
    card = json.loads((out / "deployment.json").read_text())
    pipeline = joblib.load(out / "deployment.pkl")
    assert [n for n, s in card["inputs"].items() if s["blank"]] == ["experience", "occupation"]
    assert card["inputs"]["experience"]["dtype"] == "float64"  # an integer column with blanks
    assert card["inputs"]["experience"]["kind"] == "integer"
    dtypes = {c: s["dtype"] for c, s in card["inputs"].items()}
    row = {c: [s["categories"][0] if s["kind"] == "category" else s["median"]]
           for c, s in card["inputs"].items()}
    mode = data["occupation"].mode()[0]
    blank, filled = (pipeline.predict(pd.DataFrame(row | {"occupation": [value]})
                                      .astype(dtypes))[0] for value in (np.nan, mode))
    assert blank == filled
    # A column with blanks cannot split the range: a blank row would fall in no group.
    assert "occupation" not in {c for g in card["interval"]["groups"] for c in g["where"]}


@pytest.fixture(scope="module")
def below_zero(tmp_path_factory):
    """cps1985 with 12 taken off every wage, so that about a third of them are negative."""
    out = tmp_path_factory.mktemp("below-zero")
    data = pd.read_csv(DATA / "cps1985.csv")
    data["wage"] -= 12
    data.to_csv(out / "below-zero.csv", index=False)
    assert train.main(["--data", str(out / "below-zero.csv"), "--target", "wage",
                       "--out", str(out)]) == 0
    return out, data


def test_a_target_that_went_below_zero_gets_ranges_below_zero(below_zero):
    """Only a target never negative in training is floored at 0: here the API's ranges are
    the pipeline's own estimate plus or minus the card's half-width, negative ones too."""
    from app import create_app

    out, data = below_zero
    card = json.loads((out / "deployment.json").read_text())
    assert card["interval"]["floor"] is None and "floored" not in card["interval"]["method"]
    client = create_app({"TESTING": True,
                         "MODEL_PATH": str(out / "deployment.pkl")}).test_client()
    rows = data.drop(columns="wage").head(40)
    body = rows.to_json(orient="records")
    answer = client.post("/api/predict", data=body, content_type="application/json").json
    pipeline = joblib.load(out / "deployment.pkl")
    want = pipeline.predict(rows.astype({c: s["dtype"] for c, s in card["inputs"].items()}))
    for got, value, row in zip(answer["intervals"], want, rows.to_dict("records")):
        half = next(g["half_width"] for g in card["interval"]["groups"]
                    if all(row[c] in v for c, v in g["where"].items()))
        assert got["low"] == pytest.approx(value - half, abs=1e-9)
        assert got["high"] == pytest.approx(value + half, abs=1e-9)
    assert min(g["low"] for g in answer["intervals"]) < 0
