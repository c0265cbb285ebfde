"""The app as Heroku runs it: gunicorn started from the Procfile, answering real HTTP; and
web/server.py, what the app does inside gunicorn, on its own."""
import datetime
import io
import re
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from types import SimpleNamespace

import pytest
from gunicorn.config import Config
from werkzeug.test import Client

from app import ROOT
from tests.person import VALID
from web.admission import Gate, Ticket
from web.server import (LARGE_BODY, RETRY_AFTER_S, AccessLog, LargeRequests, arrival,
                        large_size)


def post_form(server, fields, headers=None):
    """A plain POST, as curl or a script sends it: no cookie jar, no browser headers."""
    body = urllib.parse.urlencode(fields).encode()
    request = urllib.request.Request(server.url + "/predict", data=body, headers=headers or {})
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_gunicorn_serves_the_form_and_a_prediction(server, model, pipeline_predict):
    status, html = post_form(server, VALID)
    assert status == 200
    [want] = pipeline_predict(model, [VALID])
    got = float(re.search(r'data-value="([^"]+)"', html).group(1))
    assert got == pytest.approx(want, rel=1e-12)


def test_gunicorn_answers_bad_input_with_400(server):
    status, html = post_form(server, {**VALID, "smoker": "male"})
    assert status == 400
    assert "Smoker must be one of no, yes." in html


def test_a_post_from_another_origin_is_refused_by_every_worker(server):
    # Fresh connections land on either worker; both judge the headers alike.
    for _ in range(6):
        assert post_form(server, VALID, {"Origin": "http://evil.example"})[0] == 403
        assert post_form(server, VALID, {"Origin": server.url})[0] == 200


