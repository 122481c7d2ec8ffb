"""The portal's Flask app: `create_app(tenants, ...)`.

    from examples.portal import create_app, load_registry
    app = create_app(load_registry("tenants"))

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

from embedder.errors import UnknownTenantError
from examples.portal.error_pages import UNEXPECTED, ErrorPage
from examples.portal.security import csrf_token, security_headers
from examples.portal.tenancy import FixedTenants, TenantEmbedder, TenantSource, console_origin
from tenant_file.config import TenantConfig

EXTENSION = "quicksight_portal"
SESSION_COOKIE = "portal_session"
MAX_FORM_BYTES = 16 * 1024


@dataclass(frozen=True)
class Portal:
    """What every request shares: never changed once the app is made (the tenants it
    serves may change: a registry follows its directory)."""

    tenants: TenantSource
    endpoint_url: str | None = None
    console_origin_override: str | None = None

    def find(self, tenant: str) -> TenantEmbedder | None:
        """The tenant's embedder, or None if the portal does not serve it (now)."""
        try:
            return self.tenants.embedder(tenant)
        except UnknownTenantError:
            return None

    def console_origin(self, tenant: TenantConfig) -> str:
        """The only origin the tenant's console page may frame."""
        return self.console_origin_override or console_origin(tenant, self.endpoint_url)


def create_app(
    tenants: TenantSource | Sequence[TenantEmbedder],
    *,
    endpoint_url: str | None = None,
    console_origin_override: str | None = None,
    secret_key: bytes | None = None,
    secure_cookies: bool = True,
    reader_tags: Mapping[str, str] | None = None,
) -> Flask:
    """The portal for `tenants`: a `TenantRegistry` (`load_registry`), or embedders made up
    front, one per tenant; either way one embedder per tenant is shared by all requests.

    endpoint_url: the AWS endpoint the embedders use (the local emulator), whose origin is then
        the console's; default: QuickSight in each tenant's identity region.
    console_origin_override: the console's origin when neither default fits.
    secret_key: signs the session cookie; default: random, so restarting signs everyone out.
    secure_cookies: send the session cookie over HTTPS only (turn off for plain-HTTP loopback).
    reader_tags: session tags the public dashboards (`/public/<tenant>/dashboards/<id>`) set
        for their anonymous readers; each tenant gets the keys its file declares.
    """
    source = FixedTenants(tenants) if isinstance(tenants, Sequence) else tenants
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=secret_key or secrets.token_bytes(32),
        SESSION_COOKIE_NAME=SESSION_COOKIE,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure_cookies,
        MAX_CONTENT_LENGTH=MAX_FORM_BYTES,
    )
    from examples.portal import public

    app.config[public.READER_TAGS] = dict(reader_tags or {})
    app.extensions[EXTENSION] = Portal(source, endpoint_url, console_origin_override)

    from examples.portal import embedding
    from examples.portal.views import blueprint, load_signed_in

    app.register_blueprint(blueprint)
    app.register_blueprint(embedding.blueprint)
    app.register_blueprint(public.blueprint)
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
