"""The pages' sentences come from the card's "words" (web.words): the insurance card's words
give today's pages word for word; another card without words gets wording fit for any data."""
import copy
import json
from pathlib import Path

import pytest

from app import create_app
from tests.pages import PAGES, states, visible_text
from web.words import KEYS, Words

SAVED = Path(__file__).resolve().parent.parent / PAGES


@pytest.fixture(scope="module")
def rendered(model):
    return states(create_app({"TESTING": True, "MODEL": model}).test_client())


@pytest.mark.parametrize("state", ["index", "answer", "answer-nonsmoker", "form-errors",
                                   "form-error", "batch-errors", "model", "not-found"])
def test_the_insurance_pages_read_word_for_word_as_before_the_words_moved(rendered, model,
                                                                          state):
    response = rendered[state]
    # Retraining the same pickle changes the card's date, which the model page shows; the
    # date the pages were saved with is in card.json.
    saved_at = json.loads((SAVED / "card.json").read_text())["trained_at"]
    before = visible_text((SAVED / f"{state}.html").read_text()).replace(
        saved_at, model.card["trained_at"])
    assert visible_text(response.get_data(as_text=True)) == before
    assert response.status_code == {"form-errors": 400, "form-error": 400, "batch-errors": 400,
                                    "not-found": 404}.get(state, 200)


def test_the_insurance_openapi_document_is_as_before(client, model):
    saved_at = json.loads((SAVED / "card.json").read_text())["trained_at"]
    saved = json.loads((SAVED / "openapi.json").read_text().replace(
        saved_at, model.card["trained_at"]))
    assert client.get("/api/openapi.json").get_json() == saved


def test_the_insurance_card_gives_every_word(model):
    assert set(model.card["words"]) == set(KEYS)


def without_words(card: dict, label: str = "Yearly charges") -> dict:
    card = copy.deepcopy(card)
    card["words"] = {}
    card["target"]["label"] = label
    return card


def test_without_words_the_pages_speak_of_rows_and_the_targets_label(model):
    import dataclasses
    plain = dataclasses.replace(model, card=without_words(model.card))
    client = create_app({"TESTING": True, "MODEL": plain}).test_client()
    pages = states(client)
    for state in ("index", "answer", "model"):
        text = visible_text(pages[state].get_data(as_text=True))
        assert "insurance" not in text.lower() and "Yearly charges predictor" in text
        # The model card quotes training's own method text, which is not the app's to word.
        assert state == "model" or "people" not in text.lower()
    answer = visible_text(pages["answer"].get_data(as_text=True))
    assert "Expected yearly charges" in answer  # the label, lower-cased within a sentence
    assert "rows like this one, the yearly charges fell within such a range" in answer
    assert "BMI predictor" == Words(without_words(model.card, "BMI"))("title")
    assert client.get("/api/openapi.json").get_json()["info"]["title"] == "Yearly charges predictor"


@pytest.mark.parametrize("words, message", [
    ({"titel": "x"}, "unknown keys: titel"),
    ({"intro": "{people} people"}, "'intro' uses {people}"),
    ({"title": 3}, "'title' must be text"),
])
def test_a_wrong_word_stops_the_app_at_start_with_a_message(model, words, message):
    card = {**model.card, "words": words}
    with pytest.raises(ValueError, match=message):
        Words(card)


def test_a_list_of_sentences_reads_as_one_paragraph(model):
    card = {**model.card, "words": {"caveat": ["One.", "Two."]}}
    assert Words(card)("caveat") == "One. Two."
