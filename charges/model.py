"""Load the saved pipeline once, at start, and refuse any file training did not write.

A pickle is code: unpickling a swapped or truncated file runs whatever it says. So the bytes
are checked against the sha256 that training recorded in deployment.json before joblib sees
them, and the result must be the kind of pipeline training saves.
"""
from __future__ import annotations

import hashlib
import io
import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from charges import fastpath, interval
from charges.schema import FIELDS, TARGET, Schema

log = logging.getLogger(__name__)

# Unpickling imports PyCaret, which opens ./logs.log at import and routes every warning into
# it: a server must not write into its code folder, so unless the owner says where, nowhere.
os.environ.setdefault("PYCARET_CUSTOM_LOGGING_PATH", os.devnull)


class ModelError(RuntimeError):
    """The model files are missing, changed, or not what training writes."""


@dataclass
class Model:
    pipeline: Any
    card: dict
    schema: Schema = field(init=False)
    # Typed input columns -> predictions: pipeline.predict on a DataFrame of them, or the
    # equivalent numeric path derived from the pipeline (charges.fastpath), which needs none.
    predict_columns: fastpath.PredictColumns = field(init=False)
    fast_path: bool = field(init=False, default=False)  # predict_columns is the derived path

    def __post_init__(self):
        self.schema = Schema.from_card(self.card)
        self.predict_columns = self._pipeline_predict

    def _pipeline_predict(self, columns: fastpath.Columns,
                          frame: pd.DataFrame | None = None) -> np.ndarray:
        return fastpath.pipeline_predict(self.pipeline, columns, frame)

    def predict_frame(self, frame: pd.DataFrame) -> np.ndarray:
        """Predictions for a DataFrame; if the pipeline itself runs, it gets this frame."""
        return self.predict_columns(fastpath.columns_of(frame), frame)

    @property
    def name(self) -> str:
        return self.card["model"]["name"]

    @property
    def sha256(self) -> str:
        return self.card["sha256"]


def card_path_for(model_path: Path) -> Path:
    return Path(model_path).with_suffix(".json")


def load(model_path: str | Path) -> Model:
    model_path = Path(model_path)
    card_path = card_path_for(model_path)
    card = _read_card(card_path)
    try:
        data = model_path.read_bytes()
    except OSError as exc:
        raise ModelError(f"cannot read the model file {model_path}: {exc.strerror}") from exc
    digest = hashlib.sha256(data).hexdigest()
    if digest != card.get("sha256"):
        raise ModelError(
            f"{model_path} has sha256 {digest}, but {card_path} records {card.get('sha256')}: "
            "refusing to unpickle a file that training did not write (retrain, or restore both)")
    import joblib  # deferred: importing it pulls in numpy/scipy, worth it only once checked

    try:
        pipeline = joblib.load(io.BytesIO(data))
    except Exception as exc:  # a matching hash with a broken body means a broken training run
        raise ModelError(f"cannot unpickle {model_path}: {exc!r}") from exc
    _check_pipeline(pipeline, model_path)
    model = Model(pipeline, card)
    # The derived path is used only once it matched the pipeline on inputs from the card.
    compiled = fastpath.compile_pipeline(pipeline, fastpath.domain_sample(model.schema, 500))
    if compiled is not None:
        model.predict_columns, model.fast_path = compiled, True
    log.info("loaded %s (%s, sha256 %s, %s)", model_path, model.name, digest[:12],
             "numpy fast path" if model.fast_path else "pipeline.predict")
    return model


def _read_card(card_path: Path) -> dict:
    try:
        card = json.loads(card_path.read_text())
    except OSError as exc:
        raise ModelError(f"cannot read the model card {card_path}: {exc.strerror}") from exc
    except ValueError as exc:
        raise ModelError(f"the model card {card_path} is not valid JSON: {exc}") from exc
    missing = ({"sha256", "model", "inputs", "interval"} - set(card) if isinstance(card, dict)
               else {"all"})
    if missing:
        raise ModelError(f"the model card {card_path} lacks {', '.join(sorted(missing))}")
    try:
        interval.validate(card["interval"], card["inputs"])
    except (ValueError, KeyError, TypeError) as exc:
        raise ModelError(f"the model card {card_path} has a broken interval: {exc}") from None
    return card


def _check_pipeline(pipeline: Any, model_path: Path) -> None:
    from sklearn.pipeline import Pipeline

    if not isinstance(pipeline, Pipeline):
        raise ModelError(f"{model_path} holds a {type(pipeline).__name__}, not a pipeline")
    # PyCaret fits its pipeline on the frame with the target, so the target is among them.
    columns = [c for c in getattr(pipeline, "feature_names_in_", []) if c != TARGET]
    if columns != list(FIELDS):
        raise ModelError(f"{model_path} was fitted on columns {columns}, not {list(FIELDS)}")
