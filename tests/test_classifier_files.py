"""A classifier served by the app (issue 18): its JSON API, its CSV download and its OpenAPI
description, on penguins (three classes, blanks in five columns) and swisslabor (no/yes).
Every expected answer is the saved pipeline's own predict and predict_proba on the data set's
rows; every likely set is the card's rule worked out here; the sets' coverage is measured on
rows a model trained here never saw."""
import csv
import io
import json
import re

import jsonschema
import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import train_test_split

from app import create_app
from tabular import batch
from tabular.batch import BatchError
from tabular.sheet import output_columns
from tests.test_other_data import typed
from training import train
from training.train import DEFAULT_DATA

SAME_SITE = {"Sec-Fetch-Site": "same-origin"}
# How the OpenAPI description names the card's metrics.
METRIC_WORDS = {"Accuracy": "accuracy", "AUC": "AUC", "F1": "F1", "LogLoss": "log loss",
                "Brier": "Brier score"}


@pytest.fixture(scope="module", params=["penguins", "swisslabor"])
def served(request, serve):
    return (*serve(request.param), request.param)


def own_answers(model, frame: pd.DataFrame):
    """The pipeline's labels and probabilities (columns in the card's class order), and each
    row's likely set by the card's rule: every class whose probability reaches its threshold
    ("*": any class's), and the predicted class; in the order of the classes."""
    classes = model.card["target"]["classes"]
    encoder = model.pipeline.named_steps["label_encoding"].transformer
    assert [str(c) for c in encoder.classes_] == classes  # predict_proba's column order
    labels = [str(v) for v in model.pipeline.predict(frame)]
    proba = model.pipeline.predict_proba(frame)
    spec = model.card["sets"]["thresholds"]
    limits = [spec[c] if c in spec else spec["*"] for c in classes]
    sets = [[c for k, c in enumerate(classes) if row[k] >= limits[k] or c == label]
            for row, label in zip(proba, labels)]
    return labels, proba, sets


def as_json(frame: pd.DataFrame) -> list[dict]:
    """Rows as a program sends them: blanks as null, whole numbers as JSON integers."""
    return [{k: None if pd.isna(v) else int(v) if isinstance(v, float) and v.is_integer()
             else v.item() if hasattr(v, "item") else v for k, v in row.items()}
            for _, row in frame.iterrows()]


def post_json(client, body):
    return client.post("/api/predict", data=body if isinstance(body, str) else
                       json.dumps(body, allow_nan=False), content_type="application/json")


def test_the_api_gives_every_rows_class_probabilities_and_set_in_order(served):
    client, model, raw, _ = served
    classes = model.card["target"]["classes"]
    frame = typed(model, raw)  # every row of the file, blanks included
    labels, proba, sets = own_answers(model, frame)
    response = post_json(client, as_json(frame))
    assert response.status_code == 200, response.json
    body = response.json
    assert body["predictions"] == labels
    assert all(sorted(row) == sorted(classes) for row in body["probabilities"])
    got = np.array([[row[c] for c in classes] for row in body["probabilities"]])
    np.testing.assert_allclose(got, proba, rtol=0, atol=1e-6)
    assert body["sets"] == sets
    assert body["coverage"] == model.card["sets"]["coverage"] == 0.9
    assert body["model"] == {"name": model.name, "sha256": model.sha256,
                             "trained_at": model.card["trained_at"]}
    assert "intervals" not in body
    # Sets of more than one class happen (swisslabor), and only where the model is unsure.
    assert all(len(s) == 1 or max(p) < 0.999 for s, p in zip(sets, proba))


def test_one_object_gets_lists_of_one(served):
    client, model, raw, _ = served
    frame = typed(model, raw).tail(1)
    labels, proba, sets = own_answers(model, frame)
    body = post_json(client, as_json(frame)[0]).json
    assert body["predictions"] == labels and body["sets"] == sets
    assert list(body["probabilities"][0].values()) == pytest.approx(list(proba[0]), abs=1e-6)


def read_back(content: bytes, **options) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(content), dtype=str, keep_default_na=False, **options)


