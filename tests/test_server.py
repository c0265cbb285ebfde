"""The app as Heroku runs it: gunicorn started from the Procfile, answering real HTTP."""
import re
import urllib.error
import urllib.parse
import urllib.request

import pytest

from tests.conftest import ROOT, VALID, BareServer, Server, pipeline_predict


def post_form(server, fields, headers=None):
    """A plain POST, as curl or a script sends it: no cookie jar, no browser headers."""
    body = urllib.parse.urlencode(fields).encode()
    request = urllib.request.Request(server.url + "/predict", data=body, headers=headers or {})
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_gunicorn_serves_the_form_and_a_prediction(server, model):
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


def test_access_log_has_one_line_per_request_without_personal_values(server):
    post_form(server, {**VALID, "bmi": "31.337"})
    log = server.output()
    assert re.search(r'"POST /predict" 200 \d+ \d+\.\d{6}s', log)
    assert "31.337" not in log


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


def test_the_procfile_serves_with_nothing_but_path_and_port(model):
    """`heroku create` + `git push` sets no config var, and `heroku local web` none either:
    the Procfile must serve the form from an environment of PATH and PORT alone."""
    server = BareServer().start(60)
    try:
        assert set(server.env()) == {"PATH", "PORT"}
        status, html = post_form(server, VALID)
        assert status == 200, html[:500]
        [want] = pipeline_predict(model, [VALID])
        assert float(re.search(r'data-value="([^"]+)"', html).group(1)) == pytest.approx(
            want, rel=1e-12)
        assert post_form(server, VALID, {"Sec-Fetch-Site": "cross-site"})[0] == 403
    finally:
        server.stop()


def test_with_a_tampered_model_gunicorn_refuses_to_start(tmp_path):
    import shutil

    shutil.copy(ROOT / "deployment.json", tmp_path / "deployment.json")
    (tmp_path / "deployment.pkl").write_bytes((ROOT / "deployment.pkl").read_bytes()[:-10])
    server = Server({"MODEL_PATH": str(tmp_path / "deployment.pkl")})
    try:
        with pytest.raises(RuntimeError, match="refusing to unpickle"):
            server.start(60)
    finally:
        server.stop()


def wait_for(condition, seconds: float, interval: float = 0.2):
    """Poll until condition() is truthy or the time is up; the last value either way."""
    import time
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)


def healthy(server) -> bool:
    try:
        with urllib.request.urlopen(server.url + "/healthz", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def test_a_stalled_request_holds_a_worker_no_longer_than_the_timeout():
    import socket
    server = Server({"GUNICORN_CMD_ARGS": "--timeout 3", "WEB_CONCURRENCY": "1"}).start(60)
    try:
        stalled = socket.create_connection(("127.0.0.1", server.port))
        # Headers promise a body that never comes: the only worker is stuck reading it.
        stalled.sendall(b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nage=")
        assert wait_for(lambda: healthy(server), seconds=20), server.output()[-2000:]
        stalled.close()
    finally:
        server.stop()


def test_a_killed_worker_is_replaced_and_the_other_keeps_serving(model):
    import os
    import signal
    import psutil

    server = Server().start(60)
    try:
        master = psutil.Process(server.proc.pid)
        # The first worker may answer before the second has forked.
        workers = wait_for(lambda: len(master.children()) == 2 and master.children(), 20)
        assert workers and len(workers) == 2
        os.kill(workers[0].pid, signal.SIGKILL)
        assert all(healthy(server) for _ in range(10))  # the survivor answers meanwhile
        replaced = wait_for(lambda: len(master.children()) == 2
                            and workers[0].pid not in {w.pid for w in master.children()}, 20)
        assert replaced, server.output()[-2000:]
        assert healthy(server)
    finally:
        server.stop()