def logged(server, text: str) -> str:
    """The log once it has `text`: gunicorn writes a request's line after sending the answer,
    so it may come just after the client has read it."""
    deadline = time.monotonic() + 5
    while text not in (log := server.output()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return log


def test_access_log_has_one_line_per_request_without_personal_values(server):
    post_form(server, {**VALID, "bmi": "31.337"}, {"X-Request-Id": "f00d-1"})
    urllib.request.urlopen(server.url + "/model?age=47").read()
    log = logged(server, 'path="/model"')
    # logfmt, as Heroku's getting-started app logs; the router's request id ties it to its line.
    assert re.search(r'method=POST path="/predict" status=200 bytes=\d+ duration=\d+\.\d{6}s '
                     r'request_id="f00d-1"$', log, re.M)
    assert re.search(r'method=GET path="/model" status=200 .* request_id="-"$', log, re.M)
    assert "31.337" not in log and "age=47" not in log


def test_a_request_cannot_forge_a_line_of_the_access_log(server):
    forged = "gunicorn method=POST path=/forged status=200"
    for path in ("/x%0A" + forged.replace(" ", "%20"), "/x%0D%0A" + forged.replace(" ", "%20")):
        try:
            urllib.request.urlopen(server.url + path)
        except urllib.error.HTTPError as error:
            assert error.code == 404
    request = urllib.request.Request(server.url + "/healthz",
                                     headers={"X-Request-Id": 'a" status=500 x="'})
    urllib.request.urlopen(request).read()
    lines = logged(server, "status=500 x=").splitlines()
    assert not any(line.startswith(forged) for line in lines)
    assert any('request_id="a\\" status=500 x=\\""' in line for line in lines)


def test_security_headers_on_every_response(server):
    for path in ("/", "/healthz", "/static/style.css", "/missing"):
        try:
            response = urllib.request.urlopen(server.url + path)
        except urllib.error.HTTPError as error:
            response = error
        headers = response.headers
        assert "default-src 'self'" in headers["Content-Security-Policy"], path
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"], path
        assert headers["X-Content-Type-Options"] == "nosniff", path
        assert headers["Referrer-Policy"] == "same-origin", path
        assert "Strict-Transport-Security" not in headers, path  # plain HTTP here


def test_the_procfile_serves_with_nothing_but_path_and_port(start_server, model,
                                                           pipeline_predict):
    """`heroku create` + `git push` sets no config var, and `heroku local web` none either:
    the Procfile must serve the form from an environment of PATH and PORT alone."""
    server = start_server(bare=True)
    assert set(server.env()) == {"PATH", "PORT"}
    status, html = post_form(server, VALID)
    assert status == 200, html[:500]
    [want] = pipeline_predict(model, [VALID])
    assert float(re.search(r'data-value="([^"]+)"', html).group(1)) == pytest.approx(
        want, rel=1e-12)
    assert post_form(server, VALID, {"Sec-Fetch-Site": "cross-site"})[0] == 403


def test_with_a_tampered_model_gunicorn_refuses_to_start(start_server, tmp_path):
    import shutil

    shutil.copy(ROOT / "deployment.json", tmp_path / "deployment.json")
    (tmp_path / "deployment.pkl").write_bytes((ROOT / "deployment.pkl").read_bytes()[:-10])
    with pytest.raises(RuntimeError, match="refusing to unpickle"):
        start_server({"MODEL_PATH": str(tmp_path / "deployment.pkl")})


# --- web/server.py on its own: the large-request middleware, the access log -------------

def large_csv(rows: int = 3000) -> bytes:
    header = ",".join(VALID) + "\n"
    return (header + (",".join(VALID.values()) + "\n") * rows).encode()


def router_start(seconds_ago: float) -> dict:
    """Heroku's X-Request-Start: when the router received the request, in ms."""
    return {"X-Request-Start": str(int((time.time() - seconds_ago) * 1000))}


def upload(client, content: bytes, headers: dict | None = None):
    return client.post("/batch", data={"file": (io.BytesIO(content), "people.csv")},
                       headers={"Sec-Fetch-Site": "same-origin", **(headers or {})})


def test_a_large_request_that_cannot_be_answered_in_time_gets_a_503_at_once(app, person):
    gate = Gate()
    client = Client(LargeRequests(app, app.config["MAX_CONTENT_LENGTH"], gate))
    content = large_csv()
    assert len(content) > LARGE_BODY
    # The router got it 28 s ago: whatever the estimate, it cannot be scored in time.
    page = upload(client, content, router_start(28))
    assert page.status_code == 503 and page.headers["Retry-After"] == str(RETRY_AFTER_S)
    html = page.get_data(as_text=True)
    assert "<title>503 Busy right now" in html
    assert "busy scoring other files right now. Please try again in a minute." in html
    api = client.post("/api/predict", json=[person] * 1500, headers=router_start(28))
    assert api.status_code == 503 and api.headers["Retry-After"] == str(RETRY_AFTER_S)
    assert "try again in a minute" in api.get_json()["errors"][0]["message"]
    assert gate.holder is None and not gate.waiting
    # Arrived just now (or without the header, as off Heroku): scored, and timed.
    before = gate.seconds_per_byte
    for headers in (router_start(0), {}):
        scored = upload(client, content, headers)
        assert scored.status_code == 200 and scored.mimetype == "text/csv"
        assert gate.holder is not None  # until the answer is sent
        scored.close()  # as gunicorn closes it once sent
    assert gate.seconds_per_byte != before and gate.holder is None


def test_forms_and_small_requests_never_wait_for_the_slot(app, person):
    gate = Gate()
    gate.holder = Ticket(8 * 2**20, gate.clock() + 25)  # an upload holds the slot
    gate.holder.granted_at = gate.clock()
    client = Client(LargeRequests(app, app.config["MAX_CONTENT_LENGTH"], gate))
    form = client.post("/predict", data=VALID, headers={"Sec-Fetch-Site": "same-origin"})
    assert form.status_code == 200
    assert client.post("/api/predict", json=[person] * 10).status_code == 200
    assert upload(client, large_csv(10)).status_code == 200


@pytest.mark.parametrize("environ, size", [
    ({"CONTENT_LENGTH": str(LARGE_BODY)}, None),  # a form, or a small file
    ({"CONTENT_LENGTH": str(LARGE_BODY + 1)}, LARGE_BODY + 1),
    ({"CONTENT_LENGTH": "x"}, None),
    ({"CONTENT_LENGTH": str(11 * 2**20)}, None),  # over the limit: refused unread (413)
    ({"HTTP_TRANSFER_ENCODING": "chunked"}, 10 * 2**20),  # no size: counted as the limit
])
def test_what_counts_as_a_large_request(environ, size):
    assert large_size(environ, 10 * 2**20) == size


@pytest.mark.parametrize("header, ago", [
    (None, 0.0), ("garbage", 0.0),
    ("{ms}", 12.0), ("t={us}", 12.0), ("{s}", 12.0),  # Heroku's ms; others' µs and s
    ("{future}", 0.0),  # a clock ahead of ours: now, never later
    ("{long_ago}", 30.0),  # never before the router's own 30 s
])
def test_arrival_is_when_the_router_got_the_request(header, ago):
    wall, now = 1_800_000_000.0, 500.0
    values = {"ms": int((wall - 12) * 1e3), "us": int((wall - 12) * 1e6), "s": wall - 12,
              "future": int((wall + 5) * 1e3), "long_ago": int((wall - 3600) * 1e3)}
    environ = {} if header is None else {"HTTP_X_REQUEST_START": header.format(**values)}
    assert arrival(environ, now, wall) == pytest.approx(now - ago, abs=1e-3)


def test_the_access_log_escapes_what_could_forge_a_line():
    logger = AccessLog(Config())
    resp = SimpleNamespace(status="200 OK", sent=5, headers=[])
    req = SimpleNamespace(headers=[("X-REQUEST-ID", 'a" status=500 x="\n')])
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": "/x%0A", "SERVER_PROTOCOL": "HTTP/1.0",
               "PATH_INFO": "/x\ngunicorn method=POST\r"}
    atoms = logger.atoms(resp, req, environ, datetime.timedelta(seconds=1))
    assert atoms["U"] == "/x\\ngunicorn method=POST\\r"
    assert atoms["{x-request-id}i"] == 'a" status=500 x="\\n'
    assert "\n" not in atoms["U"] + atoms["{x-request-id}i"]


