"""Clients the tests (and the bench) use against a running server: single requests on fresh
connections, and slow clients that send a byte a second."""
from __future__ import annotations

import http.client
import socket
import threading
from contextlib import contextmanager
from types import SimpleNamespace

from tests.person import FORM


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
