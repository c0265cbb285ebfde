"""What the bench and the tests send: the example person, single requests, wrk's load of form
POSTs and slow clients."""
from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import threading
import urllib.parse
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

# The data set's first row, as the form sends it.
VALID = {"age": "19", "sex": "female", "bmi": "27.9", "children": "0", "smoker": "yes",
         "region": "southwest"}
FORM = urllib.parse.urlencode(VALID)  # a plain POST, as wrk and curl send it: no cookie


def request(port: int, method: str, path: str, body: str | bytes | None = None,
            headers: dict | None = None, timeout: float = 30) -> tuple[int, str]:
    # A fresh connection each time: the servers close every connection anyway.
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read().decode()
    finally:
        conn.close()


def post_form(port: int, timeout: float = 30) -> tuple[int, str]:
    return request(port, "POST", "/predict", FORM,
                   {"Content-Type": "application/x-www-form-urlencoded"}, timeout)


def healthy(port: int, timeout: float = 5) -> bool:
    try:
        return request(port, "GET", "/healthz", timeout=timeout)[0] == 200
    except OSError:
        return False


def wrk(url: str, seconds: float, connections: int) -> dict:
    """Form POSTs to /predict over `connections` for `seconds`, as post.lua sums them up."""
    done = subprocess.run(["wrk", f"-t{min(2, connections)}", f"-c{connections}",
                           f"-d{seconds:g}s", "--timeout", "10s", "-s",
                           str(Path(__file__).with_name("post.lua")), url + "/predict"],
                          env={**os.environ, "BENCH_BODY": FORM}, capture_output=True,
                          text=True, timeout=seconds + 30)
    if done.returncode:
        raise RuntimeError(f"wrk exited with {done.returncode}: {done.stderr}")
    return json.loads(done.stdout.splitlines()[-1])


# Requests that then come a byte a second: headers that never end, a form body never complete.
STARTS = {"headers": b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ",
          "bodies": b"POST /predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n"
                    b"Content-Type: application/x-www-form-urlencoded\r\n\r\nage="}


@contextmanager
def slow_clients(port: int, count: int, kind: str):
    """`count` connections sending `kind` a byte a second each until the block ends (a minute
    at most): `.sockets` are those still open, `.dropped` counts those the server closed."""
    clients = SimpleNamespace(dropped=0, sockets=[
        socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(count)])
    stop = threading.Event()

    def dribble() -> None:
        for _ in range(60):
            if stop.wait(1):
                return
            for conn in list(clients.sockets):
                try:
                    conn.send(b"a")
                except OSError:
                    clients.sockets.remove(conn)
                    conn.close()
                    clients.dropped += 1

    for conn in clients.sockets:
        conn.sendall(STARTS[kind])
    thread = threading.Thread(target=dribble, daemon=True)
    thread.start()
    try:
        yield clients
    finally:
        stop.set()
        thread.join(5)
        for conn in clients.sockets:
            conn.close()
