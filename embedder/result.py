"""What minting returns: a single-use embed URL and when it stops working."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

URL_VALIDITY = timedelta(minutes=5)
"""An embed URL must be redeemed within 5 minutes of issue (AWS API reference)."""


@dataclass(frozen=True, slots=True, repr=False)
class EmbedUrl:
    """A single-use embed URL for one user of one tenant.

    `url` carries an auth code that signs the user in: it is a secret, so `repr()` and `str()`
    never show it. Redeem it once, before `expires_at`; never cache or log it.
    """

    url: str
    expires_at: datetime
    """Issue time + 5 minutes, by the Embedder's clock (taken before the call: conservative)."""
    request_id: str
    status: int
    tenant: str
    user: str

    def __repr__(self) -> str:
        return (
            f"EmbedUrl(tenant={self.tenant!r}, user={self.user!r}, status={self.status}, "
            f"request_id={self.request_id!r}, expires_at={self.expires_at.isoformat()!r}, "
            "url=<redacted>)"
        )

    __str__ = __repr__

    def to_json(self) -> dict[str, Any]:
        """The fields as JSON values (this does contain the URL: for the page that embeds it)."""
        return {
            "url": self.url,
            "expires_at": self.expires_at.isoformat(),
            "request_id": self.request_id,
            "status": self.status,
            "tenant": self.tenant,
            "user": self.user,
        }
