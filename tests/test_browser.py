"""A person in a real browser: headless Chromium (Debian's) driven by Playwright, against
the app under gunicorn. Screenshots go to artifacts/screenshots/ (git-ignored)."""
import os
import re

import pytest
from playwright import sync_api as playwright_api
from tests.person import VALID
from tests.launcher import ARTIFACTS


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
            page.select_option(f"#field-{name}", value)
        else:
            page.fill(f"#field-{name}", value)


def test_a_person_gets_the_prediction_for_the_example(page, server, model, pipeline_predict):
    page.goto(server.url + "/")
    fill(page, VALID)
    with page.expect_navigation() as navigation:
        page.click("button[type=submit]")
    assert navigation.value.status == 200  # our own form, judged same-origin
    amount = page.locator("#prediction")
    [want] = pipeline_predict(model, [VALID])
    assert float(amount.get_attribute("data-value")) == pytest.approx(want, rel=1e-12)
    assert amount.inner_text() == f"${want:,.0f}"
    low, high = (float(page.locator("#range").get_attribute(a)) for a in ("data-low", "data-high"))
    assert 0 <= low <= want <= high
    assert page.locator("svg[role=img] rect.band").count() == 1
    assert page.input_value("#field-age") == "19"  # the answers stay in the form
    assert page.locator("svg[role=img] rect.bar").count() > 10
    assert page.locator("svg[role=img] rect.bar.mark").count() == 1
    cells = page.locator("#what-if td[data-value]")
    changed = [{**VALID, "smoker": "no"}, {**VALID, "bmi": "25"}, {**VALID, "children": "1"}] + [
        {**VALID, "region": r} for r in ("northeast", "northwest", "southeast")]
    got = [float(cells.nth(i).get_attribute("data-value")) for i in range(cells.count())]
    assert got == pytest.approx(pipeline_predict(model, changed), rel=1e-12)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "prediction-desktop.png"), full_page=True)


def test_invalid_form_shows_messages_and_focuses_the_first_error(page, server):
    page.goto(server.url + "/")
    fill(page, {**VALID, "age": "300", "bmi": "5"})
    page.click("button[type=submit]")
    assert page.locator("#field-age-error").inner_text() == "Age must be from 18 to 64."
    assert page.locator("#field-bmi-error").inner_text() == "BMI must be from 15.96 to 53.13."
    assert page.locator("#prediction").count() == 0
    assert page.evaluate("document.activeElement.id") == "field-age"


def in_view(page, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    size = page.viewport_size
    return (box is not None and box["y"] >= 0 and box["y"] + box["height"] <= size["height"]
            and box["x"] >= 0 and box["x"] + box["width"] <= size["width"])


@pytest.mark.parametrize("width, height, script", [
    (390, 844, True), (390, 844, False), (320, 568, False), (768, 1024, True),
    (1280, 900, True), (1920, 1080, False)])
def test_after_pressing_the_button_the_answer_is_in_view_and_focused(
        browser, server, width, height, script):
    context = browser.new_context(viewport={"width": width, "height": height},
                                  is_mobile=width < 500, java_script_enabled=script)
    page = context.new_page()
    page.goto(server.url + "/")
    fill(page, VALID)
    page.click("button[type=submit]")
    page.locator("#prediction").wait_for()
    for selector in ("#prediction", "#range", "#range-meaning"):
        assert in_view(page, selector), (selector, width, height)
    # Keyboard and screen-reader focus is on the answer, not left on <body>.
    assert page.evaluate("document.activeElement.id") == "answer"
    if width == 390:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"answer-phone{'-nojs' if not script else ''}.png"))
    context.close()


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


def phone(browser, width: int, height: int, script: bool = True):
    """A page in a fresh context of that screen size (a phone below 500 px)."""
    context = browser.new_context(viewport={"width": width, "height": height},
                                  is_mobile=width < 500, java_script_enabled=script)
    return context, context.new_page()


def focused(page) -> str:
    """The id of the focused element, once autofocus has run (it runs after load)."""
    page.wait_for_load_state()
    for _ in range(50):  # polled from here: wait_for_function's eval breaks the page's CSP
        if page.evaluate("document.activeElement !== document.body"):
            break
        page.wait_for_timeout(100)
    return page.evaluate("document.activeElement.id")


