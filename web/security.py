"""Request guards and response headers that every route gets."""
from __future__ import annotations

from flask import Blueprint, current_app, redirect, request
from werkzeug.exceptions import BadRequest, Forbidden
from werkzeug.urls import iri_to_uri

bp = Blueprint("security", __name__)

HEADERS = {
    # No inline script or style anywhere: every asset is a file under static/.
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; base-uri 'self'; "
                               "form-action 'self'; object-src 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


@bp.before_app_request
def https_only():
    # What people type here may be about themselves (their health, for insurance): behind
    # Heroku's TLS proxy, never let it cross the internet in clear text, even when they
    # typed http:// themselves.
    if current_app.config["TRUST_PROXY"] and not request.is_secure:
        try:
            url = iri_to_uri(request.url)
        except UnicodeError:  # a Host that is no host name (`.a`): nowhere to send them
            raise BadRequest("The Host header is not a valid host name.") from None
        return redirect(url.replace("http://", "https://", 1), code=301)
    return None


@bp.before_app_request
def same_origin_posts():
    """Refuse form posts that a browser sends from another site (cross-site request forgery).

    The browser's own headers decide (Sec-Fetch-Site, else Origin), so there is no token,
    session or secret: Go 1.25's http.CrossOriginProtection. The JSON API reads no cookie
    and changes nothing, so it is exempt (docs/security.md)."""
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


@bp.after_app_request
def security_headers(response):
    response.headers.update(HEADERS)
    if request.is_secure:
        response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    return response