def check_download(out: pd.DataFrame, raw_text: pd.DataFrame, model, frame, decimal: str):
    """The upload's columns as they were, then the class, the probabilities and the set."""
    target, classes = model.card["target"]["name"], model.card["target"]["classes"]
    added = [f"predicted_{target}", *(f"probability_{c}" for c in classes), f"likely_{target}"]
    assert list(out.columns) == list(raw_text.columns) + added
    pd.testing.assert_frame_equal(out[list(raw_text.columns)], raw_text)
    labels, proba, sets = own_answers(model, frame)
    assert out[f"predicted_{target}"].tolist() == labels
    assert out[f"likely_{target}"].tolist() == ["|".join(s) for s in sets]
    cells = out[[f"probability_{c}" for c in classes]]
    assert cells.stack().str.fullmatch(rf"[01]\{decimal}\d{{6}}").all()  # six decimals
    written = cells.apply(lambda column: column.str.replace(decimal, ".").astype(float))
    np.testing.assert_allclose(written.to_numpy(), proba, rtol=0, atol=5e-7 + 1e-12)


def test_the_csv_download_adds_class_probabilities_and_set(served):
    client, model, raw, _ = served
    upload = raw.to_csv(index=False).encode()
    response = client.post("/batch", data={"file": (io.BytesIO(upload), "mine.csv")},
                           headers=SAME_SITE)
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    assert response.headers["Content-Disposition"] == 'attachment; filename="mine-predictions.csv"'
    check_download(read_back(response.data), read_back(upload), model, typed(model, raw), ".")


def test_a_semicolon_csv_with_decimal_commas_is_answered_in_kind(served):
    _, model, raw, _ = served
    # As LibreOffice in a German locale writes it: ";" between values, "39,1", CRLF.
    upload = raw.to_csv(index=False, sep=";", decimal=",", lineterminator="\r\n").encode()
    assert b"," in upload
    out = batch.score_csv(upload, model)
    check_download(read_back(out, sep=";"), read_back(upload, sep=";"), model,
                   typed(model, raw), ",")


def test_chunks_change_nothing_in_a_classifiers_download(served, monkeypatch):
    _, model, raw, _ = served
    lines = raw.head(9).to_csv(index=False).splitlines()
    content = (lines[0] + "\n\n\n" + "\n".join(lines[1:5]) + "\n\n"
               + "\n".join(lines[5:]) + "\n").encode()
    whole = batch.score_csv(content, model)
    monkeypatch.setattr(batch, "CHUNK_ROWS", 2)
    assert batch.score_csv(content, model) == whole
    check_download(read_back(whole), read_back(raw.head(9).to_csv(index=False).encode()),
                   model, typed(model, raw.head(9)), ".")


def test_output_columns_name_the_class_and_every_class_in_order():
    assert output_columns("species", ("Adelie", "Chinstrap", "Gentoo")) == (
        "predicted_species", "probability_Adelie", "probability_Chinstrap",
        "probability_Gentoo", "likely_species")
    assert output_columns("charges") == ("predicted_charges", "predicted_low", "predicted_high")


def test_an_upload_that_has_an_added_column_already_is_refused(served):
    _, model, raw, _ = served
    target, classes = model.card["target"]["name"], model.card["target"]["classes"]
    for name in (f"Probability_{classes[-1]}", f"likely_{target}".upper()):
        content = raw.head(2).assign(**{name: "x"}).to_csv(index=False).encode()
        with pytest.raises(BatchError) as caught:
            batch.score_csv(content, model)
        assert caught.value.messages == [f"The file already has a {name} column; remove or "
                                         "rename it and upload again."]


# Per data set: (a change to the first row, the column, the API's message, the CSV's).
BAD_VALUES = {
    "penguins": [
        ({"island": "Atlantis"}, "island", "must be one of Biscoe, Dream, Torgersen"),
        ({"year": 2020}, "year", "must be from 2007 to 2009"),
        ({"bill_length_mm": 99.5}, "bill_length_mm", "must be from 32.1 to 59.6"),
        ({"island": None}, "island", "is required"),
        ({"year": None}, "year", "is required"),
    ],
    "swisslabor": [
        ({"foreign": "maybe"}, "foreign", "must be one of no, yes"),
        ({"age": 9}, "age", "must be from 2 to 6.2"),
        ({"education": 30}, "education", "must be from 1 to 21"),
        ({"foreign": None}, "foreign", "is required"),
        ({"income": None}, "income", "is required"),
    ],
}


