"""Single requests: the form a browser would send, a correctness check, sequential timing."""
from __future__ import annotations

import http.client
import re
import statistics
import time
import urllib.parse
from dataclasses import dataclass

# The first row of the data set, as the form sends it (tests/conftest.py uses the same one).
VALID = {"age": "19", "sex": "female", "bmi": "27.9", "children": "0", "smoker": "yes",
         "region": "southwest"}


@dataclass
class Form:
    body: str     # urlencoded
    cookie: str   # "" when the server needs no session

    def headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if self.cookie:
            headers["Cookie"] = self.cookie
        return headers


def form_for(port: int, csrf: bool) -> Form:
    """The POST body; for a CSRF-protected server, with the token and session cookie a
    browser would have after GET /."""
    if not csrf:
        return Form(urllib.parse.urlencode(VALID), "")
    status, headers, page = request(port, "GET", "/")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    cookie = re.search(r"\bsession=([^;]+)", ", ".join(headers.get_all("Set-Cookie") or []))
    if status != 200 or not token or not cookie:
        raise RuntimeError(f"GET / gave {status} without a csrf_token input or session cookie")
    return Form(urllib.parse.urlencode({"csrf_token": token.group(1), **VALID}),
                f"session={cookie.group(1)}")


def request(port: int, method: str, path: str, body: str | None = None,
            headers: dict | None = None,
            timeout: float = 30) -> tuple[int, http.client.HTTPMessage, str]:
    # A fresh connection each time: gunicorn's sync workers close every connection anyway.
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.msg, response.read().decode()
    finally:
        conn.close()


def check_post(port: int, form: Form, marker: str) -> None:
    """Fail early and loudly if the form POST is not a successful prediction: a benchmark of
    400 pages would look wonderful."""
    status, _, page = request(port, "POST", "/predict", form.body, form.headers())
    if status != 200 or marker not in page:
        raise RuntimeError(f"POST /predict gave {status}, page without {marker!r}: "
                           f"{page[:300]!r}")


def sequential_ms(port: int, form: Form, count: int, budget_s: float) -> tuple[float, int]:
    """Median wall time of one form POST, sent one at a time so nothing queues: from connect
    to the last byte of the page, on loopback, nothing subtracted. Stops after `count`
    requests or `budget_s` seconds, whichever comes first."""
    times = []
    deadline = time.monotonic() + budget_s
    while len(times) < count and time.monotonic() < deadline:
        started = time.perf_counter()
        status, _, _ = request(port, "POST", "/predict", form.body, form.headers())
        times.append((time.perf_counter() - started) * 1000)
        if status != 200:
            raise RuntimeError(f"sequential POST /predict gave {status}")
    return statistics.median(times), len(times)


_ACCESS = re.compile(r'"POST /predict" 200 \d+ (\d+\.\d+)s$', re.M)


def server_side_ms(log_text: str, count: int) -> float | None:
    """Median time the worker spent on the last `count` successful form POSTs, from the
    access log's %(L)s field: the server's share, without connect and loopback time."""
    times = [float(t) * 1000 for t in _ACCESS.findall(log_text)[-count:]]
    return statistics.median(times) if times else None
