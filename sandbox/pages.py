"""The small HTML pages a browser sees when it opens an embed URL of the emulator."""

from __future__ import annotations

from html import escape

from sandbox.embed_urls import EmbedGrant, Redeemed
from sandbox.sdk_protocol import PageEvents, control_script, experience_script

_REFUSALS = {
    Redeemed.REFUSED: (
        403,
        "Not a valid embed URL",
        "This URL was not issued by this emulator, or its code is wrong.",
    ),
    Redeemed.USED: (
        410,
        "Embed URL already used",
        "Embed URLs are single use. Ask the app for a new one.",
    ),
    Redeemed.EXPIRED: (
        410,
        "Embed URL expired",
        "Embed URLs are valid for 5 minutes. Ask the app for a new one.",
    ),
}


def _page(title: str, body: str) -> str:
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{escape(title)}</title></head><body><h1>{escape(title)}</h1>{body}</body></html>"
    )


_TITLES = {
    "QuickSightConsole": "QuickSight console",
    "Dashboard": "QuickSight dashboard",
    "DashboardVisual": "QuickSight visual",
    "QSearchBar": "QuickSight Q search bar",
    "GenerativeQnA": "QuickSight generative Q&A",
}


def session_page(grant: EmbedGrant) -> str:
    """What the reader of a redeemed URL sees: the experience, whose session, and (anonymous
    readers) the session tags their row-level security filters by. Tag values appear here
    only: the page is the reader's own, as QuickSight's is."""
    rows = [
        ("Experience", grant.experience),
        ("User ARN", grant.user_arn),
        ("User name", grant.user_name),
        ("Namespace", grant.namespace),
        ("Entry point", grant.entry_point),
        ("Session lifetime (minutes)", str(grant.lifetime_minutes)),
        ("Custom permissions", grant.custom_permissions_name or "(none)"),
    ]
    if grant.allowed_domains:
        rows.append(("Allowed domains", ", ".join(grant.allowed_domains)))
    if grant.authorized_resources:
        rows.append(("Authorized resources", ", ".join(grant.authorized_resources)))
    table = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in rows)
    tags = ""
    if grant.session_tags:
        tag_rows = "".join(
            f"<tr><th>{escape(k)}</th><td data-tag='{escape(k)}'>{escape(v)}</td></tr>"
            for k, v in grant.session_tags
        )
        tags = f"<h2>Session tags</h2><table id='session-tags'>{tag_rows}</table>"
    title = _TITLES.get(grant.experience, "QuickSight")
    return _page(
        f"{title} (local emulator)",
        f"<p>Embedded session opened.</p><table id='session'>{table}</table>{tags}"
        + experience_script(PageEvents.OPENED),
    )


def refusal_page(outcome: Redeemed) -> tuple[int, str]:
    """The page of a refused URL; framed by the embedding SDK it also tells the SDK, as
    QuickSight's pages do (ERROR_OCCURRED), so the app can fetch a fresh URL."""
    status, title, text = _REFUSALS[outcome]
    return status, _page(title, f"<p>{escape(text)}</p>" + experience_script(PageEvents.REFUSED))


def is_control_frame(path: str) -> bool:
    """`/embed/<session>/embedControl`: the frame the SDK opens beside each embedded page."""
    parts = path.split("/")
    return len(parts) == 4 and parts[1] == "embed" and parts[3] == "embedControl"


def control_page() -> str:
    return _page("QuickSight embedding control (local emulator)", control_script())
