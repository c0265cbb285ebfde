"""tabular/sheet.py through batch.score_csv: what kind of file an upload is, its separator,
decimal mark and header, as spreadsheets write them (real LibreOffice files: test_upload.py)."""
import io

import numpy as np
import pandas as pd
import pytest

from tabular import batch, sheet
from tests.test_batch import HEADER, VALID_ROW, refusal
from tests.support import FIELDS


@pytest.mark.parametrize("index, name", [(0, "A"), (6, "G"), (25, "Z"), (26, "AA"),
                                         (51, "AZ"), (52, "BA"), (701, "ZZ"), (702, "AAA")])
def test_columns_are_named_as_a_spreadsheet_names_them(index, name):
    assert sheet.letter(index) == name


def test_headers_in_any_case_and_spacing_are_the_training_columns_and_come_back_as_sent(
        model, data, pipeline_predict):
    rows = data.head(4).drop(columns="charges")
    sent = [" AGE", "Sex ", "Bmi", "CHILDREN", "smoker", "Region"]
    content = rows.set_axis(sent, axis=1).to_csv(index=False).encode()
    out = pd.read_csv(io.BytesIO(batch.score_csv(content, model)))
    assert list(out.columns) == ["AGE", "Sex", "Bmi", "CHILDREN", "smoker", "Region",
                                 "predicted_charges", "predicted_low", "predicted_high"]
    np.testing.assert_allclose(out.predicted_charges,
                               pipeline_predict(model, rows.to_dict("records")), atol=0.005)
    bad = content.replace(b"\n19,", b"\nabc,")
    assert "Row 2, AGE: must be a number, like 41." in refusal(bad, model)  # the file's own name


@pytest.mark.parametrize("header, expected", [
    ("age,Age," + ",".join(FIELDS[1:]), "The header has 2 columns for age (age, Age); keep one "
                                        "and upload again."),
    (HEADER + ",Predicted_Charges", "The file already has a Predicted_Charges column; remove "
                                    "or rename it and upload again."),
])
def test_names_equal_but_for_case_are_refused_where_they_would_be_mixed_up(model, header,
                                                                           expected):
    assert refusal((header + "\n").encode(), model) == [expected]


def test_other_columns_may_differ_only_by_case_and_both_are_kept(model):
    content = ("Note,note," + HEADER + "\na,b," + VALID_ROW + "\n").encode()
    out = pd.read_csv(io.BytesIO(batch.score_csv(content, model)), dtype=str)
    assert list(out.columns[:2]) == ["Note", "note"] and out.note[0] == "b"

def test_a_semicolon_file_reads_decimal_commas_and_is_answered_in_kind(model, pipeline_predict):
    rows = ["33;male;22,705;0;no;northwest;-3,5;=1+1", "19;female;27.9;0;yes;southwest;x;y"]
    content = ("\ufeff" + ";".join(FIELDS) + ";n;f\r\n" + "\r\n".join(rows) + "\r\n").encode()
    out = batch.score_csv(content, model)
    assert out.startswith("\ufeff".encode())
    table = pd.read_csv(io.BytesIO(out), sep=";", decimal=",", encoding="utf-8-sig", dtype=str)
    assert table.bmi.tolist() == ["22,705", "27.9"] and table.n[0] == "-3,5"
    assert table.f[0] == "'=1+1"  # still defused
    want = pipeline_predict(model, [
        {"age": 33, "sex": "male", "bmi": 22.705, "children": 0, "smoker": "no", "region": "northwest"},
        {"age": 19, "sex": "female", "bmi": 27.9, "children": 0, "smoker": "yes", "region": "southwest"}])
    np.testing.assert_allclose(table.predicted_charges.str.replace(",", ".").astype(float), want,
                               atol=0.005)
    bad = content.replace(b"22,705", b"1.234,5")
    assert ("Row 2, bmi: must be written without thousands separators, like 1234,5."
            in refusal(bad, model))
    long = content.replace(b";x;y", b";x;y;z")
    assert refusal(long, model) == ["Row 3 has more cells than the header. Every row needs one "
                                    "cell per column, separated by semicolons."]


def test_a_tab_separated_file_is_read_and_answered_with_tabs(model, data, pipeline_predict):
    content = data.head(3).to_csv(index=False, sep="\t").encode()
    out = pd.read_csv(io.BytesIO(batch.score_csv(content, model)), sep="\t")
    np.testing.assert_allclose(out.predicted_charges,
                               pipeline_predict(model, data.head(3).to_dict("records")), atol=0.005)


@pytest.mark.parametrize("content, expected", [
    (b"PK\x03\x04\x14\x00" + b"\0" * 24 + b"xl/workbook.xml", "This is an Excel workbook"),
    (b"PK\x03\x04\x14\x00" + b"\0" * 24 + b"word/document.xml", "This is a ZIP archive"),
    (bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 100, "This is an Excel workbook"),
    (HEADER.encode("utf-16"), "This file is UTF-16 text"),
    ((HEADER + '\n19,female,27.9,0,yes,southwest,"a\nb"\n20,f\xe9male,27.9,0,yes,southwest\n')
     .replace(HEADER, HEADER + ",note").encode("cp1252"),
     "Row 3 has a character that is not UTF-8 text, in “fémale”"),  # a quoted newline is no row
    (HEADER.encode() + b",,\n19,female,27.9,0,yes,southwest,,\n20,female,27.9,0,yes,southwest,, 7\n",
     "Column H has values but no name in the header (row 3 first)."),
])
def test_what_a_file_is_and_where_its_problem_is_are_named(model, content, expected):
    assert refusal(content, model)[0].startswith(expected)
