"""Web origins that may frame the embedded console (`embedding.allowed_domains`).

The tenant file lists https origins, each either exact (`https://portal.acme.example`) or with
a wildcard standing for one or more whole labels on the left of a domain of at least two labels
(`https://*.acme.example`). A request names plain origins only, and one is allowed when its
host ends, label by label, in an allowed entry's domain (never by text globbing: a glob's `*`
also matches `/`, `?` and `.`, so `https://evil.example/.acme.example` would pass).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A DNS label (lowercase, as browsers serialise origins): 1..63 letters, digits and inner hyphens.
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
# 1..65535 in the regex itself, so the published JSON Schema refuses what the loader refuses.
_PORT = (
    r"(?::(?:[1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]"
    r"|6553[0-5]))?"
)
# An exact host may be a single label (https://localhost:8443); a wildcard needs two after it,
# so `https://*` and `https://*.example` (a whole top-level domain) are refused.
ALLOWED_ORIGIN_PATTERN = (
    rf"^https://(?:\*\.{_LABEL}(?:\.{_LABEL})+|{_LABEL}(?:\.{_LABEL})*){_PORT}$"
)
PLAIN_ORIGIN_PATTERN = rf"^https://{_LABEL}(?:\.{_LABEL})*{_PORT}$"
EXAMPLE = "https://portal.acme.example"
WILDCARD_EXAMPLE = "https://*.acme.example"
_ALLOWED = re.compile(ALLOWED_ORIGIN_PATTERN)
_PLAIN = re.compile(PLAIN_ORIGIN_PATTERN)
HTTPS_PORT = 443


@dataclass(frozen=True)
class _Origin:
    """An https origin split into host labels and port (443 when not written)."""

    labels: tuple[str, ...]
    port: int
    wildcard: bool = False

    @classmethod
    def parse(cls, origin: str) -> _Origin:
        """Split an origin already checked against one of the patterns above."""
        rest = origin.removeprefix("https://")
        host, _, port = rest.partition(":")
        wildcard = host.startswith("*.")
        labels = tuple(host.removeprefix("*.").split("."))
        return cls(labels=labels, port=int(port) if port else HTTPS_PORT, wildcard=wildcard)

    def admits(self, requested: _Origin) -> bool:
        """True when `requested` (a plain origin) is this origin, or under this wildcard."""
        if requested.wildcard or requested.port != self.port:
            return False
        if not self.wildcard:
            return requested.labels == self.labels
        n = len(self.labels)
        return len(requested.labels) > n and requested.labels[-n:] == self.labels


def allowed_origin_problem(origin: str) -> str | None:
    """Why `origin` may not be an entry of `embedding.allowed_domains`, or None."""
    if _ALLOWED.fullmatch(origin):
        return None
    return _diagnose(origin, wildcard_allowed=True)


def plain_origin_problem(origin: object) -> str | None:
    """Why `origin` is not a plain https origin a request may name, or None."""
    if not isinstance(origin, str):
        return f"must be an origin string such as {EXAMPLE}, got {type(origin).__name__}"
    if _PLAIN.fullmatch(origin):
        return None
    return _diagnose(origin, wildcard_allowed=False)


def _diagnose(origin: str, *, wildcard_allowed: bool) -> str:
    """The one thing to say about an origin that failed its pattern."""
    if not origin.startswith("https://"):
        return f"must be an https origin such as {EXAMPLE}"
    authority = origin.removeprefix("https://")
    if any(c in authority for c in "/?#\\@%"):
        return (
            f"must be an origin only, such as {EXAMPLE}: no path, query, fragment, user or %-escape"
        )
    if origin != origin.lower():
        return f"must be lowercase, as browsers send origins ({origin.lower()})"
    host = authority.partition(":")[0]
    if "*" in host:
        if not wildcard_allowed:
            return f"must be a plain origin such as {EXAMPLE}, not a wildcard"
        if host == "*":
            return (
                "a bare wildcard would let any site frame the console: list origins, "
                f"or subdomains of one domain as in {WILDCARD_EXAMPLE}"
            )
        if not host.startswith("*.") or "*" in host[2:]:
            return f"may use a wildcard only as the whole leftmost label, as in {WILDCARD_EXAMPLE}"
        if host.count(".") < 2:
            return (
                f"a wildcard must be followed by a domain of at least two labels, as in "
                f"{WILDCARD_EXAMPLE}: {origin} would admit every site under .{host[2:]}"
            )
    return (
        f"must be an https origin such as {EXAMPLE}: a host of DNS labels (letters, digits, "
        "inner hyphens) and an optional port 1..65535"
    )


def is_admitted(origin: str, allowed: tuple[str, ...] | list[str]) -> bool:
    """True when the plain `origin` matches one of the `allowed` origins, label by label."""
    requested = _Origin.parse(origin)
    return any(_Origin.parse(entry).admits(requested) for entry in allowed)
