"""`make loadtest`: the app under sustained load, then with a worker killed mid-load.

Loopback only, bounded in time (about a minute), stops its server on any exit.

    .venv/bin/python -m bench.load [--connections 32] [--duration 20]

Checks: no failed request and no worker timeout under load, PSS flat from after a warm-up to
the end, and a SIGKILLed worker replaced while the other keeps serving, with at most the
requests in flight on the killed one failing (a sync worker has one at a time).
"""
from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
from contextlib import ExitStack

from bench import probe
from bench.servers import ARTIFACTS, SPECS, Server, children
from bench.wrk import WrkResult, require_wrk, run_wrk

APP = next(spec for spec in SPECS if spec.name == "app")
PSS_GROWTH_MB = 20  # "flat": what gc and allocator noise give over a run, well below a leak


def log(message: str) -> None:
    print(f"[load] {message}", file=sys.stderr, flush=True)


def sustained(server: Server, form: probe.Form, args) -> list[tuple[str, str, bool]]:
    run_wrk(server.url, form, 3, args.connections)  # warm-up: imports, caches, page faults
    before, _ = server.pss_mb()
    result = run_wrk(server.url, form, args.duration, args.connections)
    after, _ = server.pss_mb()
    timeouts = server.log_path.read_text(errors="replace").count("WORKER TIMEOUT")
    return [
        (f"{args.connections} connections for {args.duration:g} s",
         f"{result.requests:,} requests, {result.rps:,.0f}/s, p99 {result.p99_ms:.1f} ms", True),
        ("failed requests", str(result.errors), result.errors == 0),
        ("worker timeouts", str(timeouts), timeouts == 0),
        ("PSS after warm-up → after load", f"{before:.1f} → {after:.1f} MB",
         after - before <= PSS_GROWTH_MB),
    ]


def killed_worker(server: Server, form: probe.Form, args) -> list[tuple[str, str, bool]]:
    workers = children(server.proc.pid)
    outcome: dict[str, WrkResult] = {}
    load = threading.Thread(target=lambda: outcome.update(
        result=run_wrk(server.url, form, 10, args.connections)))
    load.start()
    time.sleep(3)
    os.kill(workers[0], signal.SIGKILL)
    log(f"killed worker {workers[0]} mid-load")
    load.join(60)
    result = outcome.get("result")
    after = children(server.proc.pid)
    replaced = len(after) == len(workers) and workers[0] not in after
    failed = result.errors if result else None
    return [
        ("worker SIGKILLed 3 s into 10 s of load",
         f"{result.requests:,} requests" if result else "wrk did not finish", result is not None),
        ("failed requests around the kill", str(failed), failed is not None and failed <= 1),
        ("worker replaced", f"{len(after)} workers, new pid(s) {sorted(set(after) - set(workers))}",
         replaced),
        ("answers after the kill", "200" if healthy(server) else "no", healthy(server)),
    ]


def healthy(server: Server) -> bool:
    try:
        return probe.request(server.port, "GET", "/healthz", timeout=5)[0] == 200
    except OSError:
        return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--duration", type=float, default=20)
    args = parser.parse_args(argv)
    require_wrk()
    signal.alarm(int(args.duration) + 180)  # a hang ends the run; the ExitStack stops gunicorn
    with ExitStack() as stack:
        server = Server(APP)
        stack.callback(server.stop)
        server.start(60)
        form = probe.form_for(server.port, csrf=True)
        probe.check_post(server.port, form, APP.marker)
        log(f"sustained load: {args.connections} connections, {args.duration:g} s")
        rows = sustained(server, form, args)
        log("killing a worker mid-load")
        rows += killed_worker(server, form, args)
    lines = ["| check | result | ok |", "|---|---|---|"]
    lines += [f"| {name} | {value} | {'yes' if ok else '**NO**'} |" for name, value, ok in rows]
    text = "\n".join(lines) + "\n"
    print(text)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "loadtest.md").write_text(text)
    return 0 if all(ok for _, _, ok in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
