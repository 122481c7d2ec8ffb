"""The portal's Flask app: `create_app(embedders, ...)`.

    from examples.portal import create_app, load_embedders
    app = create_app(load_embedders("tenants"))

Sign-in is a demo (choose a tenant's user from a list): a real app signs users in with its own
authentication and maps them to a tenant and a tenant user. Who is signed in lives in Flask's
signed session cookie; the secret key is random per process unless one is given.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from flask import Flask, Response, current_app, g, render_template, session
from werkzeug.exceptions import HTTPException, InternalServerError

from examples.portal.error_pages import UNEXPECTED, ErrorPage
from examples.portal.security import csrf_token, security_headers
from examples.portal.tenancy import TenantEmbedder, by_tenant, console_origin

EXTENSION = "quicksight_portal"
SESSION_COOKIE = "portal_session"
MAX_FORM_BYTES = 16 * 1024


@dataclass(frozen=True)
class Portal:
    """What every request shares: never changed once the app is made."""

    embedders: Mapping[str, TenantEmbedder]
    console_origins: Mapping[str, str]
    """Tenant -> the only origin its console page may frame."""


def create_app(
    embedders: Sequence[TenantEmbedder],
    *,
    endpoint_url: str | None = None,
    console_origin_override: str | None = None,
    secret_key: bytes | None = None,
    secure_cookies: bool = True,
) -> Flask:
    """The portal for `embedders` (one per tenant, made once and shared by all requests).

    endpoint_url: the AWS endpoint the embedders use (the local emulator), whose origin is then
        the console's; default: QuickSight in each tenant's identity region.
    console_origin_override: the console's origin when neither default fits.
    secret_key: signs the session cookie; default: random, so restarting signs everyone out.
    secure_cookies: send the session cookie over HTTPS only (turn off for plain-HTTP loopback).
    """
    tenants = by_tenant(embedders)
    origins = {
        name: console_origin_override or console_origin(e.config, endpoint_url)
        for name, e in tenants.items()
    }
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=secret_key or secrets.token_bytes(32),
        SESSION_COOKIE_NAME=SESSION_COOKIE,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure_cookies,
        MAX_CONTENT_LENGTH=MAX_FORM_BYTES,
    )
    app.extensions[EXTENSION] = Portal(tenants, origins)

    from examples.portal.views import blueprint, load_signed_in

    app.register_blueprint(blueprint)
    app.before_request(load_signed_in)
    app.after_request(_add_security_headers)
    app.register_error_handler(HTTPException, _http_error)
    app.context_processor(lambda: {"csrf_token": lambda: csrf_token(session)})
    return app


def portal() -> Portal:
    found: Portal = current_app.extensions[EXTENSION]
    return found


def render_error(page: ErrorPage) -> Response:
    """An error page with its status (and Retry-After for 503)."""
    response = current_app.make_response((render_template("error.html", page=page), page.status))
    if page.retry_after is not None:
        response.headers["Retry-After"] = str(page.retry_after)
    return response


def _add_security_headers(response: Response) -> Response:
    signed_in = g.get("signed_in")
    frame_ancestors = signed_in.tenant.embedding.allowed_domains if signed_in else ()
    response.headers.update(security_headers(frame_ancestors, g.get("frame_src")))
    return response


def _http_error(error: HTTPException) -> Response:
    if isinstance(error, InternalServerError):
        # Flask has logged the exception with its traceback; the page says nothing of it.
        return render_error(UNEXPECTED)
    status = error.code or 500
    return render_error(ErrorPage(status, f"{status} {error.name}", error.description or ""))
