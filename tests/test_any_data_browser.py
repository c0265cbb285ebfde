"""Another model served by the Procfile's gunicorn with MODEL_PATH, in real Chromium: a person
fills the fields named as the columns ("Model Year", "yrs.since.phd"), leaves the blank ones
empty, and gets the pipeline's own answer; axe-core finds nothing on its form, its refused
form and its answer (tests/oddcard.py is the model)."""
import pytest
from axe_playwright_python.sync_playwright import Axe

from tests import oddcard
from tests.test_any_data import RECORD, own_predict
from tests.test_browser import browser  # noqa: F401 (a fixture)

TYPED = {"Model Year": "76", "weight": "3000"}


@pytest.fixture(scope="module")
def odd_path(tmp_path_factory):
    return oddcard.write(tmp_path_factory.mktemp("odd-served"))


@pytest.fixture
def odd_server(start_server, odd_path):
    return start_server(env={"MODEL_PATH": str(odd_path)})


def fill_and_send(page, url, typed: dict):
    page.goto(url + "/")
    for name, value in typed.items():
        page.fill(f'input[name="{name}"]', value)
    page.select_option('select[name="Origin"]', "Japan")
    with page.expect_navigation():
        page.click("form[action='/predict'] button[type=submit]")


def test_a_person_fills_the_columns_fields_leaves_blanks_and_gets_the_pipelines_answer(
        browser, odd_server, odd_path):  # noqa: F811
    from tabular.model import load_model
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    fill_and_send(page, odd_server.url, TYPED)
    value = float(page.get_attribute("#prediction", "data-value"))
    [want] = own_predict(load_model(odd_path), [RECORD])
    assert value == pytest.approx(want, rel=1e-12)
    assert page.input_value('input[name="yrs.since.phd"]') == ""  # still blank, as sent
    assert page.evaluate("document.activeElement.id") == "answer"
    context.close()


@pytest.mark.parametrize("state", ["form", "refused", "answer"])
def test_axe_core_finds_no_violation_on_another_models_pages(browser, odd_server, state):  # noqa: F811
    context = browser.new_context(viewport={"width": 360, "height": 800}, is_mobile=True,
                                  bypass_csp=True)
    page = context.new_page()
    if state == "form":
        page.goto(odd_server.url + "/")
    else:
        fill_and_send(page, odd_server.url, TYPED if state == "answer" else {"weight": "9e9"})
        assert page.locator("#prediction").count() == (state == "answer")
    results = Axe().run(page)
    found = [(v["id"], [n["target"] for n in v["nodes"]]) for v in results.response["violations"]]
    assert found == [], results.generate_report()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    context.close()
