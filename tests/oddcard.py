"""A model on columns named as real files name them ("Model Year", "yrs.since.phd", "Origin "
trimmed to "Origin", capitals and a name differing only by case), with blanks: a real fitted
sklearn pipeline and a v2 card written here, as training would write them (docs/card.md)."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LinearRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder

TARGET = "mpg"
NUMBERS = ["Model Year", "yrs.since.phd", "weight"]
CATEGORIES = ["Origin", "origin"]  # differ only by letter case: a CSV header must be exact


def data(rows: int = 300, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "Model Year": rng.integers(70, 83, rows),
        "yrs.since.phd": rng.uniform(0, 40, rows).round(1),
        "weight": rng.uniform(1600, 5000, rows).round(0),
        "Origin": rng.choice(["Europe", "Japan", "USA"], rows).astype(object),
        "origin": rng.choice(["a", "b"], rows).astype(object),
    })
    frame[TARGET] = (60 - 0.008 * frame["weight"] + 0.5 * (frame["Model Year"] - 70)
                     + frame["Origin"].map({"Europe": 2, "Japan": 3, "USA": 0})
                     + rng.normal(0, 1.5, rows)).round(1)
    frame.loc[::7, "yrs.since.phd"] = np.nan  # blanks: the pipeline imputes them
    frame.loc[3::11, "origin"] = np.nan  # as pandas reads a blank cell
    return frame


def write(folder: Path) -> Path:
    """deployment.pkl and its card in folder; returns the pickle's path."""
    frame = data()
    inputs = frame.drop(columns=TARGET)
    pipeline = Pipeline([
        ("prepare", ColumnTransformer([
            ("numbers", SimpleImputer(strategy="median"), NUMBERS),
            ("categories", OneHotEncoder(handle_unknown="ignore"), CATEGORIES)])),
        ("model", LinearRegression())]).fit(inputs, frame[TARGET])
    path = folder / "deployment.pkl"
    joblib.dump(pipeline, path)
    card = {
        "task": "regression",
        "model": {"name": "LinearRegression", "method": "fixed", "params": {},
                  "setup": {"session_id": 1}},
        "metrics": {"cv": {"MAE": 1.2, "RMSE": 1.5, "R2": 0.9, "MAPE": 0.05},
                    "holdout": {"MAE": 1.3, "RMSE": 1.6, "R2": 0.9, "MAPE": 0.05},
                    "folds": 5, "compared": []},
        "rows": {"total": len(frame), "train": 210, "holdout": 90},
        "versions": {}, "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "trained_at": "2026-11-30T12:00:00+00:00",
        "target": {"name": TARGET, "label": "Miles per gallon",
                   "format": {"prefix": "", "suffix": " mpg", "decimals": 1},
                   "quantiles": [float(q) for q in np.quantile(frame[TARGET], np.linspace(0, 1, 101))],
                   "mean": float(frame[TARGET].mean())},
        "inputs": {
            "Model Year": {"kind": "integer", "dtype": "int64", "label": "Model year",
                           "help": "Two digits, as 70 for 1970", "blank": False,
                           "min": 70, "max": 82, "median": 76},
            "yrs.since.phd": {"kind": "number", "dtype": "float64", "label": "yrs.since.phd",
                              "help": None, "blank": True, "min": 0.0, "max": 40.0,
                              "median": 20.0},
            "weight": {"kind": "number", "dtype": "float64", "label": "Weight (lb)",
                       "help": None, "blank": False, "min": 1600.0, "max": 5000.0,
                       "median": 3300.0},
            "Origin": {"kind": "category", "dtype": "object", "label": "Origin", "help": None,
                       "blank": False, "categories": ["Europe", "Japan", "USA"]},
            "origin": {"kind": "category", "dtype": "object", "label": "origin (lower case)",
                       "help": None, "blank": True, "categories": ["a", "b"]}},
        "what_if": [{"field": "Origin", "each": True, "label": "Origin: {value}"},
                    {"field": "weight", "by": 500, "label": "500 lb heavier"},
                    {"field": "yrs.since.phd", "to": 20.0, "label": "yrs.since.phd at 20"}],
        "interval": {"method": "Split-conformal, one group.", "coverage": 0.8,
                     "groups": [{"name": "everyone", "where": {}, "n": 210, "half_width": 2.0,
                                 "above": 0.1, "holdout": {"half_width": 2.1, "n": 90,
                                                           "coverage": 0.8, "mean_width": 4.0,
                                                           "above": 0.1}}],
                     "holdout": {"n": 90, "coverage": 0.8, "mean_width": 4.0, "above": 0.1}},
        "ignored": [],
        "words": {},
    }
    (folder / "deployment.json").write_text(json.dumps(card, indent=2))
    return path
