"""`make bench`: our app against the PyCaret-tutorial baseline and a bare-Flask bound.

Starts three gunicorn servers on loopback, one after another so their boot times are not
inflated by each other, leaves them running side by side, then loads one at a time with wrk
while the others idle. Prints a markdown table and writes it to artifacts/bench.md.

    .venv/bin/python -m bench.run [--duration 10] [--connections 4] [--quick]
"""
from __future__ import annotations

import argparse
import os
import platform
import shlex
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack, chdir
from datetime import datetime, timezone

# Before numpy is imported by the batch measure: one thread, as the servers run.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from bench import batch, probe, report  # noqa: E402
from bench.servers import ARTIFACTS, ROOT, SPECS, Server  # noqa: E402
from bench.wrk import require_wrk, run_wrk  # noqa: E402

BOOT_TIMEOUT_S = 60
SEQUENTIAL_BUDGET_S = 10  # the predict_model baseline takes ~0.2 s a request


class OutOfTime(BaseException):
    """The whole run's time budget ran out (a BaseException so per-server handlers let it by)."""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, help="seconds of load per server (10)")
    parser.add_argument("--connections", type=int, default=4, help="wrk connections (4)")
    parser.add_argument("--rows", type=int, help="rows in the batch frame (100000)")
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: 2 s of load, short warm-up, smaller batch")
    args = parser.parse_args(argv)
    args.duration = args.duration or (2 if args.quick else 10)
    args.rows = args.rows or (20_000 if args.quick else 100_000)
    args.warmup = 1 if args.quick else 3
    args.sequential = 50 if args.quick else 200
    args.repeats = 1 if args.quick else 3
    return args


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def budget_s(args: argparse.Namespace) -> int:
    """An upper bound on a healthy run; past it something hangs, so stop and clean up."""
    per_server = BOOT_TIMEOUT_S + args.warmup + args.duration + 2 * 30 + SEQUENTIAL_BUDGET_S
    return int(len(SPECS) * per_server + 300)


def on_signal(signum, frame):
    raise OutOfTime() if signum == signal.SIGALRM else SystemExit(128 + signum)


def boot_all(stack: ExitStack, results: report.Results) -> list[Server]:
    running = []
    for spec in SPECS:
        server = Server(spec)
        stack.callback(server.stop)  # registered before start: a half-started one is stopped too
        log(f"starting {spec.name} on 127.0.0.1:{server.port}")
        try:
            server.start(BOOT_TIMEOUT_S)
        except Exception as exc:
            results.errors[spec.name] = str(exc)
            log(f"{spec.name} did not start: {exc}")
            continue
        results.values[spec.name]["boot_s"] = server.boot_s
        running.append(server)
    return running


def measure(server: Server, args: argparse.Namespace) -> dict[str, float]:
    spec = server.spec
    probe.check_post(server.port, spec.marker)
    run_wrk(server.url, args.warmup, args.connections)  # first requests pay lazy imports
    load = run_wrk(server.url, args.duration, args.connections)
    one_ms, count = probe.sequential_ms(server.port, args.sequential, SEQUENTIAL_BUDGET_S)
    server_ms = probe.server_side_ms(server.log_path.read_text(errors="replace"), count)
    pss, processes = server.pss_mb()
    log(f"{spec.name}: {load.rps:,.1f} req/s, p50 {load.p50_ms:.2f} ms, "
        f"one POST {one_ms:.2f} ms (n={count}, {server_ms or 0:.2f} ms in the worker), PSS {pss:.1f} MB over {processes} processes")
    return {"rps": load.rps, "p50_ms": load.p50_ms, "p99_ms": load.p99_ms,
            "requests": load.requests, "errors": load.errors, "one_post_ms": one_ms,
            "server_ms": server_ms,
            "pss_mb": pss, "processes": processes, "sequential_n": count}


def measure_servers(args: argparse.Namespace, results: report.Results) -> None:
    with ExitStack() as stack:
        for server in boot_all(stack, results):
            log(f"loading {server.spec.name}")
            try:
                results.values[server.spec.name].update(measure(server, args))
            except Exception as exc:
                results.errors[server.spec.name] = f"{exc} (log: {server.log_path})"
                log(f"{server.spec.name} failed: {exc}\n{server.log_tail()}")
        log("stopping servers")


