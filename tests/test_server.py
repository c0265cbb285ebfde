"""The app as Heroku runs it: gunicorn started from the Procfile, answering real HTTP."""
import re
import urllib.error
import urllib.parse
import urllib.request

import pytest

from app import ROOT
from bench.probe import VALID



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


def test_access_log_has_one_line_per_request_without_personal_values(server):
    post_form(server, {**VALID, "bmi": "31.337"}, {"X-Request-Id": "f00d-1"})
    urllib.request.urlopen(server.url + "/model?age=47").read()
    log = server.output()
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
    lines = server.output().splitlines()
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
