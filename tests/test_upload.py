"""The upload on the page: POST /batch answers a CSV download, or the page with the errors.
Files under tests/files/ were written by LibreOffice (tests/files/make_files.sh)."""
import html as htmltext
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import event, example, given, strategies as st

from tests.clients import request
from tests.person import VALID
from tabular import batch
from tests import strategies
from tests.support import CATEGORICAL, FIELDS

HEADER = ",".join(FIELDS)
FILES = Path(__file__).parent / "files"
OUTPUT = ["predicted_charges", "predicted_low", "predicted_high"]
DIALECTS = {"people-en.csv": {}, "people-trailing.csv": {},
            "people-de.csv": {"sep": ";", "decimal": ","}, "people-tab.csv": {"sep": "\t"}}
EXCEL = ("This is an Excel workbook, not a CSV file. In Excel choose File › Save As › "
         "CSV UTF-8, then upload that.")


def upload(client, content: bytes, name="people.csv"):
    return client.post("/batch", data={"file": (io.BytesIO(content), name)},
                       content_type="multipart/form-data")


def test_upload_answers_a_csv_download(client, model, data, pipeline_predict):
    response = upload(client, data.head(3).to_csv(index=False).encode(), "my list.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="my_list-predictions.csv"'
    out = pd.read_csv(io.BytesIO(response.data))
    np.testing.assert_allclose(out.predicted_charges,
                               pipeline_predict(model, data.head(3).to_dict("records")), atol=0.005)


def test_bad_upload_is_400_with_the_page_listing_the_errors(client):
    response = upload(client, HEADER.encode() + b"\n300,female,27.9,0,yes,southwest\n")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="batch-errors"' in html and "Row 2, age: must be from 18 to 64." in html


def test_the_page_states_the_limits_that_apply(client):
    html = client.get("/").get_data(as_text=True)
    assert f"Up to 10 MB, {batch.MAX_ROWS:,} rows\n    and {batch.MAX_COLUMNS} columns." in html


def test_upload_without_a_file_is_400(client):
    response = client.post("/batch", data={})
    assert response.status_code == 400
    assert "Choose a CSV file" in response.get_data(as_text=True)


def test_oversized_upload_is_413_with_a_message(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    response = upload(client, b"x" * (1024 * 1024 + 1))
    assert response.status_code == 413
    assert "larger than 1 MB" in response.get_data(as_text=True)


def test_an_upload_from_another_site_is_refused(client, data):
    response = client.post("/batch", data={"file": (io.BytesIO(b"age\n1\n"), "a.csv")},
                           content_type="multipart/form-data",
                           headers={"Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 403
    assert "another website" in response.get_data(as_text=True)


@strategies.FAST
@example([[VALID[name] for name in FIELDS]] * 2, True, ",")
@example([[VALID[name].title() for name in FIELDS]] * 2, True, ";")
@given(strategies.CSV_ROW, st.booleans(), st.sampled_from([",", ";", "\t"]))
def test_any_csv_upload_is_a_download_or_a_400(client, model, pipeline_predict, rows, with_header,
                                               sep):
    lines = ([sep.join(FIELDS)] if with_header else []) + [sep.join(row) for row in rows]
    content = "\n".join(lines).encode()
    response = client.post("/batch", data={"file": (io.BytesIO(content), "x.csv")},
                           content_type="multipart/form-data")
    event(f"HTTP {response.status_code}")
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        out = pd.read_csv(io.BytesIO(response.data), dtype=str, keep_default_na=False, sep=sep)
        decimal = "," if sep == ";" else "."
        records = [model.schema.validate(r, decimal=decimal)[0]
                   for r in out[list(FIELDS)].to_dict("records")]
        assert out.predicted_charges.str.replace(decimal, ".").astype(float).tolist() == \
            pytest.approx(pipeline_predict(model, records), abs=0.005)
    else:
        assert 'id="batch-errors"' in response.get_data(as_text=True)


def test_a_form_of_too_many_parts_is_413_saying_so_not_blaming_the_size(client):
    fields = {f"f{i}": "x" for i in range(1_200)}  # werkzeug's max_form_parts is 1,000
    response = client.post("/batch", data={**fields, "file": (io.BytesIO(b"a"), "a.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert "too many parts" in html and "larger than" not in html


def people() -> pd.DataFrame:
    """The rows of the LibreOffice files, read by pandas alone and spelt as in training."""
    rows = pd.read_csv(FILES / "people-en.csv").rename(columns=str.lower)
    return rows.assign(**{name: rows[name].str.lower() for name in CATEGORICAL})


def errors_on(response) -> str:
    assert response.status_code == 400
    return htmltext.unescape(response.get_data(as_text=True))


@pytest.mark.parametrize("name", DIALECTS)
def test_csv_files_as_libreoffice_writes_them_are_scored_as_the_pipeline_scores_the_rows(
        client, model, pipeline_predict, pipeline_ranges, name):
    content, dialect = (FILES / name).read_bytes(), DIALECTS[name]
    response = upload(client, content, name)
    assert response.status_code == 200
    out = pd.read_csv(io.BytesIO(response.data), **dialect)
    rows = people().to_dict("records")
    np.testing.assert_allclose(out.predicted_charges, pipeline_predict(model, rows), atol=0.005)
    low, high = np.array(pipeline_ranges(model, rows)).T
    np.testing.assert_allclose(out.predicted_low, low, atol=0.005)
    np.testing.assert_allclose(out.predicted_high, high, atol=0.005)
    # The person's header and cells come back as written; empty nameless columns do not.
    sent = pd.read_csv(io.BytesIO(content), dtype=str, keep_default_na=False, **dialect)
    sent = sent.loc[:, ~sent.columns.str.startswith("Unnamed")]
    back = pd.read_csv(io.BytesIO(response.data), dtype=str, keep_default_na=False, **dialect)
    assert list(back.columns) == list(sent.columns) + OUTPUT
    pd.testing.assert_frame_equal(back[sent.columns], sent)


def test_a_european_file_is_answered_with_semicolons_and_decimal_commas(client):
    content = (FILES / "people-de.csv").read_bytes()
    assert content.startswith(b"Age;Sex;BMI;") and b";27,9;" in content  # as LibreOffice wrote it
    lines = upload(client, content, "people-de.csv").data.decode().splitlines()
    assert lines[0] == "Age;Sex;BMI;Children;Smoker;Region;Name;" + ";".join(OUTPUT)
    assert lines[1].startswith("19;Female;27,9;0;Yes;Southwest;José Álvarez;")
    predicted = lines[1].split(";")[-3:]
    assert all("," in cell and "." not in cell for cell in predicted)


def test_trailing_empty_columns_are_dropped_but_one_with_a_value_is_named_by_its_letter(client):
    content = (FILES / "people-trailing.csv").read_bytes()
    assert content.splitlines()[0].endswith(b"Name,,")  # as LibreOffice wrote it
    lines = content.decode().splitlines()
    lines[5] += "oops"  # the second nameless column, I in a spreadsheet, on row 6
    response = upload(client, "\n".join(lines).encode())
    assert errors_on(response).count("Column I has values but no name in the header (row 6 "
                                     "first). Name it in row 1, or delete the column") == 1


@pytest.mark.parametrize("name, sent_as", [("people.xlsx", "people.xlsx"),
                                           ("people.xlsx", "people.csv"),
                                           ("people.xls", "people.xls"),
                                           ("people.xls", "people.csv")])
def test_an_excel_workbook_is_named_with_how_to_save_it_as_csv(client, name, sent_as):
    assert EXCEL in errors_on(upload(client, (FILES / name).read_bytes(), sent_as))


def test_a_libreoffice_workbook_is_named_with_how_to_save_it_as_csv(client):
    html = errors_on(upload(client, (FILES / "people.ods").read_bytes(), "people.csv"))
    assert ("This is a LibreOffice (OpenDocument) spreadsheet, not a CSV file. In LibreOffice "
            "choose File › Save a Copy, pick “Text CSV” with the character set UTF-8") in html


def test_a_windows_1252_file_names_the_row_and_the_text_and_how_to_save_it(client):
    content = (FILES / "people-1252.csv").read_bytes()
    rows = pd.read_csv(io.BytesIO(content), encoding="cp1252", dtype=str)
    first = next(i for i, row in rows.iterrows() if not "".join(row).isascii())
    html = errors_on(upload(client, content))
    assert (f"Row {first + 2} has a character that is not UTF-8 text, in “{rows.Name[first]}”: "
            "the file was saved in another encoding (such as Windows-1252). In Excel choose "
            "File › Save As › CSV UTF-8, then upload that.") in html


def test_gunicorn_scores_a_european_file_from_the_procfiles_server(server, model,
                                                                   pipeline_predict):
    content = (FILES / "people-de.csv").read_bytes()
    body = (b'--x\r\nContent-Disposition: form-data; name="file"; filename="people-de.csv"'
            b"\r\nContent-Type: text/csv\r\n\r\n" + content + b"\r\n--x--\r\n")
    status, text = request(server.port, "POST", "/batch", body,
                           {"Content-Type": "multipart/form-data; boundary=x"})
    assert status == 200
    out = pd.read_csv(io.StringIO(text), sep=";", decimal=",")
    np.testing.assert_allclose(out.predicted_charges,
                               pipeline_predict(model, people().to_dict("records")), atol=0.005)