# What type="number" did with these: "19 years" arrived empty ("Age is required", the text
# wiped) and Chromium would not let "27,9" be typed at all.
@pytest.mark.parametrize("width, height, script", [
    (390, 844, True), (390, 844, False), (320, 568, False), (1280, 900, True)])
def test_text_typed_into_a_number_field_stays_there_with_a_message_in_view_and_focused(
        browser, server, width, height, script):
    context, page = phone(browser, width, height, script)
    page.goto(server.url + "/")
    fill(page, {**VALID, "age": "19 years"})
    assert page.input_value("#field-age") == "19 years"  # the browser took it as typed
    with page.expect_navigation() as navigation:
        page.click("form[action='/predict'] button[type=submit]")
    assert navigation.value.status == 400
    assert page.input_value("#field-age") == "19 years"  # kept as typed, not wiped
    message = page.locator("#field-age-error")
    # The wording is the schema's; whatever example it gives, it names the field and says
    # a number is wanted.
    assert re.match(r"Age must be\b.*\bnumber\b", message.inner_text()), message.inner_text()
    assert message.is_visible() and in_view(page, "#field-age-error") and in_view(page, "#field-age")
    assert focused(page) == "field-age"
    assert "field-age-error" in page.get_attribute("#field-age", "aria-describedby").split()
    assert page.get_attribute("#field-age", "aria-invalid") == "true"
    assert page.locator("#prediction").count() == 0
    # The other fields keep their answers too, and only Age is marked.
    assert page.input_value("#field-bmi") == VALID["bmi"]
    assert page.locator("[aria-invalid=true]").count() == 1
    assert page.title().startswith("Error: ")
    if width == 390:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"form-error-phone{'-nojs' if not script else ''}.png"))
    context.close()


def test_the_error_summary_links_to_each_field_with_its_message_in_view(browser, server):
    context, page = phone(browser, 390, 844, script=False)
    page.goto(server.url + "/")
    fill(page, {**VALID, "age": "19 years", "children": "9"})
    with page.expect_navigation():
        page.click("form[action='/predict'] button[type=submit]")
    links = page.locator(".error-summary a")
    assert links.all_inner_texts() == [page.inner_text("#field-age-error"),
                                       page.inner_text("#field-children-error")]
    page.click(".error-summary a[href='#field-children']")
    assert focused(page) == "field-children"
    for selector in ("label[for=field-children]", "#field-children-error", "#field-children"):
        assert in_view(page, selector), selector
    context.close()


def test_the_number_fields_are_text_inputs_the_browser_does_not_judge(page, server, model):
    page.goto(server.url + "/")
    for field in model.schema:
        if field.kind == "category":
            continue
        got = page.eval_on_selector(f"#field-{field.name}", """e => ({type: e.type,
            mode: e.inputMode, limits: ["min", "max", "step", "pattern"].filter(
            a => e.hasAttribute(a)), valid: (e.value = "twelve", e.checkValidity())})""")
        assert got == {"type": "text", "limits": [], "valid": True,
                       "mode": "numeric" if field.kind == "integer" else "decimal"}


def test_a_decimal_comma_is_read_as_a_decimal_point(page, server, model, pipeline_predict):
    # Needs the schema that reads one decimal comma (branch csv): "27,9" is 27.9.
    page.goto(server.url + "/")
    fill(page, {**VALID, "bmi": "27,9"})
    with page.expect_navigation() as navigation:
        page.click("form[action='/predict'] button[type=submit]")
    assert page.locator("#field-bmi-error").count() == 0, page.locator("#field-bmi-error").inner_text()
    assert navigation.value.status == 200
    [want] = pipeline_predict(model, [{**VALID, "bmi": "27.9"}])
    assert float(page.get_attribute("#prediction", "data-value")) == pytest.approx(want, rel=1e-12)
    assert page.input_value("#field-bmi") == "27,9"  # shown as the person wrote it


def bad_upload(tmp_path, rows: int) -> str:
    path = tmp_path / "bad.csv"
    path.write_text("age,sex,bmi,children,smoker,region\n"
                    + "19,female,27.9,0,maybe,southwest\n" * rows)
    return str(path)


