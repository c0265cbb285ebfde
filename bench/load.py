"""`make loadtest`: the app under sustained load, 80 slow clients, 16 of the largest uploads at
once and a worker killed mid-load, each with its checks; writes artifacts/loadtest.md."""
from __future__ import annotations

import http.client
import os
import signal
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress

import psutil

from bench import probe
from bench.bare_app import SCHEMA
from bench.servers import ARTIFACTS, SPECS, Server, bound_run
from tabular.batch import MAX_CELLS, MAX_ROWS
from tabular.sample import domain_sample
from tests import clients

CONNECTIONS, LOAD_S, P99_MS = 32, 20, 100
PSS_GROWTH_MB = 20  # "flat": what gc and allocator noise give over a run, well below a leak
SLOW, PROMPT_MS = 80, 1000  # half dribble headers, half bodies; the slowest form POST meanwhile
UPLOADS, PSS_LIMIT_MB = 16, 480  # master and workers, inside a 512 MB dyno
ROUTER_S = 30  # Heroku's router gives up on an answer that has not started by then (H12)
AFTER_S, AFTER_MB = 15, 100  # memory handed back after the burst


def under_load(load: dict, label: str) -> tuple[str, str, bool]:
    return (label, f"{load['requests']:,} requests, {load['rps']:,.0f}/s, p99 "
            f"{load['p99_ms']:.1f} ms, {load['errors']} failed",
            load["errors"] == 0 and load["p99_ms"] <= P99_MS)


def sustained(server: Server) -> list[tuple[str, str, bool]]:
    probe.wrk(server.url, 3, CONNECTIONS)  # warm-up: imports, caches, page faults
    before = server.pss_mb()
    load = probe.wrk(server.url, LOAD_S, CONNECTIONS)
    after, timeouts = server.pss_mb(), server.output().count("WORKER TIMEOUT")
    return [under_load(load, f"{CONNECTIONS} connections for {LOAD_S} s"),
            ("worker timeouts", str(timeouts), timeouts == 0),
            ("PSS after warm-up → after load", f"{before:.1f} → {after:.1f} MB",
             after - before <= PSS_GROWTH_MB)]


