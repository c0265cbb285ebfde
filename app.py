"""The web adapter: application factory, routes and error handlers.

Served by gunicorn in production (see Procfile and gunicorn.conf.py) and by `python app.py`
locally. Validation, prediction and file handling live in the `charges` package.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path

from flask import Flask, Response, jsonify, redirect, render_template, request
from markupsafe import Markup
from werkzeug.exceptions import (Forbidden, HTTPException, InternalServerError,
                                 RequestEntityTooLarge)
from werkzeug.middleware.proxy_fix import ProxyFix

from charges import api, batch, insight, openapi
from charges import model as model_loader
from charges.predict import predict
from charges.present import dollars, pipeline_steps, signed_dollars

ROOT = Path(__file__).resolve().parent
log = logging.getLogger("charges")


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

        @app.before_request
        def https_only():
            # What people type here is about their health: never let it cross the internet
            # in clear text, even when they typed http:// themselves.
            if not request.is_secure:
                return redirect(request.url.replace("http://", "https://", 1), code=301)

    app.before_request(same_origin_posts)
    model = app.config.get("MODEL") or model_loader.load(app.config["MODEL_PATH"])
    app.extensions["charges_model"] = model
    quantiles = model.card["charges"]["quantiles"]
    chart = insight.Histogram.of(quantiles)
    with app.app_context():
        chart_bars = Markup(render_template("_bars.svg", chart=chart))
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

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(error: RequestEntityTooLarge):
        error.description = (f"The upload is larger than {upload_limits()['megabytes']} MB. "
                             "Send a smaller file.")
        return http_error(error)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        # werkzeug's own headers for the error (Allow on a 405, ...), less its Content-Type.
        headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
        if request.path.startswith("/api/"):
            return jsonify(errors=[{"row": None, "field": None,
                                    "message": error.description}]), error.code, headers
        return render_template("error.html", code=error.code, title=error.name,
                               message=error.description), error.code, headers

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


def same_origin_posts():
    """Refuse form posts that a browser sends from another site (cross-site request forgery).

    The browser's own headers decide, so there is no token, session or secret: Go 1.25's
    http.CrossOriginProtection, as OWASP's Fetch Metadata defence describes. Sec-Fetch-Site
    is set by every current browser and cannot be forged by a page; without it (an older
    browser, or a program), an Origin other than our own is refused. Scheme and host are
    compared as the request arrived, so behind Heroku's TLS proxy the origin is https://.
    The JSON API is for programs: it reads no cookie and changes nothing, so a forged call
    gains nothing, and clients need send no browser headers."""
    if request.method in ("GET", "HEAD", "OPTIONS") or request.path.startswith("/api/"):
        return None
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None:
        if site in ("same-origin", "none"):
            return None
    else:
        origin = request.headers.get("Origin")
        if origin is None or origin == f"{request.scheme}://{request.host}":
            return None
    raise Forbidden("This form was sent to us from another website, so it was refused: "
                    "only the form on this site's own pages can ask for an estimate. "
                    "Open the form here and send it again.")


def debug_requested(environ: dict) -> bool:
    """The Werkzeug debugger for `python app.py` only, and only with FLASK_DEBUG=1: it runs
    code sent from the browser, so it must never be on by accident."""
    return environ.get("FLASK_DEBUG") == "1"


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    create_app().run(host="127.0.0.1", port=int(os.environ.get("PORT", 5000)),
                     debug=debug_requested(os.environ))
