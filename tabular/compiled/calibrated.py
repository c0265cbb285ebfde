"""A sigmoid-calibrated classifier's predict_proba (sklearn's CalibratedClassifierCV, which
PyCaret's calibrate_model fits), computed as sklearn computes it, without its per-call checks.

sklearn asks each of its (five) fitted copies for decision_function, then re-derives the
classes with a LabelEncoder and validates every column it hands a calibrator: for one row,
~0.15 ms per copy spent on checks, more than the rest of the compiled pipeline. Here the
class indices are found once, at load, and each copy's scores go straight through its
sigmoids, with sklearn's operations in sklearn's order (the load-time check holds it to 1e-9).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
from scipy.special import expit

from tabular.compiled.unsupported import Unsupported


@dataclass(frozen=True)
class Fold:
    """One fitted copy of the estimator and the sigmoids calibrated on its held-out fold."""
    scores: Callable[[np.ndarray], np.ndarray]  # the copy's (quiet) decision_function
    columns: tuple[int, ...]  # per score column: the class its probability goes to
    a: tuple[float, ...]  # per score column: expit(-(a * score + b))
    b: tuple[float, ...]


@dataclass(frozen=True)
class Calibrated:
    n_classes: int
    folds: tuple[Fold, ...]

    @classmethod
    def of(cls, estimator: Any, quiet: Callable[[Any], Any]) -> Calibrated:
        """quiet: the estimator copy that takes numpy rows without a warning (replay.py)."""
        from sklearn.calibration import CalibratedClassifierCV, _CalibratedClassifier
        from sklearn.calibration import _SigmoidCalibration
        from sklearn.preprocessing import LabelEncoder

        if type(estimator) is not CalibratedClassifierCV:
            raise Unsupported(f"a {type(estimator).__name__} is not a calibrated classifier")
        folds = []
        for fold in estimator.calibrated_classifiers_:
            inner = fold.estimator
            if type(fold) is not _CalibratedClassifier or not all(
                    type(c) is _SigmoidCalibration for c in fold.calibrators):
                raise Unsupported("calibration other than sigmoid")
            # sklearn prefers decision_function; predict_proba responses are not replayed.
            if not callable(getattr(inner, "decision_function", None)):
                raise Unsupported(f"a calibrated {type(inner).__name__} without decision_function")
            n_classes = len(fold.classes)
            columns = LabelEncoder().fit(fold.classes).transform(inner.classes_)
            if n_classes == 2:  # one score column, for the second class
                columns = columns[:1] + 1
            folds.append(Fold(quiet(inner).decision_function, tuple(int(c) for c in columns),
                              tuple(float(c.a_) for c in fold.calibrators),
                              tuple(float(c.b_) for c in fold.calibrators)))
        if not folds or {len(f.classes) for f in estimator.calibrated_classifiers_} \
                != {len(estimator.classes_)}:
            raise Unsupported("folds calibrated on other classes than the estimator's")
        return cls(len(estimator.classes_), tuple(folds))

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        mean = np.zeros((len(X), self.n_classes))
        for fold in self.folds:
            mean += self._fold(fold, X)
        mean /= len(self.folds)
        return mean

    def _fold(self, fold: Fold, X: np.ndarray) -> np.ndarray:
        scores = fold.scores(X)
        scores = scores.reshape(-1, 1) if scores.ndim == 1 else scores
        proba = np.zeros((len(X), self.n_classes))
        for column, score, a, b in zip(fold.columns, scores.T, fold.a, fold.b):
            proba[:, column] = expit(-(a * score + b))
        if self.n_classes == 2:
            proba[:, 0] = 1.0 - proba[:, 1]
        else:
            denominator = np.sum(proba, axis=1)[:, np.newaxis]
            uniform = np.full_like(proba, 1 / self.n_classes)
            proba = np.divide(proba, denominator, out=uniform, where=denominator != 0)
        proba[(1.0 < proba) & (proba <= 1.0 + 1e-5)] = 1.0
        return proba
