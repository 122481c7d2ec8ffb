"""Response headers and the sign-in form's CSRF token.

Every page is personal (it names the user, the console page carries a single-use embed URL),
so nothing is ever stored by a browser or a proxy: `Cache-Control: no-store` on all of them.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import MutableMapping, Sequence
from typing import Any

CSRF_FIELD = "csrf"


def content_security_policy(frame_ancestors: Sequence[str], frame_src: str | None) -> str:
    """Scripts, styles and fetches from the portal only (the embedding SDK is served by the
    portal, never a CDN); forms post to the portal only.

    frame_ancestors: origins besides the portal's own that may frame this page (the tenant's
        `embedding.allowed_domains`).
    frame_src: the one origin this page may frame (the tenant's console), or None for none.
    """
    directives = (
        "default-src 'none'",
        "script-src 'self'",
        "connect-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors " + " ".join(["'self'", *frame_ancestors]),
        "frame-src " + (frame_src or "'none'"),
    )
    return "; ".join(directives)


def security_headers(frame_ancestors: Sequence[str], frame_src: str | None) -> dict[str, str]:
    headers = {
        "Cache-Control": "no-store",
        "Content-Security-Policy": content_security_policy(frame_ancestors, frame_src),
        # The console page's URL must not leak to the console (or anywhere else) as a referrer.
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
    }
    if not frame_ancestors:
        # For browsers without CSP frame-ancestors; it cannot list other origins, so it is
        # sent only when the page may be framed by the portal alone.
        headers["X-Frame-Options"] = "SAMEORIGIN"
    return headers


def csrf_token(session: MutableMapping[str, Any]) -> str:
    """The session's token for forms that change who is signed in (made on first use)."""
    token = session.get(CSRF_FIELD)
    if not isinstance(token, str):
        token = session[CSRF_FIELD] = secrets.token_urlsafe(32)
    return token


def csrf_ok(session: MutableMapping[str, Any], submitted: str | None) -> bool:
    expected = session.get(CSRF_FIELD)
    if not isinstance(expected, str) or not submitted:
        return False
    return hmac.compare_digest(expected.encode(), submitted.encode())
