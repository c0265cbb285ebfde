"""The servers the bench compares, each launched as the tests launch the app
(tests/launcher.py), and a bound on a run's time."""
from __future__ import annotations

import signal
import sys

from bench import other
from tests.launcher import ARTIFACTS, ROOT, Server, Spec  # noqa: F401 (the bench's names)

# The last are the app itself serving the models bench/other.py trains on other data sets.
SPECS = [Spec("app"), Spec("predict_model", "bench.baseline_app:app"),
         Spec("bare", "bench.bare_app:app"), *(Spec(name) for name in other.OTHERS)]


def bound_run(seconds: int) -> None:
    """End a run that hangs past `seconds`, or gets TERM or HUP, with SystemExit: the servers
    it started are then stopped on the way out."""
    for signum in (signal.SIGALRM, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, lambda signum, _: sys.exit(f"stopped by signal {signum}"))
    signal.alarm(seconds)
