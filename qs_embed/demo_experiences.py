"""The demo's rows for what tenants embed beyond the console: a registered user's dashboard, an
anonymous reader's dashboard with its row-level-security tags, and the moves that must fail
(another tenant's dashboard, a fixed tag overridden, an undeclared tag).

Each row is (tenant, user, check, expected, outcome), `expected` "granted" or the name of the
error that must come back. Tag values are never printed: a granted anonymous row names the
tag keys the reader's page shows.
"""

from __future__ import annotations

import re
import ssl
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from functools import partial

from embedder import Embedder, EmbedderError, EmbedUrl
from embedder.errors import AccessDeniedError, DashboardNotAllowedError, SessionTagError
from tenant_file.config import TenantConfig

Row = tuple[str, str, str, str, str]
_TAG_CELL = re.compile(r"<td data-tag='([^']*)'>")
_EXPERIENCE_CELL = re.compile(r"<tr><th>Experience</th><td>([^<]*)</td>")
DEMO_TAG_VALUE = "eu-west-1"
"""What the demo's app sets for each declared tag key of its anonymous readers."""


def open_embed_url(url: str, certificate: str | None = None) -> tuple[int, str]:
    """Open `url` as a browser would (HTTP status, page); `certificate`: the emulator's https
    listener's self-signed one, trusted for this request only."""
    context = ssl.create_default_context(cadata=certificate) if certificate else None
    try:
        with urllib.request.urlopen(url, timeout=10, context=context) as page:  # noqa: S310
            return int(page.status), page.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, ""


def experience_rows(
    tenants: Sequence[TenantConfig],
    embedder_of: Callable[[TenantConfig], Embedder],
    certificate: str | None = None,
) -> Iterator[Row]:
    opened = partial(_opened, certificate=certificate)
    for t in tenants:
        emb = embedder_of(t)
        if t.embedding.dashboards and "dashboard" in t.embedding.experiences:
            user, dashboard = t.users[0].name, t.embedding.dashboards[0]
            yield (
                t.tenant,
                user,
                f"dashboard {dashboard} (registered user)",
                "granted",
                opened(partial(emb.dashboard_embed_url, user, dashboard)),
            )
        if t.anonymous is not None and t.anonymous.dashboards:
            yield from _anonymous_rows(t, emb, tenants, embedder_of, opened)


def _anonymous_rows(
    t: TenantConfig,
    emb: Embedder,
    tenants: Sequence[TenantConfig],
    embedder_of: Callable[[TenantConfig], Embedder],
    opened: Callable[[Callable[[], EmbedUrl]], str],
) -> Iterator[Row]:
    assert t.anonymous is not None
    dashboard = t.anonymous.dashboards[0]
    tags = dict.fromkeys(t.anonymous.session_tags.keys, DEMO_TAG_VALUE)
    yield (
        t.tenant,
        "(anonymous)",
        f"dashboard {dashboard} with RLS tags",
        "granted",
        opened(partial(emb.anonymous_dashboard_url, dashboard, session_tags=tags)),
    )
    for key in list(t.anonymous.session_tags.fixed)[:1]:
        yield (
            t.tenant,
            "(anonymous)",
            f"app overrides fixed tag {key}",
            SessionTagError.__name__,
            _refused(partial(emb.anonymous_dashboard_url, dashboard, session_tags={key: "other"})),
        )
    yield (
        t.tenant,
        "(anonymous)",
        "an undeclared tag key",
        SessionTagError.__name__,
        _refused(lambda: emb.anonymous_dashboard_url(dashboard, session_tags={"undeclared": "x"})),
    )
    for other in tenants:
        if other is t or other.anonymous is None or not other.anonymous.dashboards:
            continue
        theirs = other.anonymous.dashboards[0]
        yield (
            other.tenant,
            "(anonymous)",
            f"{theirs} by {t.tenant}'s app",
            DashboardNotAllowedError.__name__,
            _refused(partial(emb.anonymous_dashboard_url, theirs)),
        )
        # A's file forged to list B's dashboard: only IAM stops it now.
        forged_section = t.anonymous.model_copy(update={"dashboards": (theirs,)})
        forged = embedder_of(t.model_copy(update={"anonymous": forged_section}))
        yield (
            other.tenant,
            "(anonymous)",
            f"{theirs} by {t.tenant}'s role (forged file)",
            AccessDeniedError.__name__,
            _refused(partial(forged.anonymous_dashboard_url, theirs)),
        )


def _opened(mint: Callable[[], EmbedUrl], certificate: str | None) -> str:
    """Mint, open the URL once, and say what the reader's page shows (never a tag value)."""
    try:
        url = mint().url
    except EmbedderError as e:
        return f"denied: {type(e).__name__}"
    status, text = open_embed_url(url, certificate)
    if status != 200:
        return f"unexpected: HTTP {status}"
    experience = _EXPERIENCE_CELL.search(text)
    shown = experience.group(1) if experience else "?"
    keys = _TAG_CELL.findall(text)
    return f"granted: page shows {shown}" + (f", tags {', '.join(keys)}" if keys else "")


def _refused(mint: Callable[[], EmbedUrl]) -> str:
    try:
        mint()
    except EmbedderError as e:
        return f"denied: {type(e).__name__}"
    return "granted (must be refused)"
