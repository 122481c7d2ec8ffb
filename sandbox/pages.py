"""The small HTML pages a browser sees when it opens an embed URL of the emulator."""

from __future__ import annotations

from html import escape

from sandbox.embed_urls import EmbedGrant, Redeemed

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


def session_page(grant: EmbedGrant) -> str:
    rows = [
        ("User ARN", grant.user_arn),
        ("User name", grant.user_name),
        ("Namespace", grant.namespace),
        ("Entry point", grant.entry_point),
        ("Session lifetime (minutes)", str(grant.lifetime_minutes)),
        ("Custom permissions", grant.custom_permissions_name or "(none)"),
    ]
    if grant.allowed_domains:
        rows.append(("Allowed domains", ", ".join(grant.allowed_domains)))
    table = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in rows)
    return _page(
        "QuickSight console (local emulator)",
        f"<p>Embedded session opened.</p><table>{table}</table>",
    )


def refusal_page(outcome: Redeemed) -> tuple[int, str]:
    status, title, text = _REFUSALS[outcome]
    return status, _page(title, f"<p>{escape(text)}</p>")
