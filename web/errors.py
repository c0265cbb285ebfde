"""Every error as a page for people and as JSON under /api/: never a traceback."""
from __future__ import annotations

import logging

from flask import Blueprint, current_app, jsonify, render_template, request
from flask.globals import request_ctx
from werkzeug.exceptions import HTTPException, InternalServerError, RequestEntityTooLarge

from web.server import BUSY, Busy
from web.state import upload_limits

bp = Blueprint("errors", __name__)
log = logging.getLogger(__name__)
# Page titles in plain words; werkzeug's names ("Request Entity Too Large") are the protocol's.
TITLES = {400: "Please check what you sent", 403: "Sent from another website",
          404: "Page not found", 405: "Not something this page does",
          413: "File too large", 429: "Too many requests", 500: "Something went wrong",
          503: "Busy right now"}


@bp.before_app_request
def busy():
    # web/server.py found a large request that could not be answered in time: say so at
    # once, without reading its body.
    if request.environ.get(BUSY):
        raise Busy()


@bp.app_errorhandler(HTTPException)
def http_error(error: HTTPException):
    # werkzeug's own headers for the error (Allow on a 405, ...), less its Content-Type.
    headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
    if request.path.startswith("/api/"):
        return jsonify(errors=[{"row": None, "field": None,
                                "message": error.description}]), error.code, headers
    if request_ctx.url_adapter is None:
        # A Host header Flask could not route (`Host: ..`): the page's links cannot be
        # built, so the answer is plain text rather than a crash while rendering it.
        return (f"{error.code} {error.name}: {error.description}", error.code,
                headers + [("Content-Type", "text/plain; charset=utf-8")])
    return render_template("error.html", code=error.code,
                           title=TITLES.get(error.code, error.name),
                           message=error.description), error.code, headers


@bp.app_errorhandler(RequestEntityTooLarge)
def too_large(error: RequestEntityTooLarge):
    # werkzeug also answers 413 for a form of more than max_form_parts parts, whatever its size.
    size = request.content_length
    if size is not None and size <= current_app.config["MAX_CONTENT_LENGTH"]:
        error.description = "The form has too many parts. Send the file on its own."
    else:
        error.description = (f"The upload is larger than {upload_limits()['megabytes']} MB. "
                             "Send a smaller file.")
    return http_error(error)


@bp.app_errorhandler(Exception)
def server_error(error: Exception):
    log.exception("unhandled error on %s %s", request.method, request.path)
    return http_error(InternalServerError("Something went wrong on our side. Please try again."))
