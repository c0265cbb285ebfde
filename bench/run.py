"""`make bench`: the app, the PyCaret tutorial's predict_model, a bare-Flask bound and the app
serving models trained on other data sets (a regression and a classifier), side by side
(docs/benchmarks.md); writes artifacts/bench.md."""
from __future__ import annotations

import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import time
import timeit
from contextlib import ExitStack
from datetime import datetime, timezone
from functools import partial

# One thread, as the servers run: set before numpy is imported; only when run, so that the
# tests importing this module leave their session's threads alone.
if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from bench import other, probe  # noqa: E402
from tests import clients, person  # noqa: E402
from bench.servers import ARTIFACTS, ROOT, SPECS, Server, bound_run  # noqa: E402
from tabular.model import load_model  # noqa: E402
from tabular.sample import domain_sample  # noqa: E402
from tests.support import predict_frame  # noqa: E402

CONNECTIONS, WARMUP_S, LOAD_S = 4, 3, 10
SEQUENTIAL, SEQUENTIAL_S = 200, 10  # at most; predict_model takes ~60 ms a POST
BATCH_ROWS, REPEATS = 100_000, 3
# One row per measure (label, format), one column per server.
ROWS = {
    "rps": (f"POST /predict req/s (wrk -c{CONNECTIONS}, {LOAD_S} s)", "{:,.1f}"),
    "p50_ms": ("p50 latency under load (ms)", "{:,.2f}"),
    "p99_ms": ("p99 latency under load (ms)", "{:,.2f}"),
    "requests": ("requests under load", "{:,}"),
    "errors": ("errors under load (non-2xx + socket)", "{:,}"),
    "app_ratio": ("app req/s ÷ this server's", "{:,.2f}×"),
    "one_post_ms": (f"one POST alone, median of ≤{SEQUENTIAL} sequential (ms)", "{:,.2f}"),
    "server_ms": ("same POSTs, median time in the worker (ms, access log)", "{:,.2f}"),
    "server_ratio": ("POST time in the worker ÷ app's ("
                     + ", ".join(f"`{name}`" for name in other.OTHERS) + ": target ≤ 2×)",
                     "{:,.2f}×"),
    "compiled": ("predicting with (its /model page)", "{}"),
    "pss_mb": ("memory: PSS master + workers after load (MB)", "{:,.1f}"),
    "boot_s": ("boot: start to first 200 on GET / (s)", "{:,.2f}"),
    "frame": (f"batch rows/s, `model.predictor` ({BATCH_ROWS:,} rows)", "{:,.0f}"),
    "pipeline": (f"batch rows/s, `model.pipeline.predict` ({BATCH_ROWS:,} rows)", "{:,.0f}"),
}
FORM_TYPE = {"Content-Type": "application/x-www-form-urlencoded"}
SERVING = {"a numpy path derived from the pipeline": "the compiled pipeline",
           "the pipeline's own predict": "pipeline.predict"}  # templates/model.html's words
# gunicorn.conf.py's access log line; duration is the time in the worker.
ACCESS = re.compile(r'method=POST path="/predict" status=200 bytes=\d+ duration=(\d+\.\d+)s')


def measure_servers(values: dict, errors: dict, models: dict[str, str]) -> None:
    # Booted one after another, so that no boot is slowed by another; then loaded one at a
    # time while the others idle. models: MODEL_PATH of each server on another data set.
    with ExitStack() as stack:
        servers = [Server(spec, env_extra={"MODEL_PATH": models[spec.name]}
                          if spec.name in models else {})
                   for spec in SPECS if spec.name not in errors]
        for server in servers:
            stack.callback(server.stop)
            try:
                values[server.spec.name]["boot_s"] = server.start().boot_s
            except Exception as exc:
                errors[server.spec.name] = str(exc)
        for server in (s for s in servers if s.spec.name not in errors):
            print(f"[bench] loading {server.spec.name}", file=sys.stderr, flush=True)
            try:
                values[server.spec.name].update(measure(server))
            except Exception as exc:
                errors[server.spec.name] = f"{exc} (log: {server.log_path})"


def measure(server: Server) -> dict[str, float]:
    # Each model its own form body: another data set's model is sent a row of its own file.
    on = other.OTHERS.get(server.spec.name)
    body = on.form if on else person.FORM
    probe.wrk(server.url, WARMUP_S, CONNECTIONS, body)  # the first requests pay lazy imports
    # One at a time, so that nothing queues: client time from connect to the last byte. They
    # also stop the run unless the form POST succeeds: 400 pages would look wonderful.
    times, deadline = [], time.monotonic() + SEQUENTIAL_S
    while len(times) < SEQUENTIAL and time.monotonic() < deadline:
        started = time.perf_counter()
        if (status := clients.request(server.port, "POST", "/predict", body, FORM_TYPE)[0]) \
                != 200:
            raise RuntimeError(f"POST /predict gave {status}")
        times.append((time.perf_counter() - started) * 1000)
    in_worker = [float(s) * 1000 for s in ACCESS.findall(server.output())[-len(times):]]
    return {"one_post_ms": statistics.median(times),
            "server_ms": statistics.median(in_worker) if in_worker else None,
            "compiled": serving(server),
            **probe.wrk(server.url, LOAD_S, CONNECTIONS, body), "pss_mb": server.pss_mb()}


