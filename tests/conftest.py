"""Shared fixtures: the real deployed model (loaded once), the app, its test client, and a
real gunicorn server started the way the Procfile starts it."""
from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pandas as pd
import pytest

from app import create_app
from bench.servers import free_port, procfile_argv
from charges import model as model_loader
from charges.schema import FIELDS

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "training" / "data" / "insurance.csv"
ARTIFACTS = ROOT / "artifacts"  # git-ignored: screenshots, server logs

# A complete, valid person, the first row of the data set: as a form or CSV sends it (text)
# and as JSON or validation gives it (typed).
VALID = {"age": "19", "sex": "female", "bmi": "27.9", "children": "0", "smoker": "yes",
         "region": "southwest"}
PERSON = {"age": 19, "sex": "female", "bmi": 27.9, "children": 0, "smoker": "yes",
          "region": "southwest"}


@pytest.fixture(scope="session")
def model():
    return model_loader.load(ROOT / "deployment.pkl")


@pytest.fixture(scope="session")
def data() -> pd.DataFrame:
    return pd.read_csv(DATA)


@pytest.fixture
def app(model):
    return create_app({"TESTING": True, "SECRET_KEY": "test-secret", "MODEL": model,
                       "SESSION_COOKIE_SECURE": False})


@pytest.fixture
def client(app):
    return app.test_client()


def csrf_token(client) -> str:
    page = client.get("/").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


@pytest.fixture
def post_form(client):
    """POST /predict the way a browser does: with the token from the page it just loaded."""
    def post(fields: dict, path: str = "/predict", **kwargs):
        return client.post(path, data={"csrf_token": csrf_token(client), **fields}, **kwargs)
    return post


def pipeline_predict(model, rows: list[dict]) -> list[float]:
    """The saved pipeline's own answer, independent of the app's code paths."""
    frame = pd.DataFrame(rows)[list(FIELDS)].astype(
        {"age": "int64", "children": "int64", "bmi": "float64"})
    return [float(v) for v in model.pipeline.predict(frame)]


def seal(folder: Path, payload: bytes) -> Path:
    """Write deployment.pkl into folder with a copy of the shipped card that records its
    sha256, as if training had written both."""
    (folder / "deployment.pkl").write_bytes(payload)
    card = json.loads((ROOT / "deployment.json").read_text())
    card["sha256"] = hashlib.sha256(payload).hexdigest()
    (folder / "deployment.json").write_text(json.dumps(card))
    return folder / "deployment.pkl"


class Server:
    def __init__(self, env: dict | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        ARTIFACTS.mkdir(exist_ok=True)
        self.log_path = ARTIFACTS / f"gunicorn-{self.port}.log"
        self.env = {**os.environ, "PORT": str(self.port), "SECRET_KEY": "server-test-secret",
                    "WEB_CONCURRENCY": "2", **(env or {})}
        self.proc = None

    def start(self, timeout: float = 60) -> "Server":
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(procfile_argv(), cwd=ROOT, env=self.env,
                                     stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.log_path.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer in {timeout}s")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
        self.log.close()

    def output(self) -> str:
        return self.log_path.read_text()


@pytest.fixture(scope="session")
def server():
    """gunicorn from the Procfile with plain-HTTP cookies (no TLS on loopback)."""
    srv = Server({"FLASK_SESSION_COOKIE_SECURE": "false"}).start()
    yield srv
    srv.stop()
