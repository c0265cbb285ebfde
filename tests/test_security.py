"""web/security.py: response headers, cross-origin posts, HTTPS behind the proxy, debug."""
import pytest

from app import create_app, debug_requested
from tests.person import VALID

def test_hsts_is_sent_over_https_behind_herokus_router(model):
    app = create_app({"MODEL": model, "TRUST_PROXY": True})
    client = app.test_client()
    behind_tls = client.get("/", headers={"X-Forwarded-Proto": "https"})
    assert behind_tls.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "Strict-Transport-Security" not in client.get("/").headers


def test_forwarded_proto_is_ignored_unless_behind_a_proxy(client):
    assert "Strict-Transport-Security" not in client.get(
        "/", headers={"X-Forwarded-Proto": "https"}).headers


def test_no_page_sets_a_cookie(client, post_form):
    for response in (client.get("/"), post_form(VALID), client.get("/model")):
        assert "Set-Cookie" not in response.headers


# Form posts are judged by the browser's own headers (Go's CrossOriginProtection).
OWN = "http://localhost"  # the test client's scheme and host


@pytest.mark.parametrize("headers, status", [
    ({"Sec-Fetch-Site": "same-origin"}, 200),
    ({"Sec-Fetch-Site": "none"}, 200),  # typed into the address bar, a bookmark
    ({"Sec-Fetch-Site": "same-origin", "Origin": "https://evil.example"}, 200),
    ({"Sec-Fetch-Site": "cross-site"}, 403),
    ({"Sec-Fetch-Site": "same-site"}, 403),  # a sibling subdomain is another origin
    ({"Sec-Fetch-Site": "cross-site", "Origin": OWN}, 403),  # the browser's word wins
    ({}, 200),  # no browser headers: curl, a script
    ({"Origin": OWN}, 200),
    ({"Origin": "https://localhost"}, 403),  # another scheme is another origin
    ({"Origin": "http://localhost:8080"}, 403),
    ({"Origin": "https://evil.example"}, 403),
    ({"Origin": "null"}, 403),  # a sandboxed frame or a data: page
])
def test_form_posts_are_refused_from_other_origins(client, headers, status):
    for path, data in (("/predict", VALID), ("/batch", {})):
        response = client.post(path, data=data, headers=headers)
        if status == 403:
            assert response.status_code == 403, (path, headers)
            assert "another website" in response.get_data(as_text=True)
        else:
            assert response.status_code != 403, (path, headers)


def test_behind_herokus_tls_proxy_the_own_origin_is_https(model):
    client = create_app({"MODEL": model, "TRUST_PROXY": True}).test_client()
    behind = {"X-Forwarded-Proto": "https", "Host": "charges.herokuapp.com"}
    own = client.post("/predict", data=VALID,
                      headers={**behind, "Origin": "https://charges.herokuapp.com"})
    assert own.status_code == 200
    foreign = client.post("/predict", data=VALID,
                          headers={**behind, "Origin": "https://evil.herokuapp.com"})
    assert foreign.status_code == 403
    downgraded = client.post("/predict", data=VALID,
                             headers={**behind, "Origin": "http://charges.herokuapp.com"})
    assert downgraded.status_code == 403


def test_the_api_needs_no_browser_headers_and_ignores_them(client):
    for headers in ({}, {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}):
        response = client.post("/api/predict", json=[{**VALID, "age": 19, "bmi": 27.9,
                                                      "children": 0}], headers=headers)
        assert response.status_code == 200


def test_csp_forbids_inline_code_and_framing(client):
    csp = client.get("/").headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp


def test_pages_have_no_inline_script_or_style(client, post_form):
    for html in (client.get("/").get_data(as_text=True), post_form(VALID).get_data(as_text=True),
                 client.get("/model").get_data(as_text=True)):
        assert "<script>" not in html and "<style" not in html and "style=" not in html
        assert "onclick=" not in html and "http://" not in html and "https://" not in html


def test_debug_is_off_unless_asked_for(model, monkeypatch):
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    assert create_app({"MODEL": model}).debug is False
    monkeypatch.setenv("FLASK_DEBUG", "1")  # e.g. left in a Heroku config: still off
    assert create_app({"MODEL": model}).debug is False
    assert debug_requested({}) is False
    assert debug_requested({"FLASK_DEBUG": "0"}) is False
    assert debug_requested({"FLASK_DEBUG": "true"}) is False
    assert debug_requested({"FLASK_DEBUG": "1"}) is True


def test_plain_http_behind_herokus_router_is_sent_to_https(model):
    client = create_app({"MODEL": model, "TRUST_PROXY": True}).test_client()
    response = client.get("/model?x=1", headers={"X-Forwarded-Proto": "http"})
    assert response.status_code == 301
    assert response.headers["Location"] == "https://localhost/model?x=1"
    assert client.get("/", headers={"X-Forwarded-Proto": "https"}).status_code == 200


@pytest.mark.parametrize("trust_proxy", [False, True])
@pytest.mark.parametrize("host", ["..", "a..b", ".a", "a" * 64 + ".example"])
def test_a_host_header_that_is_no_host_name_is_a_400_not_a_500(model, trust_proxy, host):
    client = create_app({"MODEL": model, "TRUST_PROXY": trust_proxy}).test_client()
    for response in (client.get("/", headers={"Host": host}),
                     client.post("/predict", data=VALID, headers={"Host": host})):
        assert response.status_code == 400, (host, response.status_code)
        assert "Bad Request" in response.get_data(as_text=True)
