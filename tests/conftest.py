"""Shared fixtures, in the style of Flask's tutorial: the real deployed model (loaded once),
the app and its test client, a real gunicorn started as the Procfile starts it, and helpers
that tests ask for by name."""
from __future__ import annotations

import hashlib
import json
import math
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from app import ROOT, create_app
from tabular.model import load_model
from tests.launcher import Server, Spec
from tests.person import VALID
from training import train
from training.train import DEFAULT_DATA
from tests.support import DTYPES, FIELDS

APP = Spec("app")  # the Procfile's app


@pytest.fixture(scope="session")
def model():
    return load_model(ROOT / "deployment.pkl")


@pytest.fixture(scope="session")
def data() -> pd.DataFrame:
    return pd.read_csv(DEFAULT_DATA)


# The other data sets the tests train on, and the options each needs (docs/training.md).
TRAINING_OPTIONS = {"auto-mpg": ["--target", "mpg", "--ignore", "car_name"],
                    "cps1985": ["--target", "wage"],
                    "penguins": ["--target", "species"],
                    "swisslabor": ["--target", "participation"],
                    "cps1985-blanks": ["--target", "wage"]}


def _with_blanks(out: Path) -> Path:
    """cps1985 with occupation and experience blank on every 12th row: a category and an
    integer column with blanks, which none of the shipped files has."""
    data = pd.read_csv(DEFAULT_DATA.with_name("cps1985.csv"))
    data.loc[data.index % 12 == 5, ["occupation", "experience"]] = np.nan
    data.to_csv(out / "cps1985-blanks.csv", index=False)
    return out / "cps1985-blanks.csv"


class Trained(dict):
    """Data set name -> the folder its model was trained into, trained on first use; the
    CSV it was trained on is the folder's TRAINED_ON."""

    def __init__(self, folders):
        super().__init__()
        self.folders = folders

    def __missing__(self, name: str) -> Path:
        out = self.folders.mktemp(name)
        csv = _with_blanks(out) if name == "cps1985-blanks" else \
            DEFAULT_DATA.with_name(f"{name}.csv")
        (out / "TRAINED_ON").write_text(str(csv))
        assert train.main(["--data", str(csv), "--out", str(out), *TRAINING_OPTIONS[name]]) == 0
        self[name] = out
        return out


@pytest.fixture(scope="session")
def trained(tmp_path_factory) -> Trained:
    """trained["auto-mpg"], trained["cps1985"], trained["cps1985-blanks"], trained["penguins"],
    trained["swisslabor"]: each trained once per session."""
    return Trained(tmp_path_factory)


@pytest.fixture(scope="session")
def serve(trained):
    """serve("penguins") -> (test client, model, the CSV's rows as pandas reads them): the
    app with MODEL_PATH on that data set's trained model."""
    def start(name: str):
        folder = trained[name]
        app = create_app({"TESTING": True, "MODEL_PATH": str(folder / "deployment.pkl")})
        return (app.test_client(), app.extensions["tabular"].model,
                pd.read_csv((folder / "TRAINED_ON").read_text()))
    return start


@pytest.fixture
def app(model):
    return create_app({"TESTING": True, "MODEL": model})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def person(model) -> dict:
    """tests.person.VALID, the data set's first row as a form sends it, typed as JSON sends it
    and validation gives it."""
    record, errors = model.schema.validate(VALID)
    assert not errors
    return record


@pytest.fixture
def post_form(client):
    """POST /predict the way a browser sends the form from our own page."""
    def post(fields: dict, path: str = "/predict", **kwargs):
        headers = {"Sec-Fetch-Site": "same-origin", **kwargs.pop("headers", {})}
        return client.post(path, data=fields, headers=headers, **kwargs)
    return post


@pytest.fixture(scope="session")
def pipeline_predict():
    """The saved pipeline's own answer, independent of the app's code paths."""
    def predict(model, rows: list[dict]) -> list[float]:
        frame = pd.DataFrame(rows)[list(FIELDS)].astype(DTYPES)
        return [float(v) for v in model.pipeline.predict(frame)]
    return predict


@pytest.fixture(scope="session")
def pipeline_ranges(pipeline_predict):
    """The likely range of each row as the card defines it (the row's group's half-width
    around the pipeline's own answer, floored at the card's floor), computed without the
    app's code."""
    def ranges(model, rows: list[dict]) -> list[tuple[float, float]]:
        spec = model.card["interval"]
        floor = -math.inf if spec.get("floor") is None else spec["floor"]
        out = []
        for row, value in zip(rows, pipeline_predict(model, rows)):
            [group] = [g for g in spec["groups"]
                       if all(row[c] in values for c, values in g["where"].items())]
            out.append((max(value - group["half_width"], floor),
                        max(value + group["half_width"], floor)))
        return out
    return ranges


@pytest.fixture
def prediction_of():
    """The raw amount a result page shows."""
    def read(html: str) -> float:
        return float(re.search(r'id="prediction"[^>]*data-value="([^"]+)"', html).group(1))
    return read


@pytest.fixture
def seal():
    """Write deployment.pkl into a folder with a copy of the shipped card that records its
    sha256, as if training had written both."""
    def write(folder: Path, payload: bytes) -> Path:
        (folder / "deployment.pkl").write_bytes(payload)
        card = json.loads((ROOT / "deployment.json").read_text())
        card["sha256"] = hashlib.sha256(payload).hexdigest()
        (folder / "deployment.json").write_text(json.dumps(card))
        return folder / "deployment.pkl"
    return write


class BareServer(Server):
    """The Procfile's gunicorn with PATH and PORT as its whole environment."""

    def env(self) -> dict[str, str]:
        return {"PATH": os.environ["PATH"], "PORT": str(self.port)}


class HerokuServer(Server):
    """The Procfile's gunicorn with what Heroku's Python buildpack gives a 512 MB dyno, and
    nothing else: `env -i` with these, HOME a fresh folder (GUNICORN_CMD_ARGS outranks
    gunicorn.conf.py). Requests must say X-Forwarded-Proto: https, as the router does."""

    def env(self) -> dict[str, str]:
        self.home = self.log_path.with_suffix(".home")
        self.home.mkdir(exist_ok=True)
        return {"PATH": os.environ["PATH"], "PORT": str(self.port), "HOME": str(self.home),
                "DYNO": "web.1", "GUNICORN_CMD_ARGS": "--access-logfile -",
                "FORWARDED_ALLOW_IPS": "*", "WEB_CONCURRENCY": "2", **self.env_extra}


@pytest.fixture
def start_server():
    """Start gunicorn as the Procfile does, on a free loopback port, with the environment
    the test varies (bare=True: nothing but PATH and PORT; heroku=True: a dyno's); stopped
    after the test."""
    started = []

    def start(env: dict | None = None, bare: bool = False, heroku: bool = False,
              timeout: float = 60) -> Server:
        kind = BareServer if bare else HerokuServer if heroku else Server
        server = kind(APP, env_extra=env or {})
        started.append(server)
        return server.start(timeout)
    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="session")
def server():
    """gunicorn from the Procfile, shared by the tests that only talk to it."""
    srv = Server(APP).start(60)
    yield srv
    srv.stop()