def test_bad_values_get_the_messages_regression_gives(served):
    client, model, raw, name = served
    first = as_json(typed(model, raw).head(1))[0]
    for change, field, message in BAD_VALUES[name]:
        response = post_json(client, [first, {**first, **change}])
        assert response.status_code == 422
        assert response.json == {"errors": [{"row": 1, "field": field,
                                             "message": f"{field} {message}"}]}
        bad = raw.head(3).astype(object)
        bad.loc[bad.index[1], field] = "" if change[field] is None else change[field]
        with pytest.raises(BatchError) as caught:
            batch.score_csv(bad.to_csv(index=False).encode(), model)
        assert caught.value.messages[1:] == [f"Row 3, {field}: {message}."]


def test_bad_bodies_get_the_messages_regression_gives(served):
    client, model, _, name = served
    count = {"penguins": "seven", "swisslabor": "six"}[name]
    for body, message in [("{not json", "the body is not valid JSON"),
                          ("[]", "the list is empty; send at least one object"),
                          ('[{"year": NaN}]', "NaN is not a JSON number; send a finite number"),
                          ('"x"', f"send one object with the {count} fields, or a list of "
                                  "such objects")]:
        response = post_json(client, body)
        assert response.status_code == 400
        assert response.json == {"errors": [{"row": None, "field": None, "message": message}]}
    response = client.post("/batch", data={"file": (io.BytesIO(b"a,b\n1,2\n"), "x.csv")},
                           headers=SAME_SITE)
    assert response.status_code == 400 and "The header lacks the column" in response.text