def measure_batch(args: argparse.Namespace, results: report.Results) -> None:
    log(f"batch: {args.rows:,} rows in-process")
    try:
        # Unpickling the pipeline makes PyCaret append to logs.log in the cwd: not the repo.
        with tempfile.TemporaryDirectory(prefix="bench-") as scratch, chdir(scratch):
            result = batch.measure(args.rows, args.repeats)
    except Exception as exc:
        results.errors["batch"] = repr(exc)
        return
    results.values["app"].update(batch_frame=result.frame_rows_s,
                                 batch_pipeline=result.pipeline_rows_s)
    results.notes.append(
        "batch: " + ("fast path active (`predict_frame` does not run `pipeline.predict`)"
                     if result.fast_path else
                     "no fast path: `predict_frame` runs `pipeline.predict`")
        + f"; max |difference| between the two: ${result.max_abs_diff:.6f}")


def add_ratios(results: report.Results) -> None:
    for other in ("predict_model", "bare"):
        ratio = results.ratio("rps", other)
        if ratio is not None:
            results.values[other]["app_ratio"] = ratio


def busy_note(results: report.Results, before: float, after: float) -> None:
    """Other work on the machine steals CPU from servers and wrk alike: say when it did."""
    cpus = os.cpu_count() or 1
    # the run itself adds up to about one CPU-worth of load before and after its servers
    if max(before, after) > 0.5 * cpus + 1:
        results.notes.append(f"the machine was busy (1-min load average {before:.1f} before, "
                             f"{after:.1f} after, on {cpus} CPUs): throughput numbers are noisy")


def cpu_probe_ms() -> float:
    """A fixed piece of pure-Python work, best of three: on a shared VM the CPU's speed
    changes from hour to hour, and the absolute measures (ms, rows/s, boot) move with it,
    while the side-by-side ratios move much less. The note lets two tables be compared."""
    best = float("inf")
    for _ in range(3):
        started, total = time.perf_counter(), 0
        for i in range(1_000_000):
            total += i
        best = min(best, time.perf_counter() - started)
    return best * 1000


def header(args: argparse.Namespace, command: str) -> list[str]:
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, text=True,
                                capture_output=True, timeout=10).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        commit = "?"
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return [f"## Benchmark ({'quick' if args.quick else 'full'} run)", "",
            f"`{command}` — {when}, commit {commit} plus any uncommitted changes, "
            f"{os.cpu_count()} CPUs, Python {platform.python_version()}.", "",
            "Each server: gunicorn with the Procfile's command and gunicorn.conf.py (2 gevent "
            "workers, no keep-alive, preload) bound to 127.0.0.1, OMP_NUM_THREADS=1. Load: "
            f"`wrk -t{min(2, args.connections)} -c{args.connections} -d{args.duration:g}s "
            f"--latency` of form POSTs to /predict after a {args.warmup:g} s warm-up, one server "
            "at a time. \"One POST alone\" is client wall time of single requests sent one "
            "after another, each on a new connection (the servers close every connection), "
            "from connect to the last byte, nothing subtracted; \"in the worker\" is gunicorn's "
            "own request time (access log `duration`) for the same requests. Batch: in-process, best of "
            f"{args.repeats}, on valid random inputs."]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    require_wrk()
    command = shlex.join([os.path.relpath(sys.executable, ROOT), "-m", "bench.run",
                          *(sys.argv[1:] if argv is None else argv)])
    for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGALRM):
        signal.signal(signum, on_signal)
    signal.alarm(budget_s(args))
    started = time.monotonic()
    results = report.Results()
    load_before, probe_before = os.getloadavg()[0], cpu_probe_ms()
    try:
        measure_servers(args, results)
        measure_batch(args, results)
    except OutOfTime:
        results.errors["run"] = f"stopped: the run exceeded its {budget_s(args)} s budget"
    finally:
        signal.alarm(0)
    add_ratios(results)
    busy_note(results, load_before, os.getloadavg()[0])
    results.notes.append(f"CPU probe (1,000,000 Python additions, best of 3): {probe_before:.0f} ms "
                         f"before the run, {cpu_probe_ms():.0f} ms after")
    results.notes.append(f"total run time {time.monotonic() - started:.0f} s")
    table_rows = report.rows(args.duration, args.connections, args.sequential, args.rows)
    text = report.markdown(header(args, command), results, table_rows)
    print(text)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "bench.md").write_text(text)
    log(f"written to {ARTIFACTS / 'bench.md'}")
    # Missed targets are the table's news, not a failure; a measure that could not run is.
    return 1 if results.errors else 0


if __name__ == "__main__":
    sys.exit(main())
