"""Shared fixtures: the real deployed model (loaded once), the app, its test client, and a
real gunicorn server started the way the Procfile starts it."""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pandas as pd
import pytest

from app import create_app
from bench.servers import SPECS, Server as BenchServer
from charges import model as model_loader
from charges.schema import FIELDS

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "training" / "data" / "insurance.csv"
ARTIFACTS = ROOT / "artifacts"  # git-ignored: screenshots, server logs
APP = next(spec for spec in SPECS if spec.name == "app")

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
    return create_app({"TESTING": True, "MODEL": model})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def post_form(client):
    """POST /predict the way a browser sends the form from our own page."""
    def post(fields: dict, path: str = "/predict", **kwargs):
        headers = {"Sec-Fetch-Site": "same-origin", **kwargs.pop("headers", {})}
        return client.post(path, data=fields, headers=headers, **kwargs)
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


def Server(env: dict | None = None) -> BenchServer:
    """gunicorn as the Procfile starts it, on a free loopback port: bench's own launcher,
    with whatever environment the test varies."""
    return BenchServer(APP, env_extra=env or {})


class BareServer(BenchServer):
    """The Procfile's gunicorn with PATH and PORT as its whole environment."""

    def __init__(self):
        super().__init__(APP)

    def env(self) -> dict[str, str]:
        return {"PATH": os.environ["PATH"], "PORT": str(self.port)}


@pytest.fixture(scope="session")
def server():
    """gunicorn from the Procfile, shared by the tests that only talk to it."""
    srv = Server().start(60)
    yield srv
    srv.stop()
