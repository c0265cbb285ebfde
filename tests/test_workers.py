"""gunicorn's gevent workers as the Procfile starts them: slow clients hold up no one, a
killed worker costs only the connections it held, and gevent leaves nothing in the log."""
from __future__ import annotations

import json
import os
import signal
import socket
import time

import psutil
import pytest

from bench import probe

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
    with probe.slow_clients(port, SLOW, kind) as slow:
        time.sleep(1)  # the workers have taken them in before anyone else asks
        assert probe.healthy(port, timeout=PROMPT_S)
        status, page = probe.post_form(port, timeout=PROMPT_S)
        assert status == 200 and 'id="prediction"' in page
        status, _ = probe.request(port, "POST", "/api/predict", json.dumps(person),
                                  {"Content-Type": "application/json"}, timeout=PROMPT_S)
        assert status == 200
        assert len(slow.sockets) == SLOW  # they were still being served, slowly
    # Once they leave, the workers let go of their connections and serve as before.
    assert wait_for(lambda: sum(map(connections, workers_of(server))) == 0, 10)
    assert [probe.post_form(port, timeout=PROMPT_S)[0] for _ in range(20)] == [200] * 20


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
            assert probe.healthy(server.port, timeout=PROMPT_S)
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
    with probe.slow_clients(server.port, 10, "bodies") as its_clients:
        assert wait_for(lambda: connections(victim) == 10, 10)
        os.kill(victim.pid, signal.SIGSTOP)
        os.kill(other.pid, signal.SIGCONT)
        with probe.slow_clients(server.port, 10, "bodies") as others_clients:
            assert wait_for(lambda: connections(other) == 10, 10)
            os.kill(victim.pid, signal.SIGKILL)
            assert all(probe.healthy(server.port) for _ in range(10))  # the survivor answers
            replaced = wait_for(lambda: victim.pid not in {w.pid for w in workers_of(server)},
                                20)
            assert replaced, server.output()[-2000:]
            # Its clients lose their connections; the other worker's keep sending.
            assert wait_for(lambda: its_clients.dropped == 10, 10)
            assert len(others_clients.sockets) == 10
    assert probe.healthy(server.port)


def test_a_stalled_upload_delays_the_next_upload_on_its_worker_but_cannot_stop_it(
        start_server, person):
    # One worker: a body over 64 KB that never arrives holds its upload slot, and the next
    # large request goes ahead once it has waited gunicorn.conf.py's LARGE_WAIT for it.
    server = start_server({"WEB_CONCURRENCY": "1"})
    body = json.dumps([person] * 1500).encode()  # a large API call, over 64 KB
    assert len(body) > 64 * 1024
    with socket.create_connection(("127.0.0.1", server.port)) as stalled:
        stalled.sendall(b"POST /api/predict HTTP/1.1\r\nHost: x\r\nContent-Type: "
                        b"application/json\r\nContent-Length: %d\r\n\r\n[" % len(body))
        time.sleep(0.5)
        started = time.monotonic()
        status, answer = probe.request(server.port, "POST", "/api/predict", body,
                                       {"Content-Type": "application/json"}, timeout=30)
        waited = time.monotonic() - started
    assert status == 200 and len(json.loads(answer)["predictions"]) == 1500
    assert waited < 20, waited  # not until the stalled client gives up: it never did
    assert "went ahead without waiting" in server.output()
