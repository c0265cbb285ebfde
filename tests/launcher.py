"""gunicorn started as the Procfile starts the app, on a free loopback port, always stopped:
for the tests, and for the bench (bench/servers.py)."""
from __future__ import annotations

import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from tests.clients import request

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "artifacts"


@dataclass
class Spec:
    name: str
    app: str | None = None  # gunicorn's app argument; None: the Procfile's


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    spec: Spec
    port: int = field(default_factory=free_port)
    env_extra: dict[str, str] = field(default_factory=dict)  # tests vary the environment
    proc: subprocess.Popen | None = None
    boot_s: float | None = None  # from start until GET / first answered 200

    def __post_init__(self) -> None:
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = ARTIFACTS / f"gunicorn-{self.spec.name}-{self.port}.log"

    def argv(self) -> list[str]:
        line = (ROOT / "Procfile").read_text().strip()
        assert line.startswith("web: gunicorn "), f"unexpected Procfile: {line!r}"
        argv = shlex.split(line.removeprefix("web: gunicorn "))
        if self.spec.app:
            argv[-1] = self.spec.app  # same config and flags, only the app differs
        # The Procfile binds 0.0.0.0 (Heroku needs it); a benchmark has no business on the LAN.
        return [sys.executable, "-m", "gunicorn", *argv, "--bind", f"127.0.0.1:{self.port}"]

    def env(self) -> dict[str, str]:
        # PyCaret logs into ./logs.log unless told otherwise (tabular.model tells it).
        return {**os.environ, "PORT": str(self.port), "WEB_CONCURRENCY": "2",
                "PYCARET_CUSTOM_LOGGING_PATH": os.devnull, **self.env_extra}

    def start(self, timeout: float = 60) -> Server:
        ARTIFACTS.mkdir(exist_ok=True)
        started, status = time.monotonic(), 0
        with open(self.log_path, "w") as log:  # gunicorn keeps its own copy of the file
            # Its own process group, so that stop() reaches the workers too.
            self.proc = subprocess.Popen(self.argv(), cwd=ROOT, env=self.env(), stdout=log,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        try:
            while status != 200:
                # Exited, up but broken, or still not up: waiting would mend none of them.
                if (self.proc.poll() is not None or status >= 500
                        or time.monotonic() - started > timeout):
                    raise RuntimeError(f"{self.spec.name} did not come up (GET / gave "
                                       f"{status or 'nothing'}, exit code {self.proc.poll()})"
                                       f"; log:\n{self.output()[-3000:]}")
                time.sleep(0.01)
                with suppress(OSError):  # not listening yet
                    # As Heroku's router says it: an app that trusts it (DYNO) would redirect.
                    status = request(self.port, "GET", "/", timeout=2,
                                     headers={"X-Forwarded-Proto": "https"})[0]
        except BaseException:
            self.stop()  # one that did not come up must not outlive its caller
            raise
        self.boot_s = time.monotonic() - started
        return self

    def workers(self) -> list[int]:
        return [child.pid for child in psutil.Process(self.proc.pid).children()]

    def pss_mb(self) -> float:
        """PSS of the master and its workers: shared pages counted once across them."""
        rollups = (Path(f"/proc/{pid}/smaps_rollup").read_text()
                   for pid in [self.proc.pid, *self.workers()])
        return sum(int(re.search(r"^Pss:\s+(\d+)", text, re.MULTILINE).group(1))
                   for text in rollups) / 1024

    def output(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        # On TERM the master stops its workers before it exits; KILL the whole group only if
        # it lingers, since then the workers would outlive it.
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