def slow_clients(server: Server) -> list[tuple[str, str, bool]]:
    times, answered = [], 0
    with clients.slow_clients(server.port, SLOW // 2, "headers") as heads, \
            clients.slow_clients(server.port, SLOW // 2, "bodies") as bodies:
        time.sleep(1)  # the server has taken them all in before the first form post
        for _ in range(20):
            started = time.perf_counter()
            with suppress(OSError):  # timed out: stalled behind them
                answered += clients.post_form(server.port, timeout=10)[0] == 200
            times.append((time.perf_counter() - started) * 1000)
            time.sleep(0.2)
        held = len(heads.sockets) + len(bodies.sockets)
    return [(f"{SLOW} slow clients (headers, bodies), a byte a second",
             f"{held} still sending at the end", held == SLOW),
            ("form POSTs meanwhile, one at a time",
             f"{answered}/{len(times)} answered 200, slowest {max(times):.0f} ms",
             answered == len(times) and max(times) < PROMPT_MS),
            under_load(probe.wrk(server.url, 5, CONNECTIONS),
                       f"after they leave: {CONNECTIONS} connections for 5 s")]


def upload(port: int, body: bytes, headers: dict) -> tuple[int, bool, float]:
    """POST the file as Heroku's router would pass it on (X-Request-Start: when it got the
    request, in ms): its status, whether a 503 said Retry-After, and seconds to the answer."""
    started = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        conn.request("POST", "/batch", body,
                     {**headers, "X-Request-Start": str(int(time.time() * 1000))})
        response = conn.getresponse()
        response.read()
        return (response.status, response.getheader("Retry-After") is not None,
                time.monotonic() - started)
    finally:
        conn.close()


def uploads(server: Server) -> list[tuple[str, str, bool]]:
    # A file at the app's limits, posted as the page's form sends it: the six fields, valid
    # and varied, and text columns whose every cell differs, as pandas must hold each one.
    frame = domain_sample(SCHEMA, MAX_ROWS).round(2)  # two decimals, as people type them
    for j in range(MAX_CELLS // MAX_ROWS - len(frame.columns)):
        frame[f"note{j}"] = [f"{i:06d}c{j:02d}" for i in range(MAX_ROWS)]
    content = frame.to_csv(index=False).encode()
    body = (b'--bench\r\nContent-Disposition: form-data; name="file"; filename="people.csv"'
            b"\r\nContent-Type: text/csv\r\n\r\n" + content + b"\r\n--bench--\r\n")
    headers = {"Content-Type": "multipart/form-data; boundary=bench"}
    idle, gave_way = server.pss_mb(), server.output().count("slot gave way")
    peak = idle
    with ThreadPoolExecutor(UPLOADS) as pool:
        sent = [pool.submit(upload, server.port, body, headers) for _ in range(UPLOADS)]
        while not all(future.done() for future in sent):  # each within its 120 s timeout
            peak = max(peak, server.pss_mb())
            time.sleep(0.05)
    answers = [future.result() for future in sent]
    time.sleep(AFTER_S)
    after = server.pss_mb()
    ok = sum(status == 200 for status, _, _ in answers)
    busy = sum(status == 503 and retry for status, retry, _ in answers)
    slowest = max(seconds for _, _, seconds in answers)
    gave_way = server.output().count("slot gave way") - gave_way
    return [(f"{UPLOADS} uploads at once of the largest file ({len(content) / 2**20:.1f} MB, "
             f"{MAX_CELLS:,} cells): 200, or 503 with Retry-After",
             f"{ok} answered 200, {busy} answered 503, {UPLOADS - ok - busy} otherwise",
             ok + busy == UPLOADS and ok > 0),
            (f"slowest answer (target < {ROUTER_S} s, the router's limit)", f"{slowest:.1f} s",
             slowest < ROUTER_S),
            ("upload slot given way meanwhile (target 0: no body stalled)", str(gave_way),
             gave_way == 0),
            (f"PSS peak during the uploads (target ≤ {PSS_LIMIT_MB} MB)", f"{peak:.0f} MB",
             peak <= PSS_LIMIT_MB),
            (f"PSS {AFTER_S} s after (target ≤ {AFTER_MB} MB over {idle:.0f} MB before)",
             f"{after:.0f} MB", after - idle <= AFTER_MB)]


def killed_worker(server: Server) -> list[tuple[str, str, bool]]:
    workers = server.workers()
    victim = workers[0]
    with ThreadPoolExecutor(1) as pool:
        running = pool.submit(probe.wrk, server.url, 10, CONNECTIONS)
        time.sleep(3)
        # Stopped, it takes no more connections: those it holds now are what the kill costs.
        os.kill(victim, signal.SIGSTOP)
        held = sum(c.status == psutil.CONN_ESTABLISHED
                   for c in psutil.Process(victim).net_connections("tcp"))
        os.kill(victim, signal.SIGKILL)
        load = running.result()
    after, answers = server.workers(), clients.healthy(server.port)
    return [("worker SIGKILLed 3 s into 10 s of load", f"{load['requests']:,} requests", True),
            ("failed requests around the kill",
             f"{load['errors']}, of {held} in flight on that worker", load["errors"] <= held),
            ("worker replaced",
             f"{len(after)} workers, new pid(s) {sorted(set(after) - set(workers))}",
             len(after) == len(workers) and victim not in after),
            ("answers after the kill", "200" if answers else "no", answers)]


def main() -> int:
    bound_run(LOAD_S + 300)
    server, rows = Server(SPECS[0]).start(), []  # the app
    try:
        checks = (sustained, slow_clients, uploads, killed_worker)
        for check in [c for c in checks if c.__name__ in sys.argv[1:]] or checks:
            print(f"[load] {check.__name__}", file=sys.stderr, flush=True)
            rows += check(server)
    finally:
        server.stop()
    signal.alarm(0)
    text = "\n".join(["| check | result | ok |", "|---|---|---|"]
                     + [f"| {name} | {value} | {'yes' if ok else '**NO**'} |"
                        for name, value, ok in rows]) + "\n"
    print(text)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "loadtest.md").write_text(text)
    return 0 if all(ok for _, _, ok in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
