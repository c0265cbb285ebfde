"""The baseline: a PyCaret model served the way its deployment tutorials do it (module-level
app and model, a one-row DataFrame from the form, `predict_model` on every POST), not tuned."""
from pathlib import Path

import pandas as pd
from flask import Flask, render_template_string, request
from pycaret.regression import load_model, predict_model

ROOT = Path(__file__).resolve().parent.parent
COLUMNS = ["age", "sex", "bmi", "children", "smoker", "region"]

app = Flask(__name__)
model = load_model(str(ROOT / "deployment"))  # PyCaret adds the .pkl itself

PAGE = """<!doctype html><title>Insurance charges</title>
<form method="post" action="/predict">
{% for name in columns %}<label>{{ name }} <input name="{{ name }}"></label>{% endfor %}
<button>Predict</button></form>
{% if prediction is not none %}<p id="prediction">Expected charges: ${{ prediction }}</p>{% endif %}
"""


@app.get("/")
def index():
    return render_template_string(PAGE, columns=COLUMNS, prediction=None)


@app.post("/predict")
def predict():
    row = {name: request.form[name] for name in COLUMNS}
    frame = pd.DataFrame([row]).astype({"age": "int64", "bmi": "float64", "children": "int64"})
    result = predict_model(model, data=frame)
    prediction = round(float(result["prediction_label"].iloc[0]), 2)
    return render_template_string(PAGE, columns=COLUMNS, prediction=prediction)
