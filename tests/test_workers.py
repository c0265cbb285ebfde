"""gunicorn's gevent workers as the Procfile starts them: slow clients hold up no one, a
killed worker costs only the connections it held, large requests take turns or are told to
come back, the workers stop promptly, and gevent leaves nothing in the log."""
from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import time
from concurrent.futures import ThreadPoolExecutor

import psutil
import pytest

from tests import clients

SLOW = 80
# Answered at all while they send: held up behind them would mean until they leave, or
# until gunicorn's timeout killed the worker.
PROMPT_S = 5


def wait_for(condition, seconds: float, interval: float = 0.2):
    """Poll until condition() is truthy or the time is up; the last value either way."""
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)


def workers_of(server) -> list[psutil.Process]:
    """Both workers, once both have forked (the first may answer before the second is up)."""
    master = psutil.Process(server.proc.pid)
    found = wait_for(lambda: len(master.children()) == 2 and master.children(), 20)
    assert found, server.output()[-2000:]
    return found


def connections(process: psutil.Process) -> int:
    return sum(c.status == psutil.CONN_ESTABLISHED for c in process.net_connections("tcp"))


@pytest.mark.parametrize("kind", ["headers", "bodies"])
def test_slow_clients_hold_up_no_one_and_leave_nothing_behind(server, person, kind):
    port = server.port
    with clients.slow_clients(port, SLOW, kind) as slow:
        time.sleep(1)  # the workers have taken them in before anyone else asks
        assert clients.healthy(port, timeout=PROMPT_S)
        status, page = clients.post_form(port, timeout=PROMPT_S)
        assert status == 200 and 'id="prediction"' in page
        status, _ = clients.request(port, "POST", "/api/predict", json.dumps(person),
                                  {"Content-Type": "application/json"}, timeout=PROMPT_S)
        assert status == 200
        assert len(slow.sockets) == SLOW  # they were still being served, slowly
    # Once they leave, the workers let go of their connections and serve as before.
    assert wait_for(lambda: sum(map(connections, workers_of(server))) == 0, 10)
    assert [clients.post_form(port, timeout=PROMPT_S)[0] for _ in range(20)] == [200] * 20


def test_a_stalled_request_holds_no_worker_and_gets_none_killed(start_server):
    # One worker, and gunicorn's timeout at 3 s: a sync worker would be stuck reading the
    # body until killed. A gevent worker serves others meanwhile, keeps its heartbeat, and
    # leaves the stalled connection to the client (or, on Heroku, the router) to end.
    server = start_server({"GUNICORN_CMD_ARGS": "--timeout 3", "WEB_CONCURRENCY": "1"})
    [worker] = psutil.Process(server.proc.pid).children()
    with socket.create_connection(("127.0.0.1", server.port)) as stalled:
        stalled.sendall(b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n"
                        b"Content-Type: application/x-www-form-urlencoded\r\n\r\nage=")
        deadline = time.monotonic() + 5  # past the timeout
        while time.monotonic() < deadline:
            assert clients.healthy(server.port, timeout=PROMPT_S)
            time.sleep(0.5)
        stalled.setblocking(False)
        with pytest.raises(BlockingIOError):  # still open, nothing answered yet
            stalled.recv(1)
    assert psutil.Process(server.proc.pid).children() == [worker]
    server.stop()  # the log is complete only once the worker has exited
    log = server.output()
    assert "WORKER TIMEOUT" not in log
    # gevent patches each worker after the app was preloaded: no warning about what was
    # imported first, and no traceback when the worker exits.
    assert "Warning" not in log and "Traceback" not in log, log[-3000:]


def test_a_killed_worker_costs_only_its_connections_and_the_other_keeps_serving(start_server):
    server = start_server()
    victim, other = workers_of(server)
    # Ten slow clients on each worker: a stopped worker takes no new connections, so each
    # batch goes to the one left running.
    os.kill(other.pid, signal.SIGSTOP)
    with clients.slow_clients(server.port, 10, "bodies") as its_clients:
        assert wait_for(lambda: connections(victim) == 10, 10)
        os.kill(victim.pid, signal.SIGSTOP)
        os.kill(other.pid, signal.SIGCONT)
        with clients.slow_clients(server.port, 10, "bodies") as others_clients:
            assert wait_for(lambda: connections(other) == 10, 10)
            os.kill(victim.pid, signal.SIGKILL)
            assert all(clients.healthy(server.port) for _ in range(10))  # the survivor answers
            replaced = wait_for(lambda: victim.pid not in {w.pid for w in workers_of(server)},
                                20)
            assert replaced, server.output()[-2000:]
            # Its clients lose their connections; the other worker's keep sending.
            assert wait_for(lambda: its_clients.dropped == 10, 10)
            assert len(others_clients.sockets) == 10
    assert clients.healthy(server.port)


