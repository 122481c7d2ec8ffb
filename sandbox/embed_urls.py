"""Embed URLs as AWS issues them: unique, single use, valid five minutes, holding an auth code.

Only a hash of each auth code is kept, so the store itself holds no secret worth stealing.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from urllib.parse import quote

from sandbox.clock import ExpiryClock

URL_VALIDITY = timedelta(minutes=5)
EMBED_PATH_PREFIX = "/embed/"


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
    redeemed_at: datetime | None = None


class EmbedSessions:
    def __init__(self, clock: ExpiryClock) -> None:
        self._clock = clock
        self._issued: dict[str, _Issued] = {}
        self._lock = threading.Lock()

    def issue(self, grant: EmbedGrant, base_url: str) -> str:
        session_id = secrets.token_hex(16)
        code = secrets.token_urlsafe(32)
        with self._lock:
            self._issued[session_id] = _Issued(grant, _digest(code), self._clock.now())
        path = EMBED_PATH_PREFIX + session_id + quote(grant.entry_point, safe="/")
        return f"{base_url}{path}?code={code}&identityprovider=quicksight&isauthcode=true"

    def redeem(self, path: str, code: str) -> tuple[Redeemed, EmbedGrant | None]:
        """Open the session of an embed URL once; ``path`` is percent-decoded (WSGI PATH_INFO).

        The grant is returned only with OK."""
        session_id, _, entry = path.removeprefix(EMBED_PATH_PREFIX).partition("/")
        with self._lock:
            issued = self._issued.get(session_id)
            if issued is None or not hmac.compare_digest(issued.code_digest, _digest(code)):
                return Redeemed.REFUSED, None
            if "/" + entry != issued.grant.entry_point:
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
