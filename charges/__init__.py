"""The insurance charges predictor's domain: the schema and validation, loading the model,
prediction and its likely range, and the CSV and JSON inputs.

Plain Python that tests drive without Flask; the web layer (web/) adapts it to HTTP and
presents it.
"""
