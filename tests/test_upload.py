"""The upload on the page: POST /batch answers a CSV download, or the page with the errors."""
import io

import numpy as np
import pandas as pd
import pytest
from hypothesis import event, example, given, strategies as st

from tests.person import VALID
from charges import batch
from charges.schema import FIELDS
from tests import strategies

HEADER = ",".join(FIELDS)


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
@example([[VALID[name] for name in FIELDS]] * 2, True)
@given(strategies.CSV_ROW, st.booleans())
def test_any_csv_upload_is_a_download_or_a_400(client, model, pipeline_predict, rows, with_header):
    lines = ([",".join(FIELDS)] if with_header else []) + [",".join(row) for row in rows]
    content = "\n".join(lines).encode()
    response = client.post("/batch", data={"file": (io.BytesIO(content), "x.csv")},
                           content_type="multipart/form-data")
    event(f"HTTP {response.status_code}")
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        out = pd.read_csv(io.BytesIO(response.data), dtype=str, keep_default_na=False)
        records = [model.schema.validate(r)[0] for r in out[list(FIELDS)].to_dict("records")]
        assert out.predicted_charges.astype(float).tolist() == pytest.approx(
            pipeline_predict(model, records), abs=0.005)
    else:
        assert 'id="batch-errors"' in response.get_data(as_text=True)


def test_a_form_of_too_many_parts_is_413_saying_so_not_blaming_the_size(client):
    fields = {f"f{i}": "x" for i in range(1_200)}  # werkzeug's max_form_parts is 1,000
    response = client.post("/batch", data={**fields, "file": (io.BytesIO(b"a"), "a.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert "too many parts" in html and "larger than" not in html
