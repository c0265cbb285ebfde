"""Single requests: the form a program would send, a correctness check, sequential timing."""
from __future__ import annotations

import http.client
import re
import statistics
import time
import urllib.parse

# The first row of the data set, as the form sends it (tests/conftest.py uses the same one).
VALID = {"age": "19", "sex": "female", "bmi": "27.9", "children": "0", "smoker": "yes",
         "region": "southwest"}
# A plain POST, as wrk and curl send it: no cookie, no browser headers.
FORM = urllib.parse.urlencode(VALID)
FORM_HEADERS = {"Content-Type": "application/x-www-form-urlencoded"}


def request(port: int, method: str, path: str, body: str | bytes | None = None,
            headers: dict | None = None,
            timeout: float = 30) -> tuple[int, http.client.HTTPMessage, str]:
    # A fresh connection each time: the servers close every connection anyway.
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.msg, response.read().decode()
    finally:
        conn.close()


def post_form(port: int, timeout: float = 30) -> tuple[int, str]:
    status, _, page = request(port, "POST", "/predict", FORM, FORM_HEADERS, timeout)
    return status, page


def healthy(port: int, timeout: float = 5) -> bool:
    try:
        return request(port, "GET", "/healthz", timeout=timeout)[0] == 200
    except OSError:
        return False


def check_post(port: int, marker: str) -> None:
    """Fail early and loudly if the form POST is not a successful prediction: a benchmark of
    400 pages would look wonderful."""
    status, page = post_form(port)
    if status != 200 or marker not in page:
        raise RuntimeError(f"POST /predict gave {status}, page without {marker!r}: "
                           f"{page[:300]!r}")


def sequential_ms(port: int, count: int, budget_s: float) -> tuple[float, int]:
    """Median wall time of one form POST, sent one at a time so nothing queues: from connect
    to the last byte of the page, on loopback, nothing subtracted. Stops after `count`
    requests or `budget_s` seconds, whichever comes first."""
    times = []
    deadline = time.monotonic() + budget_s
    while len(times) < count and time.monotonic() < deadline:
        started = time.perf_counter()
        status, _ = post_form(port)
        times.append((time.perf_counter() - started) * 1000)
        if status != 200:
            raise RuntimeError(f"sequential POST /predict gave {status}")
    return statistics.median(times), len(times)


# gunicorn.conf.py's access log line; duration is the time in the worker.
_ACCESS = re.compile(r'method=POST path="/predict" status=200 bytes=\d+ duration=(\d+\.\d+)s')


def server_side_ms(log_text: str, count: int) -> float | None:
    """Median time the worker spent on the last `count` successful form POSTs, from the
    access log's duration: the server's share, without connect and loopback time."""
    times = [float(t) * 1000 for t in _ACCESS.findall(log_text)[-count:]]
    return statistics.median(times) if times else None
