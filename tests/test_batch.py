"""tabular/batch.py without Flask: reading, checking, scoring and writing a CSV file."""
import csv
import io

import numpy as np
import pandas as pd
import pytest

from tabular import batch
from tabular.batch import BatchError
from tests.support import FIELDS

HEADER = ",".join(FIELDS)
VALID_ROW = "19,female,27.9,0,yes,southwest"


def csv_bytes(rows: list[dict], columns=None) -> bytes:
    return pd.DataFrame(rows, columns=columns).to_csv(index=False).encode()


def refusal(content: bytes, model, **kwargs) -> list[str]:
    with pytest.raises(BatchError) as caught:
        batch.score_csv(content, model, **kwargs)
    return caught.value.messages


def test_every_row_is_scored_in_order_with_extra_columns_kept(model, data, pipeline_predict,
                                                               pipeline_ranges):
    rows = data.sample(200, random_state=1).assign(customer=lambda d: [f"c{i}" for i in range(len(d))])
    shuffled_columns = ["customer", "region", "smoker", "children", "bmi", "sex", "age", "charges"]
    out = pd.read_csv(io.BytesIO(batch.score_csv(csv_bytes(rows[shuffled_columns].to_dict("records"),
                                                             shuffled_columns), model)))
    assert list(out.columns) == shuffled_columns + ["predicted_charges", "predicted_low",
                                                    "predicted_high"]
    assert list(out.customer) == list(rows.customer)
    want = pipeline_predict(model, rows.to_dict("records"))
    np.testing.assert_allclose(out.predicted_charges, want, atol=0.005)
    low, high = np.array(pipeline_ranges(model, rows.to_dict("records"))).T
    np.testing.assert_allclose(out.predicted_low, low, atol=0.005)
    np.testing.assert_allclose(out.predicted_high, high, atol=0.005)
    assert (out.predicted_low.round(2) == out.predicted_low).all()  # to the cent
    assert (0 <= out.predicted_low).all() and (out.predicted_low <= out.predicted_charges).all()
    assert (out.predicted_charges <= out.predicted_high).all()


def test_fifty_thousand_rows_score_in_one_upload(model, data, pipeline_predict):
    big = pd.concat([data] * 38, ignore_index=True).head(50_000)
    out = pd.read_csv(io.BytesIO(batch.score_csv(big.to_csv(index=False).encode(), model)))
    assert len(out) == 50_000
    sample = big.iloc[::5000]
    np.testing.assert_allclose(out.predicted_charges.iloc[::5000],
                               pipeline_predict(model, sample.to_dict("records")), atol=0.005)


def test_one_bad_row_refuses_the_whole_file_naming_row_and_column(model, data):
    rows = data.head(5).to_dict("records")
    rows[1]["age"] = "abc"          # spreadsheet row 3
    rows[3]["smoker"] = "sometimes"  # spreadsheet row 5
    messages = refusal(csv_bytes(rows), model)
    assert messages[0].startswith("Nothing was scored")
    assert "Row 3, age: must be a number, like 41." in messages
    assert "Row 5, smoker: must be one of no, yes." in messages


def test_only_the_first_errors_are_listed(model, data):
    rows = data.head(30).assign(age="x").to_dict("records")
    messages = refusal(csv_bytes(rows), model)
    assert len(messages) == 1 + batch.ERRORS_SHOWN + 1
    assert messages[-1] == "… and 20 more problems."


@pytest.mark.parametrize("content, expected", [
    (b"", "The file is empty."),
    (b"   \n\n", "The file is empty."),
    (HEADER.encode() + b"\n", "The file has a header but no rows to score."),
    (b"age,sex,bmi\n19,female,27.9\n", "The header lacks the columns children, smoker, region."),
    (b"age|sex|bmi|children|smoker|region\n19|female|27.9|0|yes|southwest\n",
     "The values are separated by “|”, not by commas. Save the file as CSV, with commas (or "
     "semicolons, or tabs) between values."),
    ("age,sex,bmi,children,smoker,region\n19,f\xe9male,27.9,0,yes,southwest\n".encode("latin-1"),
     "Row 2 has a character that is not UTF-8 text, in “fémale”"),
    (HEADER.encode() + b"\n19,female,27.9,0,yes,southwest\n19,female,27.9,0,yes,southwest,extra\n",
     "Row 3 has more cells than the header."),
])
def test_malformed_files_get_a_clear_message(model, content, expected):
    assert refusal(content, model)[0].startswith(expected)


