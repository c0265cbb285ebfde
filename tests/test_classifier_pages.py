"""A classifier's pages through the real app (issue 18), on penguins (three classes, blanks)
and swisslabor (no/yes): the form's fields, the page's class and every probability equal to
the saved pipeline's own predict and predict_proba on the data set's rows, the likely set as
the card's thresholds define it, what-ifs as predict_proba of the changed row, the model card's
figures, and every kind of bad input refused with its message."""
from __future__ import annotations

import html as htmllib
import re
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest

from tests.test_other_data import as_form, typed
from web.words import Words

SAME_SITE = {"Sec-Fetch-Site": "same-origin"}


@pytest.fixture(scope="module", params=["penguins", "swisslabor"])
def served(request, serve):
    return serve(request.param)


@pytest.fixture(scope="module")
def penguins(serve):
    return serve("penguins")


def rows_of(model, raw: pd.DataFrame) -> pd.DataFrame:
    """Two rows of each class and the first two with a blank, typed as training typed them."""
    inputs = typed(model, raw)
    target = model.card["target"]["name"]
    picked = list(raw.groupby(target).head(2).index)
    picked += list(inputs[inputs.isna().any(axis=1)].index[:2])
    return inputs.loc[sorted(set(picked))]


def own(model, frame: pd.DataFrame) -> tuple[list[str], np.ndarray]:
    """The pipeline's own class and probabilities, independent of the app's code."""
    return ([str(v) for v in model.pipeline.predict(frame)],
            np.asarray(model.pipeline.predict_proba(frame), dtype=float))


def likely_set(card: dict, probabilities, predicted: str) -> list[str]:
    """The card's rule: every class whose probability reaches its threshold, and the
    predicted class, in the card's class order."""
    thresholds = card["sets"]["thresholds"]
    return [c for c, p in zip(card["target"]["classes"], probabilities)
            if c == predicted or p >= thresholds.get(c, thresholds.get("*"))]


def post(client, form: dict):
    response = client.post("/predict", data=form, headers=SAME_SITE)
    return response, response.get_data(as_text=True)


def attr(html: str, pattern: str) -> str:
    return htmllib.unescape(re.search(pattern, html).group(1))


class Tables(HTMLParser):
    """Each table's rows (by the table's id) as lists of cell texts, and each row's
    attributes."""

    def __init__(self, html: str):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.attrs: dict[str, list[dict]] = {}
        self.current = self.cell = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self.current = attrs.get("id") or attrs.get("class") or "?"
            self.tables[self.current], self.attrs[self.current] = [], []
        elif tag == "tr" and self.current:
            self.tables[self.current].append([])
            self.attrs[self.current].append(attrs)
        elif tag in ("td", "th") and self.current:
            self.cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            self.tables[self.current][-1].append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "table":
            self.current = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def shown_percent(text: str, p: float) -> bool:
    """A probability's text fits it: "98.8%" within rounding, "<0.1%", ">99.9%"."""
    if text == "<0.1%":
        return 0 < p < 0.0005
    if text == ">99.9%":
        return 0.9995 <= p < 1
    return abs(float(text.rstrip("%")) - 100 * p) <= 0.05 + 1e-9


def test_the_form_has_one_field_per_input_named_as_the_column(served):
    client, model, raw = served
    page = client.get("/").get_data(as_text=True)
    names = re.findall(r'<(?:input|select) id="field-[^"]+" name="([^"]+)"', page)
    assert names == list(model.card["inputs"]) and set(names) < set(raw.columns)
    assert model.card["target"]["name"] not in names
    assert re.search(r'<button type="submit">\s*Predict\s*</button>', page)
    # The download's columns: the class, one probability per class, the set.
    target = model.card["target"]["name"]
    for column in [f"predicted_{target}", f"likely_{target}"] + [
            f"probability_{c}" for c in model.card["target"]["classes"]]:
        assert f"<code>{column}</code>" in page
    assert "predicted_low" not in page and "Estimate" not in page


