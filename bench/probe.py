"""What the bench sends beyond the tests' clients (tests/clients.py): wrk's load of form
POSTs."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from tests.person import FORM


def wrk(url: str, seconds: float, connections: int, body: str = FORM) -> dict:
    """Form POSTs of `body` (insurance's person unless told) to /predict over `connections`
    for `seconds`, as post.lua sums them up."""
    done = subprocess.run(["wrk", f"-t{min(2, connections)}", f"-c{connections}",
                           f"-d{seconds:g}s", "--timeout", "10s", "-s",
                           str(Path(__file__).with_name("post.lua")), url + "/predict"],
                          env={**os.environ, "BENCH_BODY": body}, capture_output=True,
                          text=True, timeout=seconds + 30)
    if done.returncode:
        raise RuntimeError(f"wrk exited with {done.returncode}: {done.stderr}")
    return json.loads(done.stdout.splitlines()[-1])