def serving(server: Server) -> str | None:
    """What the model card page (/model) says the app predicts with; None without one."""
    status, page = clients.request(server.port, "GET", "/model")
    return None if status != 200 else next(
        (said for words, said in SERVING.items() if words in page), "?")


def measure_batch(values: dict, notes: list) -> None:
    model = load_model(ROOT / "deployment.pkl")
    frame = domain_sample(model.schema, BATCH_ROWS)
    for key, predict in (("frame", partial(predict_frame, model)),
                         ("pipeline", model.pipeline.predict)):
        predict(frame.head(1000))  # first-call costs (lazy imports, caches) are not speed
        # The best run, the least disturbed, is the closest to what the code costs.
        values["app"][key] = BATCH_ROWS / min(timeit.repeat(
            partial(predict, frame), "gc.enable()", number=1, repeat=REPEATS))
    gap = np.max(np.abs(predict_frame(model, frame) - model.pipeline.predict(frame)))
    notes.append(f"batch: {'compiled' if model.is_compiled else 'not compiled'}; "
                 f"`model.predictor` differs from `pipeline.predict` by ${gap:.6f} at most")


def cpu_probe_ms() -> float:
    # The VM's speed changes by the hour, and every absolute number with it: this fixed
    # pure-Python work lets two tables be compared.
    return 1000 * min(timeit.repeat("for i in range(1_000_000): total += i",
                                    "total = 0; gc.enable()", number=1, repeat=3))


def markdown(values: dict, errors: dict, notes: list) -> str:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, text=True,
                            capture_output=True).stdout.strip() or "?"
    names = [spec.name for spec in SPECS]

    def cell(name: str, key: str) -> str:
        value = values[name].get(key)
        return "—" if value is None else ROWS[key][1].format(value)

    lines = [f"## Benchmark\n\n{datetime.now(timezone.utc):%Y-%m-%d %H:%M UTC}, commit {commit}"
             f" and any uncommitted changes, {os.cpu_count()} CPUs, Python "
             f"{platform.python_version()}; `wrk -t2 -c{CONNECTIONS}` after {WARMUP_S} s of "
             f"warm-up, one server at a time; batch: best of {REPEATS}.", "",
             "| measure | " + " | ".join(f"`{n}`" for n in names) + " |",
             "|---|" + "---:|" * len(names)]
    lines += [f"| {label} | " + " | ".join(cell(n, key) for n in names) + " |"
              for key, (label, _) in ROWS.items()]
    for title, items in (("Notes", notes), ("Errors", [f"`{k}`: {v}" for k, v in errors.items()])):
        if items:
            lines += ["", f"{title}:", "", *(f"- {item}" for item in items)]
    return "\n".join(lines) + "\n"


def main() -> int:
    values, errors, notes = {spec.name: {} for spec in SPECS}, {}, []
    probe_before = cpu_probe_ms()
    models = {}
    for name, on in other.OTHERS.items():  # before the bound: training takes a minute or more
        try:
            models[name] = on.trained()
        except Exception as exc:
            errors[name] = f"training failed: {exc!r}"
    # Past this a healthy run would have ended: per server its boot, two wrk runs with their
    # slack and the sequential POSTs, then the batch.
    bound_run(len(SPECS) * (60 + WARMUP_S + LOAD_S + 60 + SEQUENTIAL_S) + 300)
    measure_servers(values, errors, models)
    try:
        measure_batch(values, notes)
    except Exception as exc:
        errors["batch"] = repr(exc)
    signal.alarm(0)
    for name in (spec.name for spec in SPECS[1:]):
        if values["app"].get("rps") and values[name].get("rps"):
            values[name]["app_ratio"] = values["app"]["rps"] / values[name]["rps"]
        if values["app"].get("server_ms") and values[name].get("server_ms"):
            values[name]["server_ratio"] = values[name]["server_ms"] / values["app"]["server_ms"]
    for name, on in other.OTHERS.items():
        notes.append(f"`{name}`: the app (`MODEL_PATH={on.model.relative_to(ROOT)}`) serving a "
                     f"model trained on training/data/{name}.csv, sent its first row: {on.form}")
    notes.append(f"CPU probe (1,000,000 Python additions, best of 3): {probe_before:.0f} ms "
                 f"before the run, {cpu_probe_ms():.0f} ms after")
    text = markdown(values, errors, notes)
    print(text)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "bench.md").write_text(text)
    # Missed targets (docs/benchmarks.md) are news, not a failure; a measure that failed is.
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