def test_the_page_shows_the_pipelines_class_and_every_probability(served):
    client, model, raw = served
    rows = rows_of(model, raw)
    labels, probabilities = own(model, rows)
    classes = model.card["target"]["classes"]
    for (_, row), label, want in zip(rows.iterrows(), labels, probabilities):
        response, page = post(client, as_form(row))
        assert response.status_code == 200, re.findall(r'class="error"[^>]*>([^<]*)', page)
        assert attr(page, r'id="prediction"[^>]*data-value="([^"]*)"') == label
        shown = re.findall(r'<tr data-class="([^"]*)" data-probability="([^"]*)"', page)
        assert [htmllib.unescape(c) for c, _ in shown] == classes
        np.testing.assert_allclose([float(p) for _, p in shown], want, rtol=0, atol=1e-6)
        table = Tables(page).tables["probabilities"][1:]
        for (name, text), p in zip(table, want):
            assert shown_percent(text, p), (name, text, p)
        widths = re.findall(r'<rect class="fill" width="([^"]+)"', page)
        np.testing.assert_allclose([float(w) for w in widths], 100 * want, atol=0.006)
        assert re.search(r'<div id="answer"[^>]*autofocus', page)


def test_the_likely_set_is_every_class_at_its_threshold_and_the_predicted_one(served):
    client, model, raw = served
    rows = rows_of(model, raw)
    labels, probabilities = own(model, rows)
    assert model.card["sets"]["coverage"] == 0.9
    for (_, row), label, want in zip(rows.iterrows(), labels, probabilities):
        expected = likely_set(model.card, want, label)
        _, page = post(client, as_form(row))
        assert attr(page, r'id="likely"[^>]*data-classes="([^"]*)"').split("|") == expected
        sentence = " ".join(re.sub(r"<[^>]+>", "", re.search(
            r'<p id="likely"[^>]*>(.*?)</p>', page, re.S).group(1)).split())
        assert sentence == likely_sentence(model.card, want, label, expected)
        assert "calibrated to hold the true" in page and "9 in 10 or more of the rows" in page


def likely_sentence(card: dict, probabilities, label: str, expected: list[str]) -> str:
    """What the page must say of a set: each of its four cases, worked out from the card."""
    classes, limits = card["target"]["classes"], card["sets"]["thresholds"]
    if probabilities[classes.index(label)] < limits.get(label, limits.get("*")) \
            and expected == [label]:
        return (f"most probable: {label}, though the model was surer than this of 9 in 10 "
                "rows it had not seen")
    if len(expected) == 1:
        return f"likely {expected[0]}, and no other class"
    if len(expected) == len(classes):
        return f"could be any of: {', '.join(expected)} (the model cannot tell them apart here)"
    return "likely one of: " + ", ".join(expected)


def test_a_row_no_class_is_sure_of_says_so_rather_than_likely(penguins):
    """A penguin between the species (found by attacking the app): every class near a third,
    the most probable far below its set threshold, so the set holds it only because a set is
    never empty."""
    client, model, _ = penguins
    row = {"island": "Dream", "bill_length_mm": 40.5, "bill_depth_mm": 15.0,
           "flipper_length_mm": 200.0, "body_mass_g": 3500.0, "sex": "male", "year": 2008}
    (label,), (probabilities,) = own(model, pd.DataFrame([row]).astype(model.schema.dtypes))
    assert probabilities.max() < 0.6  # the row is the ambiguous one this test is about
    _, page = post(client, {name: str(value) for name, value in row.items()})
    sentence = " ".join(re.sub(r"<[^>]+>", "", re.search(
        r'<p id="likely"[^>]*>(.*?)</p>', page, re.S).group(1)).split())
    assert sentence == likely_sentence(model.card, probabilities, label, [label])
    assert sentence.startswith("most probable: ")


def changes_of(model, row: pd.Series) -> list[tuple[str, pd.Series]]:
    """The card's what-ifs for a row, worked out here from the specs: skipped when the value
    is already set, leaves the training range, or moves a blank."""
    out = []
    for spec in model.card["what_if"]:
        name = spec["field"]
        field, current = model.card["inputs"][name], row[name]
        if spec.get("each"):
            values = [c for c in field["categories"] if c != current]
        elif "by" in spec:
            values = [] if pd.isna(current) else [current + spec["by"]]
        else:
            values = [spec["to"]]
        for value in values:
            if not pd.isna(current) and value == current:
                continue
            if field["kind"] != "category" and not field["min"] <= value <= field["max"]:
                continue
            changed = row.copy()
            changed[name] = value
            out.append((spec["label"].replace("{value}", str(value)), changed))
    return out


