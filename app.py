"""The web adapter: application factory, routes and error handlers.

Served by gunicorn in production (see Procfile and gunicorn.conf.py) and by `python app.py`
locally. Validation, prediction and file handling live in the `charges` package.
"""
from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

from flask import Flask, Response, jsonify, redirect, render_template, request
from flask_wtf.csrf import CSRFError, CSRFProtect
from markupsafe import Markup
from werkzeug.exceptions import HTTPException, InternalServerError, RequestEntityTooLarge
from werkzeug.middleware.proxy_fix import ProxyFix

from charges import api, batch, insight, openapi
from charges import model as model_loader
from charges.predict import predict
from charges.present import dollars, pipeline_steps, signed_dollars

ROOT = Path(__file__).resolve().parent
csrf = CSRFProtect()
log = logging.getLogger("charges")


def create_app(config: dict | None = None) -> Flask:
    """Build the app. `config` overrides the environment; tests pass MODEL to reuse one load."""
    app = Flask(__name__)
    app.config.from_mapping(
        SECRET_KEY=os.environ.get("SECRET_KEY"),
        MODEL_PATH=os.environ.get("MODEL_PATH", str(ROOT / "deployment.pkl")),
        MAX_CONTENT_LENGTH=batch.MAX_BYTES,
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # Heroku's router terminates TLS and says so in X-Forwarded-Proto; trust one hop.
        TRUST_PROXY="DYNO" in os.environ,
    )
    app.config.from_prefixed_env()  # FLASK_SESSION_COOKIE_SECURE=false and the like
    # ...but not FLASK_DEBUG: debug is for `python app.py` on one's own machine, never a
    # setting a deployed app picks up from its environment.
    app.config["DEBUG"] = False
    app.config.update(config or {})
    if not app.config["SECRET_KEY"]:
        raise RuntimeError("SECRET_KEY is not set: `heroku config:set SECRET_KEY=...` "
                           "(see README); `python app.py` makes a throwaway one for local use")
    if app.config["TRUST_PROXY"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)

        @app.before_request
        def https_only():
            # The session cookie is Secure: over plain HTTP a browser drops it, and every
            # form post would fail its CSRF check. Send people to HTTPS instead.
            if not request.is_secure:
                return redirect(request.url.replace("http://", "https://", 1), code=301)

    model = app.config.get("MODEL") or model_loader.load(app.config["MODEL_PATH"])
    app.extensions["charges_model"] = model
    quantiles = model.card["charges"]["quantiles"]
    chart = insight.Histogram.of(quantiles)
    with app.app_context():
        chart_bars = Markup(render_template("_bars.svg", chart=chart))
    csrf.init_app(app)
    app.add_template_filter(dollars)
    app.add_template_filter(signed_dollars)

    def upload_limits() -> dict:
        return batch.limits(app.config["MAX_CONTENT_LENGTH"])

    @app.context_processor
    def model_facts():
        return {"card": model.card, "limits": upload_limits()}

    def page(status: int = 200, **context):
        context.setdefault("values", {})
        context.setdefault("errors", {})
        return render_template("index.html", schema=model.schema, **context), status

    @app.get("/")
    def index():
        return page()

    @app.post("/predict")
    def predict_form():
        values = {name: request.form.get(name, "") for name in model.schema.fields}
        record, errors = model.schema.validate(values)
        if errors:
            return page(400, values=values, errors=errors)
        prediction, what_if = insight.explain(record, model)
        return page(values=values, prediction=prediction, what_if=what_if,
                    percentile=insight.percentile(prediction, quantiles), chart=chart,
                    chart_bars=chart_bars)

    @app.post("/batch")
    def batch_csv():
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            return page(400, batch_errors=["Choose a CSV file to upload."])
        try:
            scored = batch.score_csv(upload.read(), model)
        except batch.BatchError as error:
            return page(400, batch_errors=error.messages)
        name = batch.download_name(upload.filename)
        return Response(scored, mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})

    @app.post("/api/predict")
    @csrf.exempt  # no cookies or sessions are involved, so there is nothing to forge
    def predict_api():
        try:
            records = api.parse_body(request.get_data(), model.schema)
        except api.ApiError as error:
            return jsonify(errors=error.errors), error.status
        return jsonify(predictions=predict(records, model), model={
            "name": model.name, "sha256": model.sha256,
            "trained_at": model.card["trained_at"]})

    @app.get("/api/openapi.json")
    def openapi_json():
        return jsonify(openapi.document(model.schema, model.card,
                                        upload_limits()["megabytes"]))

    @app.get("/model")
    def model_card():
        return render_template("model.html", model=model,
                               steps=pipeline_steps(model.pipeline))

    @app.get("/healthz")
    def healthz():
        return {"status": "ok", "model": model.name, "sha256": model.sha256}

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return render_template("error.html", code=400, title="Please reload the page",
                               message="The form expired or was sent from elsewhere. "
                                       "Reload the page and submit it again."), 400

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(error: RequestEntityTooLarge):
        error.description = (f"The upload is larger than {upload_limits()['megabytes']} MB. "
                             "Send a smaller file.")
        return http_error(error)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if request.path.startswith("/api/"):
            return jsonify(errors=[{"row": None, "field": None,
                                    "message": error.description}]), error.code
        return render_template("error.html", code=error.code, title=error.name,
                               message=error.description), error.code

    @app.errorhandler(Exception)
    def server_error(error: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        return http_error(InternalServerError(
            "Something went wrong on our side. Please try again."))

    @app.after_request
    def security_headers(response):
        response.headers.update(SECURITY_HEADERS)
        if request.is_secure:
            response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        return response

    return app


SECURITY_HEADERS = {
    # No inline script or style anywhere: every asset is a file under static/.
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; base-uri 'self'; "
                               "form-action 'self'; object-src 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def local_settings(environ: dict) -> tuple[dict, bool]:
    """Config and debug flag for `python app.py`: local, plain-HTTP use only.

    A throwaway secret (sessions end with the process) unless SECRET_KEY is set, cookies that
    work without TLS, and the Werkzeug debugger only with FLASK_DEBUG=1: it runs code sent
    from the browser, so it must never be on by accident."""
    config = {"SESSION_COOKIE_SECURE": False}
    if not environ.get("SECRET_KEY"):
        config["SECRET_KEY"] = secrets.token_hex(32)
    return config, environ.get("FLASK_DEBUG") == "1"


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    local, debug = local_settings(os.environ)
    create_app(local).run(host="127.0.0.1", port=int(os.environ.get("PORT", 5000)), debug=debug)
