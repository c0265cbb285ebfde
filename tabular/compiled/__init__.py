"""The accelerator: the saved pipeline's predict compiled to plain numpy, checked equal to it.

One entry point, `compile(pipeline, sample, method="predict")`: a CompiledPredictor (typed
columns -> predictions, or a classifier's probabilities with method="predict_proba"), or
Unsupported saying why not. It reads fitted sklearn, category_encoders and
PyCaret internals, so it lives apart: without this package the app keeps pipeline.predict,
slower and as right.
"""
from tabular.compiled.compiler import CompiledPredictor, compile
from tabular.compiled.unsupported import Unsupported

__all__ = ["CompiledPredictor", "Unsupported", "compile"]
