"""Every training error is a message on stderr and exit code 2, never a traceback, and
leaves nothing written: `python -m training.train` run as its owner runs it."""
import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from training.train import DEFAULT_DATA, ROOT

DATA = DEFAULT_DATA.parent


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "training.train", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def write(folder, name: str, text: str | bytes):
    path = folder / name
    path.write_bytes(text) if isinstance(text, bytes) else path.write_text(text)
    return str(path)


def frame_csv(folder, name: str, frame: pd.DataFrame) -> str:
    frame.to_csv(folder / name, index=False)
    return str(folder / name)


@pytest.fixture
def files(tmp_path):
    insurance = pd.read_csv(DEFAULT_DATA)
    penguins = pd.read_csv(DATA / "penguins.csv")
    chinstrap = penguins.index[penguins.species == "Chinstrap"]
    rng = np.random.default_rng(0)
    return {
        "manyclasses": frame_csv(tmp_path, "many.csv", insurance.assign(
            label=[f"c{i % 21}" for i in range(len(insurance))])),
        "fewclass": frame_csv(tmp_path, "fewclass.csv", penguins.drop(chinstrap[14:])),
        "barclass": frame_csv(tmp_path, "barclass.csv", penguins.assign(
            species=penguins.species.replace("Chinstrap", "Chin|strap"))),
        "classgaps": frame_csv(tmp_path, "classgaps.csv", penguins.assign(
            species=penguins.species.where(penguins.index % 100 != 0))),
        "oneclass": frame_csv(tmp_path, "oneclass.csv", insurance.assign(label="a")),
        "missing": str(tmp_path / "nowhere.csv"),
        "binary": write(tmp_path, "image.csv", b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe\x00"),
        "empty": write(tmp_path, "empty.csv", ""),
        "ragged": write(tmp_path, "ragged.csv", "a,b\n1,2\n3,4,5,6\n"),
        "repeated": write(tmp_path, "repeated.csv", "age,age,charges\n" + "1,2,3\n" * 60),
        "few": frame_csv(tmp_path, "few.csv", insurance.head(49)),
        "wide": frame_csv(tmp_path, "wide.csv", pd.DataFrame(
            rng.normal(size=(60, 102)), columns=[f"x{i}" for i in range(101)] + ["y"])),
        "constant": frame_csv(tmp_path, "constant.csv", insurance.assign(charges=100.0)),
        "gaps": frame_csv(tmp_path, "gaps.csv", insurance.assign(
            charges=insurance.charges.where(insurance.index % 100 != 0))),
        "emptycol": frame_csv(tmp_path, "emptycol.csv", insurance.assign(note=np.nan)),
        "infinite": frame_csv(tmp_path, "infinite.csv", insurance.assign(
            bmi=insurance.bmi.where(insurance.index != 7, np.inf))),
        "infinite_target": frame_csv(tmp_path, "infinite_target.csv", insurance.assign(
            charges=insurance.charges.where(insurance.index != 7, -np.inf))),
        "folder": str(tmp_path),
    }


def describe(tmp_path, content) -> str:
    return write(tmp_path, "describe.json", content if isinstance(content, str)
                 else json.dumps(content))


INSURANCE = str(DATA / "insurance.csv")
CARS = ["--data", str(DATA / "auto-mpg.csv"), "--target", "mpg"]

CASES = [
    (["--data", "{missing}"], "nowhere.csv: no such file"),
    (["--data", "{binary}"], "is not a CSV file (not UTF-8 text)"),
    (["--data", "{empty}"], "is empty"),
    (["--data", "{ragged}", "--target", "a"], "is not a CSV file pandas can read"),
    (["--data", "{repeated}"], "the header names 'age' more than once"),
    (["--data", "{folder}"], "is a folder, not a CSV file"),
    (["--data", INSURANCE, "--target", "price"],
     "no column 'price'; its columns are: age, sex, bmi, children, smoker, region, charges"),
    (["--data", INSURANCE, "--task", "classification"],
     "the target 'charges' has 1337 classes: at most 20 are supported (is it the right column?)"),
    (["--data", "{manyclasses}", "--target", "label"], "the target 'label' has 21 classes"),
    (["--data", "{barclass}", "--target", "species"],
     "the class 'Chin|strap' of 'species' holds a '|'"),
    (["--data", "{fewclass}", "--target", "species"], "the class 'Chinstrap' of 'species' has "
     "14 row(s): each class needs at least 15, so that every cross-validation fold holds one"),
    (["--data", "{classgaps}", "--target", "species"],
     "the target 'species' is missing on 4 row(s)"),
    (["--data", "{oneclass}", "--target", "label"],
     "the target 'label' has the same value on every row"),
    (["--data", INSURANCE, "--target", "smoker", "--method", "reference"],
     "needs numeric age and bmi inputs and a numeric target"),
    (["--data", str(DATA / "auto-mpg.csv"), "--target", "origin", "--task", "regression",
      "--ignore", "car_name"], "holds text, not numbers"),
    (["--data", "{constant}"], "the target 'charges' has the same value on every row"),
    (["--data", "{gaps}"], "the target 'charges' is missing on 14 row(s)"),
    (["--data", "{few}"], "49 rows: at least 50 are needed"),
    (["--data", "{emptycol}"], "'note' is empty on every row: leave it out with --ignore note"),
    (["--data", "{infinite}"], "the column 'bmi' holds an infinite number"),
    (["--data", "{infinite_target}"], "the target 'charges' holds an infinite number"),
    (["--data", "{wide}", "--target", "y"], "101 input columns: at most 100"),
    (CARS, "'car_name' looks like an identifier (304 distinct text values in 398 rows)"
           ", not something a model can learn from: leave it out with --ignore car_name"),
    (CARS + ["--ignore", "car"], "--ignore names 'car', which is not a column"),
    (CARS + ["--ignore", "mpg"], "--ignore names the target 'mpg'"),
    (CARS + ["--ignore", "cylinders", "displacement", "horsepower", "weight", "acceleration",
             "model_year", "origin", "car_name"], "no input column is left"),
]


@pytest.mark.parametrize("args, message", CASES, ids=[m[:40] for _, m in CASES])
def test_a_training_error_is_a_message_and_exit_code_2(args, message, files, tmp_path):
    out = tmp_path / "out"
    done = run(*[a.format(**files) for a in args], "--out", str(out))
    assert done.returncode == 2, done.stderr
    assert message in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
    assert not out.exists()


DESCRIBE_CASES = [
    ("{", "is not valid JSON"),
    ([], "the top level must be an object"),
    ({"title": "Cars"}, "the top level has an unknown key 'title'"),
    ({"inputs": {"colour": {"label": "Colour"}}}, "'colour' is not an input column"),
    ({"inputs": {"car_name": {"label": "Name"}}}, "'car_name' is left out by --ignore"),
    ({"inputs": {"weight": {"label": 3}}}, "\"inputs\" → 'weight' → 'label' must be text"),
    ({"inputs": {"weight": {"unit": "lb"}}}, "has an unknown key 'unit'"),
    ({"inputs": {"weight": {"kind": "integer"}}}, "\"kind\" can only be \"category\""),
    ({"target": {"format": {"decimals": 1.5}}}, "\"decimals\" must be a whole number"),
    ({"target": {"format": {"prefix": "$", "unit": "mpg"}}}, "has an unknown key 'unit'"),
    ({"what_if": {"field": "weight"}}, "\"what_if\" must be a list"),
    ({"what_if": [{"field": "weight", "label": "Heavier"}]}, "one of \"to\", \"by\", \"each\""),
    ({"what_if": [{"field": "wheels", "by": 1, "label": "x"}]}, "'wheels' is not an input"),
    ({"what_if": [{"field": "origin", "to": "Mars", "label": "x"}]},
     "\"to\" must be one of the categories of 'origin': Europe, Japan, USA"),
    ({"what_if": [{"field": "weight", "to": 99999, "label": "x"}]}, "\"to\" must be a whole number from 1613 to 5140"),
    ({"what_if": [{"field": "origin", "by": 1, "label": "x"}]}, "\"by\" must be a number, on a"),
    ({"what_if": [{"field": "weight", "each": True, "label": "x"}]}, "\"each\" must be true, on"),
    ({"groups": {"origin": {"Mars": "Martians"}}}, "\"groups\" → 'origin': no category 'Mars'"),
    ({"groups": {"colour": {}}}, "'colour' is not an input column"),
    ({"groups": {"weight": {}}}, "\"groups\" → 'weight' is not a category input"),
    ({"groups": {"origin": {"USA": "A", "Japan": "A"}}}, "two groups share a name"),
    ({"words": {"title": 3}}, "\"words\" → 'title' must be text or a list of texts"),
]


@pytest.mark.parametrize("content, message", DESCRIBE_CASES,
                         ids=[m[:40] for _, m in DESCRIBE_CASES])
def test_a_bad_describe_file_is_a_message_and_exit_code_2(content, message, tmp_path):
    out = tmp_path / "out"
    done = run(*CARS, "--ignore", "car_name", "--describe", describe(tmp_path, content),
               "--out", str(out))
    assert done.returncode == 2, done.stderr
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert not out.exists()


def test_a_missing_describe_file_is_named(tmp_path):
    done = run("--describe", str(tmp_path / "words.json"), "--out", str(tmp_path / "out"))
    assert done.returncode == 2 and "words.json: no such file" in done.stderr


def test_an_output_folder_that_cannot_be_made_is_a_message(tmp_path):
    (tmp_path / "a-file").write_text("")
    done = run("--out", str(tmp_path / "a-file" / "model"))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert f"cannot create the folder {tmp_path / 'a-file' / 'model'}: Not a directory" \
        in done.stderr


def test_the_reference_method_needs_the_insurance_columns():
    done = run(*CARS, "--ignore", "car_name", "--method", "reference", "--out", "/nowhere")
    assert done.returncode == 2 and "needs numeric age and bmi inputs" in done.stderr
