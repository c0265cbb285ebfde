"""Clients a server must survive: slow ones, and the largest uploads, many at once
(make loadtest and tests/test_workers.py)."""
from __future__ import annotations

import http.client
import socket
import threading
import time

# The start of a request that then comes a byte a second: headers that never end, or a body
# that never completes (a form post's, which the view reads).
STARTS = {
    "headers": b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ",
    "bodies": b"POST /predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n"
              b"Content-Type: application/x-www-form-urlencoded\r\n\r\nage=",
}


class SlowClients:
    """`count` connections sending `kind` a byte a second each, from a thread that stops
    when the block ends or after `limit_s`, whichever comes first."""

    def __init__(self, port: int, count: int, kind: str, limit_s: float = 60):
        self.port, self.count, self.start, self.limit_s = port, count, STARTS[kind], limit_s
        self.sockets: list[socket.socket] = []
        self.dropped = 0  # connections the server closed on them
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._dribble, daemon=True)

    def __enter__(self) -> "SlowClients":
        for _ in range(self.count):
            conn = socket.create_connection(("127.0.0.1", self.port), timeout=5)
            conn.sendall(self.start)
            self.sockets.append(conn)
        self._thread.start()
        return self

    def _dribble(self) -> None:
        deadline = time.monotonic() + self.limit_s
        while not self._stop.wait(1) and time.monotonic() < deadline:
            for conn in list(self.sockets):
                try:
                    conn.send(b"a")
                except OSError:
                    self.sockets.remove(conn)
                    conn.close()
                    self.dropped += 1

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(5)
        for conn in self.sockets:
            conn.close()


def largest_csv(rows: int = 50_000, columns: int = 20) -> bytes:
    """A file at the app's cell limit (1,000,000 cells, ~8.6 MB): the six fields, valid and
    varied, plus text columns whose every cell differs, as pandas must hold each one."""
    regions = ("southwest", "southeast", "northwest", "northeast")
    extra = [f"note{j}" for j in range(columns - 6)]
    lines = [",".join(["age", "sex", "bmi", "children", "smoker", "region", *extra])]
    for i in range(rows):
        lines.append(",".join([str(18 + i % 47), ("female", "male")[i % 2],
                               f"{16 + i * 37 % 3700 / 100:.2f}", str(i % 6),
                               ("no", "yes")[i % 3 == 0], regions[i % 4],
                               *(f"{i:06d}c{j:02d}" for j in range(len(extra)))]))
    return ("\n".join(lines) + "\n").encode()


def upload(port: int, content: bytes, timeout: float = 120) -> tuple[int, int]:
    """POST /batch as the page's form sends a file: the status and the answer's size."""
    boundary = "bench-upload-boundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"people.csv\"\r\nContent-Type: text/csv\r\n\r\n").encode() \
        + content + f"\r\n--{boundary}--\r\n".encode()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("POST", "/batch", body=body,
                     headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
        response = conn.getresponse()
        return response.status, len(response.read())
    finally:
        conn.close()
