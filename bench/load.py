"""`make loadtest`: the app under sustained load, under 80 slow clients, with 16 of the
largest uploads at once, then with a worker killed mid-load; each with its checks.
Loopback only, bounded in time (about a minute and a half), stops its server on any exit.

    .venv/bin/python -m bench.load [--connections 32] [--duration 20]
"""
from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack

import psutil

from bench import probe
from bench.attack import SlowClients, largest_csv, upload
from bench.servers import ARTIFACTS, SPECS, Server, children
from bench.wrk import WrkResult, require_wrk, run_wrk

APP = next(spec for spec in SPECS if spec.name == "app")
PSS_GROWTH_MB = 20  # "flat": what gc and allocator noise give over a run, well below a leak
P99_MS = 100
SLOW = 80           # half send their headers a byte a second, half their bodies
PROMPT_MS = 1000    # a form post while they do
UPLOADS = 16
PSS_LIMIT_MB = 480  # master and workers, inside a 512 MB dyno


def log(message: str) -> None:
    print(f"[load] {message}", file=sys.stderr, flush=True)


def under_load(result: WrkResult, label: str) -> tuple[str, str, bool]:
    return (label, f"{result.requests:,} requests, {result.rps:,.0f}/s, p99 "
            f"{result.p99_ms:.1f} ms, {result.errors} failed",
            result.errors == 0 and result.p99_ms <= P99_MS)


def sustained(server: Server, args) -> list[tuple[str, str, bool]]:
    run_wrk(server.url, 3, args.connections)  # warm-up: imports, caches, page faults
    before, _ = server.pss_mb()
    result = run_wrk(server.url, args.duration, args.connections)
    after, _ = server.pss_mb()
    timeouts = server.output().count("WORKER TIMEOUT")
    return [
        under_load(result, f"{args.connections} connections for {args.duration:g} s"),
        ("worker timeouts", str(timeouts), timeouts == 0),
        ("PSS after warm-up → after load", f"{before:.1f} → {after:.1f} MB",
         after - before <= PSS_GROWTH_MB),
    ]


def slow_clients(server: Server, args) -> list[tuple[str, str, bool]]:
    times, statuses = [], []
    with SlowClients(server.port, SLOW // 2, "headers") as heads, \
            SlowClients(server.port, SLOW // 2, "bodies") as bodies:
        time.sleep(1)  # the server has taken them all in before the first form post
        for _ in range(20):
            started = time.perf_counter()
            try:
                statuses.append(probe.post_form(server.port, timeout=10)[0])
            except OSError:  # timed out: stalled behind them
                statuses.append(None)
            times.append((time.perf_counter() - started) * 1000)
            time.sleep(0.2)
        held = len(heads.sockets) + len(bodies.sockets)
    after = run_wrk(server.url, 5, args.connections)
    answered = statuses.count(200)
    return [
        (f"{SLOW} slow clients (headers, bodies), a byte a second",
         f"{held} still sending at the end", held == SLOW),
        ("form POSTs meanwhile, one at a time",
         f"{answered}/{len(statuses)} answered 200, slowest {max(times):.0f} ms",
         answered == len(statuses) and max(times) < PROMPT_MS),
        under_load(after, f"after they leave: {args.connections} connections for 5 s"),
    ]


def uploads(server: Server) -> list[tuple[str, str, bool]]:
    content = largest_csv()
    peak, done = [0.0], threading.Event()

    def sample() -> None:
        while not done.wait(0.05):
            peak[0] = max(peak[0], server.pss_mb()[0])

    sampler = threading.Thread(target=sample)
    sampler.start()
    started = time.monotonic()
    try:
        with ThreadPoolExecutor(UPLOADS) as pool:
            statuses = [status for status, _ in pool.map(lambda _: upload(server.port, content),
                                                          range(UPLOADS))]
    finally:
        done.set()
        sampler.join()
    ok = statuses.count(200)
    return [
        (f"{UPLOADS} uploads at once of the largest file ({len(content) / 2**20:.1f} MB, "
         "1,000,000 cells)",
         f"{ok}/{UPLOADS} answered 200 in {time.monotonic() - started:.1f} s", ok == UPLOADS),
        ("PSS peak during the uploads", f"{peak[0]:.0f} MB", peak[0] < PSS_LIMIT_MB),
    ]


def killed_worker(server: Server, args) -> list[tuple[str, str, bool]]:
    workers = children(server.proc.pid)
    victim = workers[0]
    outcome: dict[str, WrkResult] = {}
    load = threading.Thread(target=lambda: outcome.update(
        result=run_wrk(server.url, 10, args.connections)))
    load.start()
    time.sleep(3)
    # Stopped, it takes no more connections: the ones it holds now are what the kill costs.
    os.kill(victim, signal.SIGSTOP)
    held = sum(c.status == psutil.CONN_ESTABLISHED
               for c in psutil.Process(victim).net_connections("tcp"))
    os.kill(victim, signal.SIGKILL)
    log(f"killed worker {victim} mid-load, holding {held} connection(s)")
    load.join(60)
    result = outcome.get("result")
    after = children(server.proc.pid)
    failed = result.errors if result else None
    answers = probe.healthy(server.port)
    return [
        ("worker SIGKILLed 3 s into 10 s of load",
         f"{result.requests:,} requests" if result else "wrk did not finish", result is not None),
        ("failed requests around the kill", f"{failed}, of {held} in flight on that worker",
         failed is not None and failed <= held),
        ("worker replaced", f"{len(after)} workers, new pid(s) {sorted(set(after) - set(workers))}",
         len(after) == len(workers) and victim not in after),
        ("answers after the kill", "200" if answers else "no", answers),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--duration", type=float, default=20)
    args = parser.parse_args(argv)
    require_wrk()
    # A hang ends the run, as an exception, so that the ExitStack still stops gunicorn.
    signal.signal(signal.SIGALRM, lambda *_: sys.exit("loadtest: out of time"))
    signal.alarm(int(args.duration) + 300)
    with ExitStack() as stack:
        server = Server(APP)
        stack.callback(server.stop)
        server.start(60)
        probe.check_post(server.port, APP.marker)
        log(f"sustained load: {args.connections} connections, {args.duration:g} s")
        rows = sustained(server, args)
        log(f"{SLOW} slow clients")
        rows += slow_clients(server, args)
        log(f"{UPLOADS} uploads of the largest file at once")
        rows += uploads(server)
        log("killing a worker mid-load")
        rows += killed_worker(server, args)
    lines = ["| check | result | ok |", "|---|---|---|"]
    lines += [f"| {name} | {value} | {'yes' if ok else '**NO**'} |" for name, value, ok in rows]
    text = "\n".join(lines) + "\n"
    print(text)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "loadtest.md").write_text(text)
    return 0 if all(ok for _, _, ok in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