@pytest.mark.parametrize("content, expected", [
    (HEADER.encode() + b",age\n", "The header names age more than once."),
    (HEADER.encode() + b",\n19,female,27.9,0,yes,southwest,x\n",
     "Column G has values but no name in the header (row 2 first). Name it in row 1, or "
     "delete the column, and upload again."),
    (HEADER.encode() + b"\n19,female,27.9,0,yes,south\x00west\n",
     "The file contains NUL bytes: it is not a text CSV file."),
    (HEADER.encode() + b'\n19,female,27.9,0,yes,"southwest\n',
     "A quoted cell opened in row 2 is never closed."),
    (b"\n" + HEADER.encode() + b"\n", "The first line must be a header naming the columns."),
    (HEADER.encode() + b",predicted_charges\n19,female,27.9,0,yes,southwest,1\n",
     "The file already has a predicted_charges column; remove or rename it and upload again."),
    (HEADER.encode() + b",predicted_low\n19,female,27.9,0,yes,southwest,1\n",
     "The file already has a predicted_low column; remove or rename it and upload again."),
    (b"predicted_high," + HEADER.encode() + b"\n1,19,female,27.9,0,yes,southwest\n",
     "The file already has a predicted_high column; remove or rename it and upload again."),
])
def test_header_and_parse_problems_are_named(model, content, expected):
    assert refusal(content, model) == [expected]


def test_blank_lines_are_skipped_but_rows_keep_their_spreadsheet_numbers(model):
    content = HEADER.encode() + b"\n19,female,27.9,0,yes,southwest\n\n\n300,female,27.9,0,yes,southwest\n\n"
    assert "Row 5, age: must be from 18 to 64." in refusal(content, model)
    good = HEADER.encode() + b"\n19,female,27.9,0,yes,southwest\n\n20,male,30,1,no,northeast\n\n"
    assert len(pd.read_csv(io.BytesIO(batch.score_csv(good, model)))) == 2


def test_header_names_are_trimmed_and_quoted_newlines_stay_in_their_cell(model):
    content = (" age , sex ,bmi,children,smoker,region,note\n"
               '19,female,27.9,0,yes,southwest,"two\nlines"\n').encode()
    out = pd.read_csv(io.BytesIO(batch.score_csv(content, model)))
    assert list(out.columns[:6]) == list(FIELDS) and out.note[0] == "two\nlines"


def test_unicode_digits_are_not_numbers(model):
    content = HEADER.encode() + "\n١٩,female,27.9,0,yes,southwest\n".encode()
    assert "Row 2, age: must be a number, like 41." in refusal(content, model)


def test_a_short_row_names_its_missing_cells(model):
    messages = refusal(HEADER.encode() + b"\n19,female,27.9\n", model)
    assert "Row 2, children: is required." in messages
    assert "Row 2, region: is required." in messages


def test_a_row_limit_applies(model, data):
    messages = refusal(data.head(11).to_csv(index=False).encode(), model, max_rows=10)
    assert messages[0].startswith("The file has more than 10 rows; split it into parts")