def test_a_real_response_matches_the_openapi_result_schema(served):
    client, model, raw, _ = served
    classes = model.card["target"]["classes"]
    doc = client.get("/api/openapi.json").json
    schemas = doc["components"]["schemas"]
    for schema in schemas.values():
        jsonschema.Draft202012Validator.check_schema(schema)
    result = schemas["Result"]
    assert result["properties"]["predictions"]["items"]["enum"] == classes
    probabilities = result["properties"]["probabilities"]["items"]
    assert list(probabilities["properties"]) == classes == probabilities["required"]
    assert all(p == {"type": "number", "minimum": 0, "maximum": 1}
               for p in probabilities["properties"].values())
    assert result["properties"]["sets"]["items"]["items"]["enum"] == classes
    assert result["properties"]["coverage"]["const"] == 0.9
    rows = as_json(typed(model, raw).head(8))
    record = schemas[doc["paths"]["/api/predict"]["post"]["requestBody"]["content"][
        "application/json"]["schema"]["oneOf"][0]["$ref"].split("/")[-1]]
    for row in rows:
        jsonschema.validate(row, record)
    body = post_json(client, rows).json
    jsonschema.validate(body, result, cls=jsonschema.Draft202012Validator)
    first = body["probabilities"][0]
    for wrong in ({"predictions": ["no such class"] * len(rows)},
                  {"probabilities": [{**first, classes[0]: 1.5}]},
                  {"probabilities": [{c: first[c] for c in classes[1:]}]},
                  {"probabilities": [{**first, "other": 0.0}]},
                  {"sets": [[]]}, {"sets": [classes + classes[:1]]},
                  {"coverage": 0.8}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate({**body, **wrong}, result, cls=jsonschema.Draft202012Validator)


def test_openapi_names_classes_metrics_confusion_and_the_sets_check(served):
    client, model, _, _ = served
    card = model.card
    info = client.get("/api/openapi.json").json["info"]
    text = info["description"]
    assert text.startswith(f"{model.name} trained {card['trained_at']}. ")
    assert f"classes: {', '.join(card['target']['classes'])}." in text
    for scope in ("cv", "holdout"):
        listed = ", ".join(f"{METRIC_WORDS[k]} {v}" for k, v in card["metrics"][scope].items())
        assert listed in text and len(card["metrics"][scope]) == 5
    held = card["sets"]["holdout"]
    assert f"{held['coverage']:.1%} of the held-out rows" in text
    assert f"with {held['mean_size']:.2f} classes on average" in text
    extension = info["x-model-card"]
    assert extension["classes"] == card["target"]["classes"]
    assert extension["confusion"] == card["metrics"]["confusion"]
    assert extension["metrics"]["cv"] == card["metrics"]["cv"]
    assert extension["metrics"]["holdout"] == card["metrics"]["holdout"]
    assert extension["sets"]["holdout"] == held
    assert extension["sets"]["thresholds"] == card["sets"]["thresholds"]


FORMULAS = {"no": "=no", "yes": "@yes"}  # labels a spreadsheet would run as formulas


@pytest.fixture(scope="module")
def unseen(tmp_path_factory):
    """A model trained here on 70% of swisslabor's rows (stratified, seed 123), its labels
    written as formulas; the app serving it, and the other 30%, which it never saw."""
    data = pd.read_csv(DEFAULT_DATA.with_name("swisslabor.csv"))
    data["participation"] = data.participation.map(FORMULAS)
    seen, held = train_test_split(data, test_size=0.3, stratify=data.participation,
                                  random_state=123)
    folder = tmp_path_factory.mktemp("swisslabor-unseen")
    seen.to_csv(folder / "seen.csv", index=False)
    assert train.main(["--data", str(folder / "seen.csv"), "--out", str(folder),
                       "--target", "participation"]) == 0
    app = create_app({"TESTING": True, "MODEL_PATH": str(folder / "deployment.pkl")})
    return app.test_client(), app.extensions["tabular"].model, held


def within_training(model, frame: pd.DataFrame) -> pd.Series:
    """The rows the app accepts: numbers within the card's training range, known categories
    (a row outside them is refused, not scored)."""
    inside = pd.Series(True, index=frame.index)
    for name, spec in model.card["inputs"].items():
        column = frame[name]
        inside &= column.isin(spec["categories"]) if spec["kind"] == "category" \
            else column.between(spec["min"], spec["max"])
    return inside


@pytest.mark.slow
def test_likely_sets_hold_the_class_of_about_90_percent_of_rows_never_seen(unseen, capsys):
    client, model, held = unseen
    assert model.card["target"]["classes"] == ["=no", "@yes"]
    frame = typed(model, held)
    inside = within_training(model, frame)
    assert post_json(client, as_json(frame[~inside].head(1))).status_code == 422
    held = held[inside.to_numpy()]
    assert len(held) > 250  # few rows fall outside the training range
    response = post_json(client, as_json(frame[inside]))
    assert response.status_code == 200
    truth = held.participation.tolist()
    hit = np.array([label in s for label, s in zip(truth, response.json["sets"])])
    size = np.array([len(s) for s in response.json["sets"]])
    by_class = {c: round(hit[held.participation.to_numpy() == c].mean(), 3)
                for c in FORMULAS.values()}
    with capsys.disabled():
        print(f"\nswisslabor, {len(held)} of {len(inside)} rows never seen (the others outside "
              f"the training range): likely sets cover {hit.mean():.3f} "
              f"(by class {by_class}), mean size {size.mean():.3f}; accuracy "
              f"{np.mean(np.array(response.json['predictions']) == truth):.3f}")
    assert 0.85 <= hit.mean() <= 0.95
    assert all(0.8 <= share for share in by_class.values())  # by class: no class left out
    assert 1 < size.mean() < 1.9  # the sets say something: not every row gets both classes


@pytest.mark.slow
def test_labels_that_look_like_formulas_are_defused_in_the_csv_not_in_the_api(unseen):
    client, model, held = unseen
    held = held[within_training(model, typed(model, held)).to_numpy()].head(40)
    out = batch.score_csv(held.to_csv(index=False).encode(), model).decode()
    rows = list(csv.reader(io.StringIO(out)))
    header, cells = rows[0], [cell for row in rows[1:] for cell in row]
    assert header[-4:] == ["predicted_participation", "probability_=no", "probability_@yes",
                           "likely_participation"]
    assert not [c for c in cells if re.match(r"\s*[=+@]", c)]
    assert {row[-4] for row in rows[1:]} <= {"'=no", "'@yes"}
    assert {row[-1] for row in rows[1:]} <= {"'=no", "'@yes", "'=no|@yes"}
    assert {row[0] for row in rows[1:]} == {"'=no", "'@yes"}  # the upload's own column too
    body = post_json(client, as_json(typed(model, held))).json
    assert set(body["predictions"]) <= {"=no", "@yes"}
