"""The application factory: configuration, the model, and the web layer's blueprints.

Served by gunicorn in production (Procfile, gunicorn.conf.py) and by `python app.py` locally.
The views live in `web/`; validation, prediction and files in `tabular/`, which knows no Flask.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from tabular import batch
from tabular.model import load_model
from web import api, errors, pages, security, state

ROOT = Path(__file__).resolve().parent


def create_app(config: dict | None = None) -> Flask:
    """Build the app. `config` overrides the environment; tests pass MODEL to reuse one load."""
    app = Flask(__name__)
    app.config.from_mapping(
        MODEL_PATH=os.environ.get("MODEL_PATH", str(ROOT / "deployment.pkl")),
        MAX_CONTENT_LENGTH=batch.MAX_BYTES,
        # Heroku's router terminates TLS and says so in X-Forwarded-Proto; trust one hop.
        TRUST_PROXY="DYNO" in os.environ,
    )
    app.config.from_prefixed_env()  # FLASK_MAX_CONTENT_LENGTH and the like
    # ...but not FLASK_DEBUG: debug is for `python app.py` on one's own machine, never a
    # setting a deployed app picks up from its environment.
    app.config["DEBUG"] = False
    app.config.update(config or {})
    if app.config["TRUST_PROXY"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)
    model = app.config.get("MODEL") or load_model(app.config["MODEL_PATH"])
    state.init_app(app, model)
    for blueprint in (security.bp, pages.bp, api.bp, errors.bp):
        app.register_blueprint(blueprint)
    return app


def debug_requested(environ: dict) -> bool:
    """The Werkzeug debugger for `python app.py` only, and only with FLASK_DEBUG=1: it runs
    code sent from the browser, so it must never be on by accident."""
    return environ.get("FLASK_DEBUG") == "1"


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    create_app().run(host="127.0.0.1", port=int(os.environ.get("PORT", 5000)),
                     debug=debug_requested(os.environ))
