"""A person in a real browser: headless Chromium (Debian's) driven by Playwright, against
the app under gunicorn. Screenshots go to artifacts/screenshots/ (git-ignored)."""
import os

import pytest
from playwright import sync_api as playwright_api

from tests.conftest import ARTIFACTS, VALID, pipeline_predict

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SHOTS = ARTIFACTS / "screenshots"
# Without these, Chromium spends its start-up reaching for Google's hosts, which this
# network refuses; --no-sandbox because CI runs as root.
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    violations = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    yield page
    context.close()
    assert violations == [], "the page broke its own Content-Security-Policy"


def fill(page, fields):
    for name, value in fields.items():
        if name in ("sex", "smoker", "region"):
            page.select_option(f"#{name}", value)
        else:
            page.fill(f"#{name}", value)


def test_a_person_gets_the_prediction_for_the_example(page, server, model):
    page.goto(server.url + "/")
    fill(page, VALID)
    page.click("button[type=submit]")
    amount = page.locator("#prediction")
    [want] = pipeline_predict(model, [VALID])
    assert float(amount.get_attribute("data-value")) == pytest.approx(want, rel=1e-12)
    assert amount.inner_text() == f"${want:,.2f}"
    assert page.input_value("#age") == "19"  # the answers stay in the form
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "prediction-desktop.png"), full_page=True)


def test_invalid_form_shows_messages_and_focuses_the_first_error(page, server):
    page.goto(server.url + "/")
    fill(page, {**VALID, "age": "300", "bmi": "5"})
    page.click("button[type=submit]")
    assert page.locator("#age-error").inner_text() == "Age must be from 18 to 64."
    assert page.locator("#bmi-error").inner_text() == "BMI must be from 15.96 to 53.13."
    assert page.locator("#prediction").count() == 0
    assert page.evaluate("document.activeElement.id") == "age"


def test_the_page_fits_a_phone(browser, server):
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True)
    page = context.new_page()
    page.goto(server.url + "/")
    fill(page, VALID)
    page.click("button[type=submit]")
    page.locator("#prediction").wait_for()
    # Nothing wider than the screen: no sideways scrolling on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "prediction-phone.png"), full_page=True)
    context.close()
