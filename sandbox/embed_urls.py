"""Embed URLs as AWS issues them: unique, single use, valid five minutes, holding an auth code.

Only a hash of each auth code is kept, so the store itself holds no secret worth stealing.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum
from urllib.parse import quote

from sandbox.clock import ExpiryClock

URL_VALIDITY = timedelta(minutes=5)


@dataclass(frozen=True)
class EmbedGrant:
    """What a redeemed URL opens: whose session, where, for how long."""

    user_arn: str
    user_name: str
    namespace: str
    entry_point: str
    lifetime_minutes: int
    custom_permissions_name: str | None = None
    allowed_domains: tuple[str, ...] = ()
    experience: str = "QuickSightConsole"
    """The ExperienceConfiguration member the URL was minted for (GetSessionEmbedUrl: the
    console)."""
    session_tags: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    """An anonymous reader's SessionTags (key, value): shown on the session's page only (what
    the reader's row-level security sees); values are secrets, never in a repr or a log."""
    authorized_resources: tuple[str, ...] = ()
    """An anonymous session's AuthorizedResourceArns."""


EMBED_PATH_PREFIX = "/embed/"
# QuickSight serves the console and Q under /embedding/ and dashboards and visuals under
# /embed/; the embedding SDK accepts exactly that (amazon-quicksight-embedding-sdk 2.11.3,
# each experience's extractExperienceFromUrl: console ^https://[^/]+/embedding/[^/]+/(start...),
# QSearchBar and GenerativeQnA ^https://[^/]+/embedding/[^/]+/q/search(/|\?|$), dashboard
# ^https://[^/]+/embed/[^/]+/dashboards/([\w-]+)(\?|$), visual .../sheets/.../visuals/...).
# The https listener issues those paths; the plain-http one keeps /embed/<entry point> for all.
CONSOLE_PATH_PREFIX = "/embedding/"
PATH_PREFIXES = (EMBED_PATH_PREFIX, CONSOLE_PATH_PREFIX)
Q_SEARCH_PATH = "/q/search"
_ON_EMBEDDING = {"QuickSightConsole", "QSearchBar", "GenerativeQnA"}
_Q_EXPERIENCES = {"QSearchBar", "GenerativeQnA"}


def embed_path(grant: EmbedGrant, session_id: str, *, https: bool) -> str:
    """The path of `grant`'s URL: QuickSight's for each experience on the https listener (the
    SDK's), `/embed/<session><entry point>` on the plain one."""
    if not https:
        return EMBED_PATH_PREFIX + session_id + grant.entry_point
    if grant.experience in _Q_EXPERIENCES:
        return CONSOLE_PATH_PREFIX + session_id + Q_SEARCH_PATH
    prefix = CONSOLE_PATH_PREFIX if grant.experience in _ON_EMBEDDING else EMBED_PATH_PREFIX
    return prefix + session_id + grant.entry_point


class Redeemed(Enum):
    OK = "ok"
    REFUSED = "refused"  # unknown session, wrong code or wrong path: say nothing more
    USED = "used"
    EXPIRED = "expired"


@dataclass
class _Issued:
    grant: EmbedGrant
    code_digest: bytes
    issued_at: datetime
    path: str
    """The URL's path, percent-decoded (as WSGI hands it over): redeemed only there."""
    redeemed_at: datetime | None = None


class EmbedSessions:
    def __init__(self, clock: ExpiryClock) -> None:
        self._clock = clock
        self._issued: dict[str, _Issued] = {}
        self._lock = threading.Lock()

    def issue(self, grant: EmbedGrant, base_url: str) -> str:
        session_id = secrets.token_hex(16)
        code = secrets.token_urlsafe(32)
        path = embed_path(grant, session_id, https=base_url.startswith("https://"))
        with self._lock:
            self._issued[session_id] = _Issued(grant, _digest(code), self._clock.now(), path)
        query = "code=" + code + "&identityprovider=quicksight&isauthcode=true"
        return f"{base_url}{quote(path, safe='/')}?{query}"

    def redeem(self, path: str, code: str) -> tuple[Redeemed, EmbedGrant | None]:
        """Open the session of an embed URL once; ``path`` is percent-decoded (WSGI PATH_INFO).

        The grant is returned only with OK."""
        prefix = next((p for p in PATH_PREFIXES if path.startswith(p)), EMBED_PATH_PREFIX)
        session_id = path.removeprefix(prefix).partition("/")[0]
        with self._lock:
            issued = self._issued.get(session_id)
            if issued is None or not hmac.compare_digest(issued.code_digest, _digest(code)):
                return Redeemed.REFUSED, None
            if path != issued.path:
                return Redeemed.REFUSED, None
            if issued.redeemed_at is not None:
                return Redeemed.USED, None
            now = self._clock.now()
            if now - issued.issued_at > URL_VALIDITY:
                return Redeemed.EXPIRED, None
            issued.redeemed_at = now
            return Redeemed.OK, issued.grant


def _digest(code: str) -> bytes:
    return hashlib.sha256(code.encode()).digest()
