"""Each state of each page as a person sees it, and the visible text of a rendered page: the
insurance pages must read word for word as they did before the words moved into the card
(tests/test_words.py compares them with tests/files/pages/, saved from the templates of
then)."""
from __future__ import annotations

import io
import re
from html.parser import HTMLParser

from tests.person import VALID

PAGES = "tests/files/pages"

SAME_SITE = {"Sec-Fetch-Site": "same-origin"}


def states(client) -> dict:
    """Page state -> the response a person gets there."""
    bad = {**VALID, "age": "19 years", "bmi": "", "region": "mars"}
    upload = {"file": (io.BytesIO(b"age,sex\n1,2\n"), "people.csv")}
    return {
        "index": client.get("/"),
        "answer": client.post("/predict", data=VALID, headers=SAME_SITE),
        "answer-nonsmoker": client.post("/predict", data={**VALID, "smoker": "no",
                                                          "children": "5"},
                                        headers=SAME_SITE),
        "form-errors": client.post("/predict", data=bad, headers=SAME_SITE),
        "form-error": client.post("/predict", data={**VALID, "age": "200"},
                                  headers=SAME_SITE),
        "batch-errors": client.post("/batch", data=upload, headers=SAME_SITE),
        "model": client.get("/model"),
        "not-found": client.get("/nowhere"),
    }


class _Text(HTMLParser):
    """The text a browser shows (and reads out: the document title and SVG titles too),
    with white space collapsed as HTML renders it."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        self.skip += tag in ("script", "style")
        self.parts.append(" ")

    def handle_endtag(self, tag):
        self.skip -= tag in ("script", "style")
        self.parts.append(" ")

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return re.sub(r"\s+", " ", "".join(parser.parts)).strip()
