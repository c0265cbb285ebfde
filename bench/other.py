"""The bench's models trained on other data sets, each served by the unchanged app through
MODEL_PATH, and the form POST each is sent: its file's first row. cps1985 (issue 17: seven
text columns, a regression) and penguins (issue 18: a classifier, three classes)."""
from __future__ import annotations

import csv
import hashlib
import subprocess
import sys
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from tests.launcher import ARTIFACTS, ROOT


@dataclass(frozen=True)
class Other:
    name: str  # the data set: training/data/<name>.csv, and the bench's server
    target: str
    issue: str  # where its target (≤ 2× insurance's time in the worker) comes from

    @property
    def data(self) -> Path:
        return ROOT / "training" / "data" / f"{self.name}.csv"

    @property
    def out(self) -> Path:
        return ARTIFACTS / f"bench-{self.name}"

    @property
    def model(self) -> Path:
        return self.out / "deployment.pkl"

    def inputs(self) -> dict[str, str]:
        """The data set's first row without its target, as the form sends it (text as
        written)."""
        with self.data.open(newline="") as file:
            row = next(csv.DictReader(file))
        return {name: value for name, value in row.items() if name != self.target}

    @property
    def form(self) -> str:
        return urllib.parse.urlencode(self.inputs())

    def stamp(self) -> str:
        """What the model is trained from: the data and the training code (training/*.py)."""
        digest = hashlib.sha256(self.data.read_bytes())
        for path in sorted((ROOT / "training").glob("*.py")):
            digest.update(path.name.encode() + path.read_bytes())
        return digest.hexdigest()

    def trained(self) -> str:
        """MODEL_PATH of a model trained on its data: reused when trained from the same stamp,
        else trained now (about a minute), in a child process as a person runs it."""
        stamp_file, current = self.out / "STAMP", self.stamp()
        if self.model.exists() and stamp_file.exists() and stamp_file.read_text() == current:
            print(f"[bench] reusing {self.model}", file=sys.stderr, flush=True)
            return str(self.model)
        print(f"[bench] training {self.name} into {self.out}", file=sys.stderr, flush=True)
        self.out.mkdir(parents=True, exist_ok=True)
        stamp_file.unlink(missing_ok=True)
        subprocess.run([sys.executable, "-m", "training.train", "--data", str(self.data),
                        "--target", self.target, "--out", str(self.out)], cwd=ROOT, check=True)
        stamp_file.write_text(current)
        return str(self.model)


CPS1985 = Other("cps1985", "wage", "issue 17")
PENGUINS = Other("penguins", "species", "issue 18")
OTHERS = {other.name: other for other in (CPS1985, PENGUINS)}
