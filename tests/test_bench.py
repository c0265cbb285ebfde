"""The benchmark's bare-Flask bound must keep rendering the app's real page, or `make bench`
compares against an error page (it checks, but only when someone runs it)."""
from bench import bare_app
from tests.person import VALID


def test_the_bare_bound_renders_the_apps_form_and_echoes_a_post():
    client = bare_app.app.test_client()
    page = client.get("/")
    assert page.status_code == 200 and 'id="field-age" name="age"' in page.get_data(as_text=True)
    # The form's own links are built as the app builds them, not left to the "#" fallback.
    assert 'action="/predict"' in page.get_data(as_text=True)
    posted = client.post("/predict", data=VALID)
    assert posted.status_code == 200 and 'value="27.9"' in posted.get_data(as_text=True)
    assert client.post("/predict", data={**VALID, "age": "x"}).status_code == 400
