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
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from tabular import compiled, interval, sets
from tabular.interval import Columns
from tabular.sample import domain_sample
from tabular.schema import Schema

log = logging.getLogger(__name__)

# Unpickling imports PyCaret, which opens ./logs.log at import and routes every warning into
# it: a server must not write into its code folder, so unless the owner says where, nowhere.
os.environ.setdefault("PYCARET_CUSTOM_LOGGING_PATH", os.devnull)

# columns -> one prediction per row (regression), or rows x classes probabilities
Predictor = Callable[[Columns], np.ndarray]
CHECK_ROWS = 500  # the sample a compiled predictor must match before it is used
# What each task's card needs besides what every card has, and the pipeline method it serves.
TASKS = {"regression": ("interval", "predict"), "classification": ("sets", "predict_proba")}


def task_of(card: dict) -> str:
    """The card's task; a card from before classification has none and is a regression."""
    return card.get("task", "regression")


class ModelError(RuntimeError):
    """The model files are missing, changed, or not what training writes."""


@dataclass(frozen=True)
class PipelinePredictor:
    """pipeline.predict (a classifier's predict_proba) on the columns as a DataFrame: the
    answer every predictor must give."""
    pipeline: Any
    method: str = "predict"

    def __call__(self, columns: Columns) -> np.ndarray:
        return getattr(self.pipeline, self.method)(pd.DataFrame(columns, copy=False))


@dataclass(frozen=True)
class Model:
    """The loaded pipeline, its card, the rules the card gives, and what predicts with it."""
    pipeline: Any
    card: dict
    schema: Schema
    predictor: Predictor  # chosen once, by load_model

    @property
    def is_compiled(self) -> bool:
        return not isinstance(self.predictor, PipelinePredictor)

    @property
    def name(self) -> str:
        return self.card["model"]["name"]

    @property
    def sha256(self) -> str:
        return self.card["sha256"]

    @property
    def target(self) -> dict:
        """The card's target: name and label; a regression's format, quantiles and mean, a
        classifier's classes and shares."""
        return self.card["target"]

    @property
    def task(self) -> str:
        return task_of(self.card)

    @property
    def classes(self) -> tuple[str, ...]:
        """A classifier's labels, in the order of its predict_proba columns; () for a
        regression."""
        return tuple(self.card["target"].get("classes", ()))


def card_path_for(model_path: Path) -> Path:
    return Path(model_path).with_suffix(".json")


def load_model(model_path: str | Path) -> Model:
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
    try:
        schema = Schema.from_card(card)
    except ValueError as exc:
        raise ModelError(f"the model card {card_path} has a broken input: {exc}") from None
    _check_pipeline(pipeline, model_path, schema, card["target"]["name"])
    method = TASKS[task_of(card)][1]
    sample = domain_sample(schema, CHECK_ROWS)
    if method == "predict_proba":
        _check_classes(pipeline, model_path, card["target"]["classes"], sample)
    model = Model(pipeline, card, schema, _predictor(pipeline, sample, method))
    log.info("loaded %s (%s, sha256 %s), predicting with %s", model_path, model.name,
             digest[:12], "the compiled pipeline" if model.is_compiled else f"pipeline.{method}")
    return model


def _predictor(pipeline: Any, sample: pd.DataFrame, method: str) -> Predictor:
    """The compiled pipeline when it matches pipeline.predict (or predict_proba) on the whole
    domain, else the pipeline's own method: retraining with other settings can make the app
    slower, never wrong."""
    try:
        return compiled.compile(pipeline, sample, method=method)
    except compiled.Unsupported as why:
        log.warning("not compiled: %s; predicting with pipeline.%s", why, method)
    except Exception:  # a pipeline the compiler did not foresee: slower, never down
        log.exception("compiling failed; predicting with pipeline.%s", method)
    return PipelinePredictor(pipeline, method)


def _read_card(card_path: Path) -> dict:
    try:
        card = json.loads(card_path.read_text())
    except OSError as exc:
        raise ModelError(f"cannot read the model card {card_path}: {exc.strerror}") from exc
    except ValueError as exc:
        raise ModelError(f"the model card {card_path} is not valid JSON: {exc}") from exc
    if not isinstance(card, dict):
        raise ModelError(f"the model card {card_path} is not a JSON object")
    task = task_of(card)
    if task not in TASKS:
        raise ModelError(f"the model card {card_path} is for {task!r}; this app serves "
                         f"{' and '.join(TASKS)} models")
    likely = TASKS[task][0]
    missing = {"sha256", "model", "target", "inputs", likely} - set(card)
    if missing:
        raise ModelError(f"the model card {card_path} lacks {', '.join(sorted(missing))}")
    try:
        if task == "regression":
            interval.validate(card["interval"], card["inputs"])
        else:
            sets.validate(card["sets"], _classes(card["target"]))
    except (ValueError, KeyError, TypeError) as exc:
        raise ModelError(f"the model card {card_path} has a broken {likely}: {exc}") from None
    return card


def _classes(target: Any) -> list[str]:
    classes = target.get("classes") if isinstance(target, dict) else None
    if not isinstance(classes, list) or len(classes) < 2 \
            or not all(isinstance(c, str) for c in classes) or len(set(classes)) != len(classes):
        raise ValueError("target.classes must list two or more distinct labels")
    return classes


def _check_pipeline(pipeline: Any, model_path: Path, schema: Schema, target: str) -> None:
    """The pipeline must have been fitted on exactly the card's inputs, in the card's order."""
    from sklearn.pipeline import Pipeline

    if not isinstance(pipeline, Pipeline):
        raise ModelError(f"{model_path} holds a {type(pipeline).__name__}, not a pipeline")
    # PyCaret fits its pipeline on the frame with the target, so the target is among them.
    columns = [c for c in getattr(pipeline, "feature_names_in_", []) if c != target]
    if columns != schema.names:
        raise ModelError(f"{model_path} was fitted on columns {columns}, but its card lists "
                         f"{schema.names}")


def _check_classes(pipeline: Any, model_path: Path, classes: list[str],
                   sample: pd.DataFrame) -> None:
    """The card's classes must be the pipeline's predict_proba columns, in order, and the
    app's label (the most probable class) the pipeline's own predict, on the whole domain."""
    encoder = getattr(pipeline, "named_steps", {}).get("label_encoding")
    order = [str(c) for c in getattr(getattr(encoder, "transformer", None), "classes_", [])]
    if order != classes:
        raise ModelError(f"{model_path} predicts the classes {order}, but its card lists "
                         f"{classes}")
    most = np.asarray(classes)[np.argmax(pipeline.predict_proba(sample), axis=1)]
    own = np.asarray(pipeline.predict(sample)).astype(str)
    if (most != own).any():
        raise ModelError(f"{model_path}'s predict is not its most probable class on "
                         f"{int((most != own).sum())} of {len(own)} sample rows")
