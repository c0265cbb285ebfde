"""Drive wrk with bench/post.lua and read its report."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from bench.probe import FORM

SCRIPT = Path(__file__).resolve().parent / "post.lua"
INSTALL_HINT = ("wrk is not installed: `apt-get install wrk` (Debian/Ubuntu; "
                "`brew install wrk` on macOS), then run `make bench` again")

_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


@dataclass
class WrkResult:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int  # non-2xx/3xx responses plus socket errors


def require_wrk() -> str:
    path = shutil.which("wrk")
    if not path:
        raise SystemExit(INSTALL_HINT)
    return path


def run_wrk(url: str, seconds: float, connections: int) -> WrkResult:
    threads = min(2, connections)  # wrk needs connections >= threads
    argv = [require_wrk(), f"-t{threads}", f"-c{connections}", f"-d{seconds:g}s",
            "--timeout", "10s", "--latency", "-s", str(SCRIPT), url + "/predict"]
    env = {**os.environ, "BENCH_BODY": FORM}
    done = subprocess.run(argv, env=env, capture_output=True, text=True,
                          timeout=seconds + 30)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    return parse(done.stdout)


def parse(report: str) -> WrkResult:
    def number(pattern: str) -> float:
        match = re.search(pattern, report)
        if not match:
            raise RuntimeError(f"no {pattern!r} in wrk's report:\n{report}")
        return float(match.group(1))

    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), "
                              r"timeout (\d+)", report)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", report)
    return WrkResult(
        rps=number(r"Requests/sec:\s+([\d.]+)"),
        p50_ms=_latency(report, "50%"),
        p99_ms=_latency(report, "99%"),
        requests=int(number(r"(\d+) requests in")),
        errors=(int(non_2xx.group(1)) if non_2xx else 0)
        + (sum(map(int, socket_errors.groups())) if socket_errors else 0),
    )


def _latency(report: str, percentile: str) -> float:
    match = re.search(rf"^\s*{percentile}\s+([\d.]+)(us|ms|s|m)\s*$", report, re.MULTILINE)
    if not match:
        raise RuntimeError(f"no {percentile} latency in wrk's report:\n{report}")
    return float(match.group(1)) * _UNITS_MS[match.group(2)]
