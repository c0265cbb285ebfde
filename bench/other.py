"""The bench's model trained on another data set (cps1985: seven text columns), served by the
unchanged app through MODEL_PATH, and the form POST it is sent: the file's first row."""
from __future__ import annotations

import csv
import hashlib
import subprocess
import sys
import urllib.parse

from tests.launcher import ARTIFACTS, ROOT

NAME, TARGET = "cps1985", "wage"
DATA = ROOT / "training" / "data" / f"{NAME}.csv"
OUT = ARTIFACTS / f"bench-{NAME}"
MODEL = OUT / "deployment.pkl"


def inputs() -> dict[str, str]:
    """The data set's first row without its target, as the form sends it (text as written)."""
    with DATA.open(newline="") as file:
        row = next(csv.DictReader(file))
    return {name: value for name, value in row.items() if name != TARGET}


FORM = urllib.parse.urlencode(inputs())


def stamp() -> str:
    """What the model is trained from: the data and the training code (training/*.py)."""
    digest = hashlib.sha256(DATA.read_bytes())
    for path in sorted((ROOT / "training").glob("*.py")):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


def trained() -> str:
    """MODEL_PATH of a model trained on DATA: reused when trained from the same stamp, else
    trained now (about a minute), in a child process as a person runs it."""
    stamp_file, current = OUT / "STAMP", stamp()
    if MODEL.exists() and stamp_file.exists() and stamp_file.read_text() == current:
        print(f"[bench] reusing {MODEL}", file=sys.stderr, flush=True)
        return str(MODEL)
    print(f"[bench] training {NAME} into {OUT}", file=sys.stderr, flush=True)
    OUT.mkdir(parents=True, exist_ok=True)
    stamp_file.unlink(missing_ok=True)
    subprocess.run([sys.executable, "-m", "training.train", "--data", str(DATA), "--target",
                    TARGET, "--out", str(OUT)], cwd=ROOT, check=True)
    stamp_file.write_text(current)
    return str(MODEL)
