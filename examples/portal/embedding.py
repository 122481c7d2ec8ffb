"""Dashboards, and fresh embed URLs for the pages that embed through the QuickSight SDK.

A page on QuickSight's https origin is embedded with the official `amazon-quicksight-embedding-sdk`
(served by the portal from static/vendor, `make portal-sdk`): `static/portal.js` calls
`createEmbeddingContext` and `embedConsole`/`embedDashboard`, and when the embedded session
reports an error (an expired or spent URL) it asks the portal for a fresh URL with a POST to
`/embed-url/...` (same origin, CSRF token in a header), never reusing the old one. The SDK
accepts https URLs only, so the plain-http local emulator's URLs are framed directly.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Blueprint, Response, g, jsonify, redirect, render_template, request, session

from embedder.errors import BadInputError, EmbedderError
from embedder.result import EmbedUrl
from examples.portal.app import render_error
from examples.portal.error_pages import UNEXPECTED_CONSOLE_ORIGIN, ErrorPage, error_page
from examples.portal.security import csrf_ok

logger = logging.getLogger(__name__)
blueprint = Blueprint("embedding", __name__)

CSRF_HEADER = "X-CSRF-Token"
DASHBOARD_NOT_AVAILABLE = ErrorPage(
    403,
    "That dashboard is not available",
    "The dashboard is not one of your organisation's. Open a dashboard from your own "
    "organisation, or ask your administrator.",
)

Mint = Callable[[], EmbedUrl]


def uses_sdk(url: str) -> bool:
    """Whether the page embeds `url` through the SDK (it refuses anything but https)."""
    return url.startswith("https://")


@blueprint.get("/dashboards/<dashboard_id>")
def dashboard(dashboard_id: str) -> Response | str:
    """A dashboard of the signed-in user's tenant, with a URL minted for this page load."""
    signed_in = g.signed_in
    if signed_in is None:
        return redirect("/signin", code=303)  # type: ignore[return-value]
    try:
        url = _dashboard_url(dashboard_id)
    except EmbedderError as e:
        return render_error(dashboard_page(e))
    from examples.portal.views import on_expected_origin

    expected = on_expected_origin(signed_in, url)
    if expected is None:
        return render_error(UNEXPECTED_CONSOLE_ORIGIN)
    g.frame_src = expected
    return render_template(
        "dashboard.html", embed=url, dashboard_id=dashboard_id, sdk=uses_sdk(url.url)
    )


@blueprint.post("/embed-url/console")
def fresh_console_url() -> tuple[Response, int]:
    """A fresh console URL for the SDK page whose session ended (JSON)."""
    from examples.portal.views import mint_console_url

    return fresh(lambda: mint_console_url(g.signed_in), error_page)


@blueprint.post("/embed-url/dashboards/<dashboard_id>")
def fresh_dashboard_url(dashboard_id: str) -> tuple[Response, int]:
    """A fresh URL for the dashboard page whose session ended (JSON)."""
    return fresh(lambda: _dashboard_url(dashboard_id), dashboard_page)


def _dashboard_url(dashboard_id: str) -> EmbedUrl:
    signed_in = g.signed_in
    url: EmbedUrl = signed_in.embedder.dashboard_embed_url(signed_in.user.name, dashboard_id)
    return url


def dashboard_page(error: EmbedderError) -> ErrorPage:
    """The page for a dashboard that could not be opened."""
    logger.warning("dashboard not opened: %s", error)
    if isinstance(error, BadInputError):  # not listed, or no dashboards for the tenant
        return DASHBOARD_NOT_AVAILABLE
    return error_page(error)


def fresh(
    mint: Mint, page_for: Callable[[EmbedderError], ErrorPage], *, signed_in: bool = True
) -> tuple[Response, int]:
    """A fresh URL as JSON for a page whose embedded session ended (`signed_in`: only for a
    signed-in user); the page's CSRF token must come in the header."""
    if signed_in and g.signed_in is None:
        return jsonify(error="Signed out", detail="Sign in again."), 401
    if not csrf_ok(session, request.headers.get(CSRF_HEADER)):
        return jsonify(error="Expired form", detail="Reload the page."), 400
    try:
        url = mint()
    except EmbedderError as e:
        page = page_for(e)
        return jsonify(error=page.title, detail=page.explanation), page.status
    if not uses_sdk(url.url):
        return jsonify(error="Not embeddable", detail="Reload the page."), 502
    return jsonify(url=url.url, requestId=url.request_id), 200