def test_wide_files_get_fewer_rows_so_memory_stays_bounded(model, data):
    wide = data.head(3).assign(**{f"extra{i}": "x" for i in range(93)})  # 100 columns
    assert len(pd.read_csv(io.BytesIO(batch.score_csv(wide.to_csv(index=False).encode(), model)))) == 3
    rows_allowed = batch.MAX_CELLS // 100
    too_long = pd.concat([wide] * (rows_allowed // 3 + 1), ignore_index=True)
    messages = refusal(too_long.to_csv(index=False).encode(), model)
    assert messages[0].startswith(f"The file has more than {rows_allowed:,} rows")


def test_too_many_columns_are_refused_before_parsing(model):
    header = ",".join(list(FIELDS) + [f"c{i}" for i in range(40_000)])
    assert refusal((header + "\n").encode(), model) == [
        "The file has 40,006 columns; at most 100 are accepted."]


def test_excel_utf8_bom_is_accepted_and_given_back(model, data):
    content = "\ufeff".encode() + data.head(2).assign(name="José").to_csv(index=False).encode()
    out = batch.score_csv(content, model)
    assert out.startswith("\ufeff".encode())  # so Excel reads José, not JosÃ©
    assert pd.read_csv(io.BytesIO(out), encoding="utf-8-sig").name.tolist() == ["José", "José"]
    assert not batch.score_csv(content[3:], model).startswith("\ufeff".encode())


def test_formulas_in_cells_and_header_are_not_written_back_live(model, data):
    rows = data.head(6).assign(note=["=HYPERLINK(\"x\")", "+1+2", "@SUM(A1)", "-3.5",
                                     " =1+1", "\uff1d1+1"])
    rows = rows.rename(columns={"charges": "=cmd|'/c calc'!A0"})
    out = batch.score_csv(rows.to_csv(index=False).encode(), model).decode()
    cells = [cell for row in csv.reader(io.StringIO(out)) for cell in row]
    assert not any(cell.lstrip()[:1] in "=+@\uff1d" for cell in cells)
    assert "'=HYPERLINK(\"x\")" in cells and "'+1+2" in cells and "'@SUM(A1)" in cells
    assert "' =1+1" in cells and "'\uff1d1+1" in cells
    assert "-3.5" in cells  # a plain negative number is a number, not a formula
    assert "'=cmd|'/c calc'!A0" in cells


@pytest.mark.parametrize("chunk_rows", [1, 2, 3, 7])
def test_chunks_change_nothing_in_the_download_or_the_problems(model, data, monkeypatch,
                                                                chunk_rows):
    rows = data.head(9).to_csv(index=False).splitlines()
    # blank lines at the start and across chunk boundaries, and a BOM
    content = ("\ufeff" + rows[0] + "\n\n\n" + "\n".join(rows[1:5]) + "\n\n"
               + "\n".join(rows[5:]) + "\n").encode()
    whole = batch.score_csv(content, model)
    monkeypatch.setattr(batch, "CHUNK_ROWS", chunk_rows)
    assert batch.score_csv(content, model) == whole
    assert whole.decode().count("predicted_charges") == 1 and whole.startswith("\ufeff".encode())
    bad = content.replace(b",yes,", b",maybe,")
    problems = refusal(bad, model)
    smokers = (data.head(9).smoker == "yes").sum()
    assert len(problems) == 1 + min(smokers, batch.ERRORS_SHOWN)
    assert problems[1].startswith("Row ") and "smoker: must be one of no, yes." in problems[1]


@pytest.mark.parametrize("sent, saved", [
    ("people.csv", "people-predictions.csv"),
    ("C:\\Users\\ana\\people.csv", "people-predictions.csv"),
    ("/home/ana/people.v2.csv", "people.v2-predictions.csv"),
    (".csv", "predictions.csv"),
    ('a"b\r\nX: y;é.csv', "a_b__X__y__-predictions.csv"),
    ("people", "people-predictions.csv"),
    ("people.xlsx", "people-predictions.csv"),
    ("people.TXT", "people-predictions.txt"),  # tab-separated, as Excel saves "Text"
    ("people.tsv", "people-predictions.tsv"),
])
def test_download_names_are_safe(sent, saved):
    assert batch.download_name(sent) == saved


@pytest.mark.parametrize("at", [2, 4, batch.CHUNK_ROWS + 2, 2 * batch.CHUNK_ROWS + 1])
def test_a_row_with_extra_cells_is_refused_wherever_it_falls(model, at):
    # pandas drops the extra cells of a chunk's first row with only a warning.
    rows = [VALID_ROW] * (at - 2) + [VALID_ROW + ",EXTRA,MORE", VALID_ROW]
    content = (HEADER + "\n" + "\n".join(rows) + "\n").encode()
    assert refusal(content, model) == [f"Row {at} has more cells than the header. Every row "
                                       "needs one cell per column, separated by commas."]


def test_blank_lines_neither_cut_a_file_short_nor_let_it_past_the_row_limit(model):
    rows = [VALID_ROW] * 5 + ["", ",,,,,", VALID_ROW]
    content = (HEADER + "\n" + "\n".join(rows) + "\n").encode()
    out = pd.read_csv(io.BytesIO(batch.score_csv(content, model, max_rows=6)))
    assert len(out) == 6  # every row with a value, though the file has 8 lines
    spaced = (HEADER + "\n" + "\n\n".join([VALID_ROW] * 10) + "\n").encode()
    assert refusal(spaced, model, max_rows=9)[0].startswith("The file has more than 9 rows")


def test_numbers_with_a_decimal_comma_in_a_comma_file_are_read_and_kept_as_written(
        model, pipeline_predict, person):
    content = (HEADER + '\n19,Female,"27,9",0,YES,southWest\n').encode()
    out = pd.read_csv(io.BytesIO(batch.score_csv(content, model)), dtype=str)
    assert out.bmi[0] == "27,9" and out.sex[0] == "Female"
    assert float(out.predicted_charges[0]) == pytest.approx(pipeline_predict(model, [person])[0],
                                                            abs=0.005)
    unclear = (HEADER + '\n19,female,"1,000",0,yes,southwest\n').encode()
    assert ("Row 2, bmi: could be 1.000 or 1000; write the one you mean."
            in refusal(unclear, model))
