"""A classifier served by the Procfile's gunicorn with MODEL_PATH, in real Chromium on a
phone: the predicted class and every probability are the pipeline's own, the answer (or the
first error) is focused and in view after the post, nothing is wider than a 320 px screen,
the strict CSP holds, and axe-core finds nothing on the answer and the model card."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.conftest import APP
from tests.launcher import Server
from tests.test_browser import browser  # noqa: F401 (a fixture)
from tests.test_classifier_pages import as_form, own, rows_of

PHONE = {"width": 360, "height": 800}


@pytest.fixture(scope="module")
def penguins(trained):
    from tabular.model import load_model
    folder = trained["penguins"]
    model = load_model(folder / "deployment.pkl")
    server = Server(APP, env_extra={"MODEL_PATH": str(folder / "deployment.pkl")}).start(90)
    yield server, model, pd.read_csv((folder / "TRAINED_ON").read_text())
    server.stop()


@pytest.fixture
def phone(browser):  # noqa: F811
    contexts = []

    def open_page(width: int = PHONE["width"], bypass_csp: bool = False):
        context = browser.new_context(viewport={**PHONE, "width": width}, is_mobile=True,
                                      bypass_csp=bypass_csp)
        contexts.append(context)
        page = context.new_page()
        page.csp = []
        page.on("console", lambda m: page.csp.append(m.text)
                if "Content Security Policy" in m.text else None)
        return page
    yield open_page
    for context in contexts:
        context.close()


def send(page, url: str, model, form: dict) -> None:
    page.goto(url + "/")
    for name, value in form.items():
        if model.card["inputs"][name]["kind"] == "category":
            page.select_option(f'select[name="{name}"]', value)
        else:
            page.fill(f'input[name="{name}"]', value)
    with page.expect_navigation():
        page.click("form[action='/predict'] button[type=submit]")


def focused_and_in_view(page, element_id: str) -> None:
    page.wait_for_function(f"document.activeElement && document.activeElement.id === "
                           f"'{element_id}'", timeout=5000)
    box = page.evaluate(f"""() => {{ const r = document.getElementById('{element_id}')
        .getBoundingClientRect(); return [r.top, r.bottom, window.innerHeight]; }}""")
    assert 0 <= box[0] and box[1] <= box[2], box


def a_row(model, raw) -> pd.DataFrame:
    rows = rows_of(model, raw)
    return rows[rows.isna().any(axis=1)].head(1)  # one with a blank left blank


def test_a_person_on_a_phone_gets_the_pipelines_class_focused_and_in_view(phone, penguins):
    server, model, raw = penguins
    row = a_row(model, raw)
    [label], [want] = own(model, row)
    page = phone()
    send(page, server.url, model, as_form(row.iloc[0]))
    focused_and_in_view(page, "answer")
    assert page.get_attribute("#prediction", "data-value") == label
    assert page.inner_text("#prediction") == label
    cells = page.locator("#probabilities tr[data-class]")
    assert [cells.nth(i).get_attribute("data-class") for i in range(cells.count())] == \
        model.card["target"]["classes"]
    np.testing.assert_allclose([float(cells.nth(i).get_attribute("data-probability"))
                                for i in range(cells.count())], want, atol=1e-6)
    assert label in page.inner_text("#likely")
    # Bars drawn: the predicted class's is the widest on screen.
    widths = [page.locator("#probabilities rect.fill").nth(i).bounding_box()["width"]
              for i in range(cells.count())]
    assert int(np.argmax(widths)) == int(np.argmax(want))
    assert page.csp == [], "the page broke its own Content-Security-Policy"


def test_a_refused_form_focuses_the_first_error_in_view(phone, penguins):
    server, model, raw = penguins
    form = {**as_form(a_row(model, raw).iloc[0]), "bill_depth_mm": "99", "year": "1999"}
    page = phone()
    send(page, server.url, model, form)
    assert page.locator("#prediction").count() == 0
    focused_and_in_view(page, "field-bill-depth-mm")
    assert page.inner_text("#field-bill-depth-mm-error") == \
        "bill_depth_mm must be from 13.1 to 21.5."


def answer(page, url, model, raw):
    send(page, url, model, as_form(a_row(model, raw).iloc[0]))
    assert page.locator("#prediction").count() == 1


def model_card(page, url, model, raw):
    assert page.goto(url + "/model").status == 200
    assert page.locator("#confusion").count() == 1


STATES = {"answer": answer, "model": model_card}


@pytest.mark.parametrize("state", STATES)
def test_nothing_is_wider_than_a_320_px_phone(phone, penguins, state):
    server, model, raw = penguins
    page = phone(320)
    STATES[state](page, server.url, model, raw)
    widest = page.evaluate("""() => Math.max(...[...document.querySelectorAll('body *')]
        .map(e => e.getBoundingClientRect().right))""")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320, widest
    assert widest <= 320


@pytest.mark.parametrize("state", STATES)
def test_axe_core_finds_no_violation_on_the_classifiers_pages(phone, penguins, state):
    server, model, raw = penguins
    page = phone(bypass_csp=True)  # axe-core is injected as a script (docs: test_accessibility)
    STATES[state](page, server.url, model, raw)
    results = Axe().run(page)
    found = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]])
             for v in results.response["violations"]]
    assert found == [], results.generate_report()
    assert len(results.response["passes"]) > 10
