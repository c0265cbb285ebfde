"""What the regression and classification experiments share: the seed, one quiet thread,
and the card's JSON-safe parameters and versions."""
from __future__ import annotations

import contextlib
import os
import sys
from importlib import metadata

SESSION_ID = 123


@contextlib.contextmanager
def quiet():
    """LightGBM prints thousands of parameter warnings while PyCaret tunes it, from Python
    and from C: neither reaches the owner's terminal (its errors still raise)."""
    sys.stdout.flush()
    saved = os.dup(1)
    with open(os.devnull, "w") as null, contextlib.redirect_stdout(null):
        os.dup2(null.fileno(), 1)
        try:
            yield
        finally:
            os.dup2(saved, 1)
            os.close(saved)


def jsonable(params: dict) -> dict:
    return {k: v if isinstance(v, (int, float, str, bool, type(None))) else repr(v)
            for k, v in params.items()}


def versions() -> dict:
    return {name: metadata.version(name) for name in
            ("pycaret", "scikit-learn", "pandas", "numpy", "lightgbm")} \
        | {"python": sys.version.split()[0]}
