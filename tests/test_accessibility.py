"""Every page and state in real Chromium: axe-core finds nothing at a phone's and a desktop's
width, and nothing is wider than a 320 px screen.

axe-core comes from the pinned axe-playwright-python package (its bundled axe.min.js), never
from a CDN. Injecting it is an inline script, which the app's Content-Security-Policy
forbids, so these contexts bypass the CSP; test_browser.py checks the CSP holds."""
import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.person import VALID
from tests.test_browser import browser, fill  # noqa: F401 (browser is a fixture)

AXE = Axe()


def form_with_errors(page, url, tmp_path):
    page.goto(url + "/")
    fill(page, {**VALID, "age": "19 years", "bmi": "300"})
    with page.expect_navigation():
        page.click("form[action='/predict'] button[type=submit]")
    assert page.locator("#field-age-error").count() == 1


def result(page, url, tmp_path):
    page.goto(url + "/")
    fill(page, VALID)
    with page.expect_navigation():
        page.click("form[action='/predict'] button[type=submit]")
    assert page.locator("#prediction").count() == 1


def failed_upload(page, url, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("age,sex,bmi,children,smoker,region\n"
                    + "19,female,27.9,0,maybe,southwest\n" * 30)
    page.goto(url + "/")
    page.set_input_files("#file", str(path))
    with page.expect_navigation():
        page.click("#batch button[type=submit]")
    assert page.locator("#batch-errors li").count() > 1


def visit(path: str, status: int):
    def go(page, url, tmp_path):
        assert page.goto(url + path).status == status
    go.__name__ = path
    return go


# GET /predict is the 405: the form posts there.
STATES = {"form": visit("/", 200), "form-errors": form_with_errors, "result": result,
          "failed-upload": failed_upload, "model": visit("/model", 200),
          "404": visit("/no-such-page", 404), "405": visit("/predict", 405)}


@pytest.fixture
def at_width(browser):  # noqa: F811
    contexts = []

    def open_page(width: int):
        context = browser.new_context(viewport={"width": width, "height": 800},
                                      is_mobile=width < 500, bypass_csp=True)
        contexts.append(context)
        return context.new_page()
    yield open_page
    for context in contexts:
        context.close()


@pytest.mark.parametrize("width", [360, 1280])
@pytest.mark.parametrize("state", STATES)
def test_axe_core_finds_no_violation(at_width, server, tmp_path, state, width):
    page = at_width(width)
    STATES[state](page, server.url, tmp_path)
    results = AXE.run(page)
    assert results.response["testEngine"]["version"].startswith("4.")
    found = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]])
             for v in results.response["violations"]]
    assert found == [], results.generate_report()
    # axe really looked: it passed rules on this page's own content.
    assert len(results.response["passes"]) > 10


@pytest.mark.parametrize("width", [320, 360])
@pytest.mark.parametrize("state", STATES)
def test_no_sideways_scrolling_on_a_phone(at_width, server, tmp_path, state, width):
    page = at_width(width)
    STATES[state](page, server.url, tmp_path)
    widest = page.evaluate("""() => Math.max(...[...document.querySelectorAll('body *')]
        .map(e => e.getBoundingClientRect().right))""")
    assert page.evaluate("document.documentElement.scrollWidth") <= width, widest
    assert widest <= width