@pytest.mark.parametrize("width, height, script", [
    (390, 844, True), (390, 844, False), (320, 568, False), (1280, 900, True)])
def test_after_a_failed_upload_the_errors_are_in_view_and_focused(
        browser, server, tmp_path, width, height, script):
    context, page = phone(browser, width, height, script)
    page.goto(server.url + "/")
    page.set_input_files("#file", bad_upload(tmp_path, 1))
    with page.expect_navigation() as navigation:
        page.click("#batch button[type=submit]")
    assert navigation.value.status == 400
    # Not the top of the page with the empty form, as if nothing had happened: the list.
    assert focused(page) == "batch-errors-title"
    assert page.evaluate("document.activeElement.closest('#batch-errors') !== null")
    assert "Row 2, smoker: must be one of no, yes." in page.locator("#batch-errors").inner_text()
    assert in_view(page, "#batch-errors")
    assert page.title().startswith("Error: ")
    if width == 390:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"upload-error-phone{'-nojs' if not script else ''}.png"))
    context.close()


def test_a_long_error_list_opens_at_its_top_on_a_small_phone(browser, server, tmp_path):
    context, page = phone(browser, 320, 568, script=False)
    page.goto(server.url + "/")
    page.set_input_files("#file", bad_upload(tmp_path, 300))
    page.click("#batch button[type=submit]")
    assert focused(page) == "batch-errors-title"
    assert page.locator("#batch-errors").bounding_box()["height"] > 568  # taller than the screen
    # Its heading and first rows show, not its middle, and the heading near the top of the
    # screen rather than centred, so the rest of the screen shows the list.
    assert in_view(page, "#batch-errors-title")
    assert page.locator("#batch-errors-title").bounding_box()["y"] < 568 / 3
    assert in_view(page, "#batch-errors-list li:nth-child(4)")
    context.close()


@pytest.fixture
def other_site(server):
    """A page on another origin (localhost, where the app is 127.0.0.1) holding a copy of
    our form, as a forger would post it."""
    import http.server
    import threading

    page = (f'<form method="post" action="{server.url}/predict">'
            + "".join(f'<input name="{k}" value="{v}">' for k, v in VALID.items())
            + '<button id="forge">Win a prize</button></form>').encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://localhost:{httpd.server_address[1]}/"
    httpd.shutdown()


def test_a_form_posted_from_another_site_is_refused(page, other_site):
    page.goto(other_site)
    with page.expect_navigation() as navigation:
        page.click("#forge")
    assert navigation.value.status == 403
    assert "another website" in page.locator("main").inner_text()
    assert page.locator("#prediction").count() == 0


def test_a_csv_upload_downloads_the_scored_file(page, server, model, data, tmp_path, pipeline_predict):
    upload = tmp_path / "people.csv"
    data.head(20).to_csv(upload, index=False)
    page.goto(server.url + "/")
    page.set_input_files("#file", str(upload))
    with page.expect_download() as download_info:
        page.click("#batch button[type=submit]")
    download = download_info.value
    assert download.suggested_filename == "people-predictions.csv"
    import pandas as pd
    scored = pd.read_csv(download.path())
    assert scored.predicted_charges.tolist() == pytest.approx(
        pipeline_predict(model, data.head(20).to_dict("records")), abs=0.005)


def test_a_bad_csv_upload_lists_the_cells_to_fix(page, server, tmp_path):
    upload = tmp_path / "bad.csv"
    upload.write_text("age,sex,bmi,children,smoker,region\n19,female,27.9,0,maybe,southwest\n")
    page.goto(server.url + "/")
    page.set_input_files("#file", str(upload))
    page.click("#batch button[type=submit]")
    assert "Row 2, smoker: must be one of no, yes." in page.locator("#batch-errors").inner_text()


def test_model_card_and_404_pages_render_in_the_apps_style(page, server, model):
    page.goto(server.url + "/")
    page.click("text=About the model")
    assert page.locator("h1").inner_text() == "About the model"
    assert model.sha256 in page.content()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "model-card.png"), full_page=True)
    response = page.goto(server.url + "/no-such-page")
    assert response.status == 404
    assert page.locator("a", has_text="Back to the form").count() == 1
