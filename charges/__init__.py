"""The insurance charges predictor: schema, model loading, prediction and the views' helpers.

Everything here is plain Python that tests drive without Flask; app.py is the web adapter.
"""