def post_large(port: int, path: str, body: bytes, headers: dict) -> tuple[int, dict, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("POST", path, body, headers)
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode()
    finally:
        conn.close()


def test_a_large_request_that_cannot_be_answered_in_time_gets_a_quick_503(server, person):
    # Heroku's router got it 28 s ago (it waited for a connection): no worker could score it
    # before the router gives up at 30 s, so it is told at once to come back.
    late = {"X-Request-Start": str(int((time.time() - 28) * 1000))}
    content = ("age,sex,bmi,children,smoker,region\n"
               + "19,female,27.9,0,yes,southwest\n" * 3000).encode()
    form = (b'--b\r\nContent-Disposition: form-data; name="file"; filename="people.csv"\r\n'
            b"Content-Type: text/csv\r\n\r\n" + content + b"\r\n--b--\r\n")
    for path, body, kind in (
            ("/batch", form, {"Content-Type": "multipart/form-data; boundary=b"}),
            ("/api/predict", json.dumps([person] * 1500).encode(),
             {"Content-Type": "application/json"})):
        assert len(body) > 64 * 1024
        started = time.monotonic()
        status, headers, text = post_large(server.port, path, body, {**late, **kind})
        assert time.monotonic() - started < 10  # well within the router's 30 s
        assert status == 503 and headers["Retry-After"] == "60", (path, status, text[:300])
        assert "busy scoring other files" in text
    assert "busy: refused a large request" in server.output()


def test_the_upload_slot_gives_way_to_a_stalled_body_and_never_to_a_queue(start_server,
                                                                          person):
    # One worker. A body over 64 KB that never arrives holds its upload slot until it has
    # stalled for STALL_S; then the next large request takes the slot and is answered.
    server = start_server({"WEB_CONCURRENCY": "1"})
    body = json.dumps([person] * 1500).encode()  # a large API call, over 64 KB
    json_type = {"Content-Type": "application/json"}
    assert len(body) > 64 * 1024
    with socket.create_connection(("127.0.0.1", server.port)) as stalled:
        stalled.sendall(b"POST /api/predict HTTP/1.1\r\nHost: x\r\nContent-Type: "
                        b"application/json\r\nContent-Length: %d\r\n\r\n[" % len(body))
        time.sleep(0.5)
        status, _, answer = post_large(server.port, "/api/predict", body, json_type)
    assert status == 200 and len(json.loads(answer)["predictions"]) == 1500
    assert server.output().count("slot gave way") == 1
    # Six at once, each sending steadily: they take the slot in turn (or are told to come
    # back), and none takes it from another.
    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(lambda _: post_large(server.port, "/api/predict", body,
                                                     json_type), range(6)))
    assert all(status == 200 or (status == 503 and "Retry-After" in headers)
               for status, headers, _ in answers)
    assert any(status == 200 for status, _, _ in answers)
    assert server.output().count("slot gave way") == 1


def idle_connections(server, count: int) -> list[socket.socket]:
    """Connections that send nothing, as a browser opens ahead of need."""
    conns = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(count)]
    time.sleep(0.5)  # accepted by the workers
    return conns


def test_sigterm_with_nothing_in_flight_exits_within_5_s_even_with_idle_connections(
        start_server):
    server = start_server(heroku=True)
    conns = idle_connections(server, 4)
    os.kill(server.proc.pid, signal.SIGTERM)  # as Heroku stops a dyno
    try:
        assert server.proc.wait(5) == 0, server.output()[-2000:]
    finally:
        for conn in conns:
            conn.close()
    assert "Traceback" not in server.output()


def test_ctrl_c_stops_it_without_a_traceback(start_server):
    server = start_server(heroku=True)
    conns = idle_connections(server, 2)
    os.killpg(server.proc.pid, signal.SIGINT)  # a terminal's Ctrl-C reaches every process
    try:
        assert server.proc.wait(5) == 0, server.output()[-2000:]
    finally:
        for conn in conns:
            conn.close()
    log = server.output()
    assert "Traceback" not in log and "SystemExit" not in log, log[-3000:]
