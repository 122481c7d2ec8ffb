"""The portal's pages: demo sign-in, the console page, sign-out."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import Blueprint, Response, g, redirect, render_template, request, session, url_for

from embedder.errors import EmbedderError, UnknownTenantError
from embedder.result import EmbedUrl
from examples.portal.app import portal, render_error
from examples.portal.embedding import uses_sdk
from examples.portal.error_pages import UNEXPECTED_CONSOLE_ORIGIN, ErrorPage, error_page
from examples.portal.security import csrf_ok
from examples.portal.tenancy import TenantEmbedder, origin_of
from tenant_file.config import TenantConfig, TenantUser

logger = logging.getLogger(__name__)
blueprint = Blueprint("portal", __name__)

TENANT_KEY, USER_KEY = "tenant", "user"


@dataclass(frozen=True)
class SignedIn:
    embedder: TenantEmbedder
    user: TenantUser

    @property
    def tenant(self) -> TenantConfig:
        return self.embedder.config


def load_signed_in() -> None:
    """`g.signed_in`: who the session cookie names, if that user is still one of the tenant's."""
    g.signed_in = None
    tenant, user = session.get(TENANT_KEY), session.get(USER_KEY)
    if tenant is None and user is None:
        return
    embedder = portal().find(tenant) if isinstance(tenant, str) else None
    member = embedder.config.user(user) if embedder and isinstance(user, str) else None
    if embedder is None or member is None:
        session.clear()  # a tenant or user the portal no longer serves
        return
    g.signed_in = SignedIn(embedder, member)


@blueprint.get("/")
def index() -> Response:
    if g.signed_in is not None:
        return _see_other("portal.console")
    return _see_other("portal.sign_in")


@blueprint.get("/signin")
def sign_in() -> Response | str:
    if g.signed_in is not None:
        return _see_other("portal.console")
    return _sign_in_page()


@blueprint.post("/signin")
def sign_in_submit() -> Response | tuple[str, int]:
    if not csrf_ok(session, request.form.get("csrf")):
        return _sign_in_page("The sign-in form expired. Please try again."), 400
    tenant, user = request.form.get("tenant", ""), request.form.get("user", "")
    embedder = portal().find(tenant)
    if embedder is None:
        return _sign_in_page("Choose one of the organisations listed below."), 400
    member = embedder.config.user(user)
    if member is None:
        return _sign_in_page(f"{tenant} has no user called {user!r}."), 400
    # A fresh session: nothing from before sign-in (a planted cookie) carries over.
    session.clear()
    session[TENANT_KEY], session[USER_KEY] = tenant, member.name
    g.signed_in = SignedIn(embedder, member)
    return _see_other("portal.console")


@blueprint.post("/signout")
def sign_out() -> Response:
    if not csrf_ok(session, request.form.get("csrf")):
        return render_error(
            ErrorPage(400, "Sign-out failed", "The form expired. Reload the page and try again.")
        )
    session.clear()
    g.signed_in = None
    return _see_other("portal.sign_in")


@blueprint.get("/console")
def console() -> Response | str:
    """The embedded console, with an embed URL minted for this page load alone."""
    signed_in: SignedIn | None = g.signed_in
    if signed_in is None:
        return _see_other("portal.sign_in")
    entry_point = request.args.get("entry_point") or None
    lifetime: int | None = None
    if raw := request.args.get("lifetime"):
        try:
            lifetime = int(raw)
        except ValueError:
            return render_error(
                ErrorPage(400, "That session length is not allowed", "Give it in whole minutes.")
            )
    try:
        url = mint_console_url(signed_in, entry_point=entry_point, lifetime_minutes=lifetime)
    except EmbedderError as e:
        # Embedder messages name no secret (no URL, no auth code): safe for the app's log.
        logger.warning(
            "console for %s/%s not opened: %s", signed_in.tenant.tenant, signed_in.user.name, e
        )
        return render_error(error_page(e))
    expected = on_expected_origin(signed_in, url)
    if expected is None:
        return render_error(UNEXPECTED_CONSOLE_ORIGIN)
    g.frame_src = expected
    return render_template("console.html", embed=url, sdk=uses_sdk(url.url))


def mint_console_url(
    signed_in: SignedIn, *, entry_point: str | None = None, lifetime_minutes: int | None = None
) -> EmbedUrl:
    """A console URL for the signed-in user (EmbedderError if it cannot be minted)."""
    return signed_in.embedder.session_embed_url(
        signed_in.user.name, entry_point=entry_point, lifetime_minutes=lifetime_minutes
    )


def on_expected_origin(signed_in: SignedIn, url: EmbedUrl) -> str | None:
    """The tenant's QuickSight origin if `url` is on it; None (logged) if it is not."""
    return expected_origin(signed_in.tenant, signed_in.user.name, url)


def expected_origin(tenant: TenantConfig, who: str, url: EmbedUrl) -> str | None:
    """`tenant`'s QuickSight origin if `url` (minted for `who`) is on it; None (logged)."""
    expected = portal().console_origin(tenant)
    try:
        unexpected = origin_of(url.url) != expected
    except ValueError:
        unexpected = True
    if unexpected:
        logger.error(
            "embed for %s/%s not shown: the embed URL is not on %s (request id %s)",
            tenant.tenant,
            who,
            expected,
            url.request_id,
        )
        return None
    return expected


def _sign_in_page(problem: str | None = None) -> str:
    source = portal().tenants
    tenants = []
    for name in source.tenants:
        try:
            tenants.append(source.config(name))
        except UnknownTenantError:
            continue  # removed since the list was read

    return render_template("signin.html", tenants=tenants, problem=problem)


def _see_other(endpoint: str) -> Response:
    response: Response = redirect(url_for(endpoint), code=303)  # type: ignore[assignment]
    return response
