"""The predictor's domain, for whatever data the model's card describes (docs/card.md): the
schema and validation, loading the model, prediction and its likely range, and the CSV and
JSON inputs.

Plain Python that tests drive without Flask; the web layer (web/) adapts it to HTTP and
presents it.
"""