# --- the server process, in the environment a Heroku dyno gives it ------------------------

def test_on_a_dyno_no_control_socket_and_the_access_log_keeps_its_format(start_server):
    server = start_server(heroku=True)
    request = urllib.request.Request(server.url + "/static/style.css", headers={
        "X-Forwarded-Proto": "https", "X-Request-Id": "css-1"})  # as Heroku's router sends it
    css = urllib.request.urlopen(request).read()
    assert css == (ROOT / "static" / "style.css").read_bytes()
    server.stop()
    log = server.output()
    # GUNICORN_CMD_ARGS="--access-logfile -" outranks the config file, yet the logfmt line
    # and the bytes actually sent (not bytes=0, as with sendfile) are there.
    assert re.search(rf'^gunicorn method=GET path="/static/style.css" status=200 '
                     rf'bytes={len(css)} duration=\d+\.\d{{6}}s request_id="css-1"$', log, re.M)
    assert "Control socket" not in log
    assert not (server.home / ".gunicorn").exists()


def test_error_pages_are_titled_in_plain_words(server, client):
    # The 413 from gunicorn, as a browser gets it: refused from the headers, body unread.
    with socket.create_connection(("127.0.0.1", server.port)) as conn:
        conn.sendall(b"POST /batch HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; "
                     b"boundary=b\r\nContent-Length: %d\r\n\r\n" % (11 * 2**20))
        answer = conn.makefile("rb").read().decode()
    assert answer.startswith("HTTP/1.1 413 ")
    assert "<title>413 File too large" in answer and "Request Entity Too Large" not in answer
    cross_site = {"Sec-Fetch-Site": "cross-site"}
    for response, title in ((client.get("/missing"), "404 Page not found"),
                            (client.put("/predict"), "405 Not something this page does"),
                            (client.post("/predict", data=VALID, headers=cross_site),
                             "403 Sent from another website")):
        assert f"<title>{title} ·" in response.get_data(as_text=True)