def test_what_ifs_are_predict_proba_of_the_changed_row(served):
    client, model, raw = served
    rows = rows_of(model, raw).head(4)
    classes = model.card["target"]["classes"]
    for _, row in rows.iterrows():
        [label], [base] = own(model, rows.loc[[row.name]])
        changes = changes_of(model, row)
        frame = pd.DataFrame([c for _, c in changes]).reset_index(drop=True).astype(
            rows.dtypes.to_dict())
        predicted, probabilities = own(model, frame)
        k = classes.index(label)
        _, page = post(client, as_form(row))
        found = Tables(page)
        shown = found.attrs["what-if-classes"][1:]
        assert [htmllib.unescape(a["data-change"]) for a in shown] == [c for c, _ in changes]
        assert [a["data-predicted"] for a in shown] == predicted
        values = re.findall(r'<td class="num" data-probability="([^"]+)">', page)
        np.testing.assert_allclose([float(v) for v in values], probabilities[:, k], atol=1e-6)
        differences = re.findall(r'data-difference="([^"]+)"', page)
        np.testing.assert_allclose([float(d) for d in differences],
                                   probabilities[:, k] - base[k], atol=1e-6)
        for cells, other in zip(found.tables["what-if-classes"][1:], predicted):
            assert (f"then {other} is predicted" in cells[0]) == (other != label)


def test_the_model_card_shows_the_cards_figures(served):
    client, model, _ = served
    card = model.card
    response = client.get("/model")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    tables = Tables(page).tables
    metrics = {row[0]: row[1:] for row in tables["metrics"][1:]}
    for key, name, form in (("Accuracy", "Accuracy", "{:.1f}%"), ("AUC", "AUC", "{:.3f}"),
                            ("F1", "F1", "{:.3f}"), ("LogLoss", "Log loss", "{:.4f}"),
                            ("Brier", "Brier score", "{:.4f}")):
        scale = 100 if key == "Accuracy" else 1
        assert metrics[name] == [form.format(scale * card["metrics"][part][key])
                                 for part in ("cv", "holdout")]
    assert [row[0] for row in tables["compared"][1:]] == [
        row["model"] for row in card["metrics"]["compared"]]
    assert [float(row[1]) for row in tables["compared"][1:]] == pytest.approx(
        [row["LogLoss"] for row in card["metrics"]["compared"]], abs=5e-5)
    assert "by cross-validated log loss" in page
    confusion = card["metrics"]["confusion"]
    assert tables["confusion"][0][1:] == confusion["classes"]
    assert [row[0] for row in tables["confusion"][1:]] == confusion["classes"]
    assert [[int(c) for c in row[1:]] for row in tables["confusion"][1:]] == confusion["matrix"]
    calibration = card["metrics"]["calibration"]
    assert ("applied" if calibration["applied"] else "not applied") in " ".join(
        re.sub(r"<[^>]+>", "", page).split())
    assert tables["calibration"][1][1:] == [f"{calibration[k]['Brier']:.4f}"
                                            for k in ("cv_before", "cv_after")]
    sets = card["sets"]
    assert {row[0]: float(row[1]) for row in tables["thresholds"][1:]} == {
        ("Every class" if k == "*" else k): v for k, v in sets["thresholds"].items()}
    holdout = {row[0]: row[1:] for row in tables["sets-holdout"][1:]}
    for label, group in sets["holdout"]["by_class"].items():
        assert holdout[label] == [str(group["n"]), f"{100 * group['coverage']:.1f}%",
                                  f"{group['mean_size']:.2f}"]
    assert holdout["All rows"] == [str(sets["holdout"]["n"]),
                                   f"{100 * sets['holdout']['coverage']:.1f}%",
                                   f"{sets['holdout']['mean_size']:.2f}"]
    assert ("one per class (Mondrian)" in page) == sets["mondrian"]
    assert {row[0]: row[1] for row in tables["classes"][1:]} == {
        c: f"{100 * card['target']['shares'][c]:.1f}%" for c in card["target"]["classes"]}
    assert card["sha256"] in page and model.name in page
    assert ("the pipeline's own predict_proba" in page) == (not model.is_compiled)
    # Regression's figures are not asked for (a classifier card has none).
    assert "Mean absolute error" not in page and "likely range" not in page.lower()


