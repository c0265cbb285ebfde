"""Start, time, measure and always stop the gunicorn servers under test."""
from __future__ import annotations

import os
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "artifacts"


@dataclass
class Spec:
    name: str
    app: str | None          # gunicorn app spec; None means the Procfile's own
    temp_cwd: bool = False   # PyCaret writes logs.log into the cwd: keep it out of the repo
    marker: str = 'id="prediction"'  # in every successful POST's page


SPECS = [
    Spec("app", None),
    Spec("predict_model", "bench.baseline_app:app", temp_cwd=True),
    # Its page echoes the form back instead of showing a result: no model, so no result.
    Spec("bare", "bench.bare_app:app", marker='value="27.9"'),
]


def procfile_argv() -> list[str]:
    """The Procfile's web command, run by this venv's interpreter."""
    line = (ROOT / "Procfile").read_text().strip()
    assert line.startswith("web: gunicorn "), f"unexpected Procfile: {line!r}"
    argv = shlex.split(line[len("web: gunicorn "):])
    # The config path is relative to the repo; the PyCaret baseline runs elsewhere.
    for i, arg in enumerate(argv[:-1]):
        if arg in ("-c", "--config"):
            argv[i + 1] = str(ROOT / argv[i + 1])
    return [sys.executable, "-m", "gunicorn", *argv]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    spec: Spec
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen | None = None
    boot_s: float | None = None
    env_extra: dict[str, str] = field(default_factory=dict)  # tests vary the environment

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return ARTIFACTS / f"gunicorn-{self.spec.name}-{self.port}.log"

    def argv(self) -> list[str]:
        argv = procfile_argv()
        if self.spec.app:
            argv[-1] = self.spec.app  # same config file and flags, only the app differs
        # The Procfile binds 0.0.0.0 (Heroku needs it); a benchmark has no business on the LAN.
        return [*argv, "--bind", f"127.0.0.1:{self.port}"]

    def env(self) -> dict[str, str]:
        return {**os.environ, "PORT": str(self.port), "WEB_CONCURRENCY": "2",
                "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
                # the baselines import bench.* even when started from a temp directory
                "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT),
                                                            os.environ.get("PYTHONPATH")])),
                **self.env_extra}

    def start(self, timeout: float) -> "Server":
        """Start gunicorn and time it until GET / first answers 200."""
        ARTIFACTS.mkdir(exist_ok=True)
        self._tmp = tempfile.TemporaryDirectory(prefix="bench-") if self.spec.temp_cwd else None
        cwd = self._tmp.name if self._tmp else ROOT
        self._log = open(self.log_path, "w")
        started = time.monotonic()
        # Own session = own process group, so stop() reaches the workers too.
        self.proc = subprocess.Popen(self.argv(), cwd=cwd, env=self.env(), stdout=self._log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        try:
            self._wait_for_200(started + timeout)
        except BaseException:
            self.stop()  # one that did not come up must not outlive its caller
            raise
        self.boot_s = time.monotonic() - started
        return self

    def _wait_for_200(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.spec.name}: gunicorn exited with {self.proc.returncode}"
                                   f"; last log lines:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.url + "/", timeout=2) as response:
                    if response.status == 200:
                        return
            except urllib.error.HTTPError as exc:
                if exc.code >= 500:  # it is up but broken: waiting will not mend it
                    raise RuntimeError(f"{self.spec.name}: GET / gave {exc.code}; log:\n"
                                       f"{self.log_tail()}") from None
            except OSError:  # not listening yet
                pass
            time.sleep(0.01)
        raise RuntimeError(f"{self.spec.name}: no 200 on GET / in time; log:\n{self.log_tail()}")

    def pss_mb(self) -> tuple[float, int]:
        """PSS of the master plus its workers (shared pages counted once overall), and how
        many processes that was."""
        pids = [self.proc.pid, *children(self.proc.pid)]
        return sum(pss_kb(pid) for pid in pids) / 1024, len(pids)

    def output(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.output().splitlines()[-lines:])

    def stop(self) -> None:
        # The master reaps its workers before it exits on TERM; KILL the whole group only if
        # it takes too long, since then the workers would outlive it.
        if self.proc and self.proc.poll() is None:
            _signal_group(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                _signal_group(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        if getattr(self, "_log", None):
            self._log.close()
        if getattr(self, "_tmp", None):
            self._tmp.cleanup()


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        pass


def children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:  # kernel without CONFIG_PROC_CHILDREN: scan for the parent pid instead
        found = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                # the command name may hold spaces or parens: the ppid follows the last ')'
                if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(stat.parent.name))
            except (OSError, IndexError, ValueError):
                continue
        return found


def pss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1])
    raise RuntimeError(f"no Pss line in /proc/{pid}/smaps_rollup")