BAD = [  # field, what a person types, the message, in the penguins card's terms (the example
    # a message gives is the middle of the field's range)
    ("bill_length_mm", "19 mm", "bill_length_mm must be just the number, like 19."),
    ("bill_length_mm", "300", "bill_length_mm must be from 32.1 to 59.6."),
    ("bill_depth_mm", "1,234.5", "bill_depth_mm must be written without thousands "
                                  "separators, like 1234.5."),
    ("flipper_length_mm", "195.5", "flipper_length_mm must be a whole number, like 202."),
    ("body_mass_g", "heavy", "body_mass_g must be a number, like 4500."),
    ("year", "", "year is required."),
    ("island", "", "island is required."),
    ("island", "Atlantis", "island must be one of Biscoe, Dream, Torgersen."),
    ("sex", "unknown", "sex must be one of female, male."),
]


@pytest.mark.parametrize("name, typed_text, message", BAD)
def test_every_kind_of_bad_input_is_refused_with_its_message_focused(penguins, name,
                                                                     typed_text, message):
    client, model, raw = penguins
    row = rows_of(model, raw).iloc[0]
    form = {**as_form(row), name: typed_text}
    response, page = post(client, form)
    assert response.status_code == 400
    assert 'id="prediction"' not in page and 'id="probabilities"' not in page
    assert page.count(htmllib.escape(message, quote=False)) == 2  # the summary and the field
    field_id = re.search(rf'<(?:input|select) id="([^"]+)" name="{name}"', page).group(1)
    tag = re.search(rf'<(?:input|select) id="{field_id}"[^>]*>', page, re.S).group(0)
    assert 'aria-invalid="true"' in tag and "autofocus" in tag
    assert page.count("autofocus") == 1
    if model.card["inputs"][name]["kind"] != "category":
        assert f'value="{htmllib.escape(typed_text)}"' in tag  # kept as typed


def test_several_bad_fields_are_listed_together_the_first_focused(penguins):
    client, model, raw = penguins
    form = {**as_form(rows_of(model, raw).iloc[0]), "year": "1999", "island": "Atlantis"}
    response, page = post(client, form)
    assert response.status_code == 400 and "Correct the 2 fields marked below" in page
    assert re.search(r'<select id="field-island"[^>]*autofocus', page, re.S)
    assert "<title>Error: " in page


def test_a_cards_words_override_the_classifiers_defaults(penguins):
    _, model, _ = penguins
    words = Words(model.card)
    assert words("submit") == "Predict" and words("result") == "Predicted species"
    assert "classification" in words("footer")
    given = Words({**model.card, "words": {"result": "Most likely species", "submit": "Go"}})
    assert given("result") == "Most likely species" and given("submit") == "Go"
    assert given("footer") == words("footer")


def test_probabilities_read_as_percentages_never_rounded_to_certainty():
    from web.filters import breakable, percent, points
    assert percent(0.98765) == "98.8%" and percent(0.5) == "50.0%"
    assert percent(0.0004) == "<0.1%" and percent(0.99951) == ">99.9%"
    assert percent(0.0) == "0%" and percent(1.0) == "100%"
    assert points(-0.0213) == "−2.1" and points(0.05) == "+5.0"
    assert points(-5e-6) == points(4e-4) == points(0.0) == "0.0"  # no signed nothing
    assert breakable("bill_length.mm<b>") == "bill_<wbr>length.<wbr>mm&lt;b&gt;"
    assert breakable("income at its median (10.643128)") == "income at its median (10.643128)"
