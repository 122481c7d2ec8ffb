"""Audit events: one per mint attempt, granted or refused, with no secret in it.

Every mint goes through one wrapper, `MintAuditor.attempt`, from the first check of the request
to the last AWS answer:

    with self._auditor.attempt(api="GenerateEmbedUrlForRegisteredUser", experience="dashboard",
                               user=user) as attempt:
        ...checks...; attempt.entry_point = dashboard_id; attempt.lifetime_minutes = minutes
        result = self._mint(...)
        attempt.granted(result)
        return result

A new mint API (dashboards, visuals, Q, anonymous sessions) calls it the same way and so gets
its audit event, its span and its metrics (`embedder.telemetry`) with nothing else to write. An
exception leaving the block is the outcome (its class name: `EntryPointNotAllowedError`,
`AccessDeniedError`, ...), with AWS's request id when the error carries one.

The event goes to the `embedder.audit` logger at INFO, its fields under one key of the record
(`record.audit`, a dict of JSON values, for a JSON formatter), and to the app's callback
(`audit=` on `Embedder` or `TenantRegistry`). A callback that raises is logged (its exception's
class, never its text) and the mint goes on.

What an event never holds: the embed URL, the auth code in it, credentials, the external id,
session tags' values. What it holds is the request as the app named it (tenant, user, entry
point or dashboard id), passed through `redact` and cut to a bounded length, since on a
refusal it is whatever the caller sent.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from embedder.redaction import redact

if TYPE_CHECKING:
    from embedder.result import EmbedUrl
    from embedder.telemetry import Telemetry

AUDIT_LOGGER = "embedder.audit"
audit_logger = logging.getLogger(AUDIT_LOGGER)
GRANTED = "granted"
SHOWN_MAX = 256
"""The longest request value an event keeps (a refused request may carry anything)."""

AuditCallback = Callable[["AuditEvent"], None]


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """Who minted what for whom, with which outcome. JSON-ready through `to_json()`."""

    time: str
    """When the attempt started (ISO 8601, UTC)."""
    tenant: str
    user: str | None
    """The tenant file's user name (None for anonymous sessions)."""
    identity: str
    """quicksight, iam or anonymous."""
    api: str
    """The QuickSight API: GetSessionEmbedUrl, GenerateEmbedUrlForRegisteredUser, ..."""
    experience: str
    """console, dashboard, visual, q, ..."""
    entry_point: str | None
    """The console path, dashboard id or topic asked for."""
    session_lifetime_minutes: int | None
    outcome: str
    """`granted`, or the class name of the error raised (`embedder.errors`)."""
    request_id: str | None
    app_principal: str | None
    """The ARN of the credentials the embedder assumed the embed role with, when known (the
    embedder asked STS who it is: tenant files without `account_id`); else None."""
    region: str
    duration_ms: float

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class Attempt:
    """What one mint attempt fills in as it goes."""

    user: str | None
    entry_point: str | None = None
    lifetime_minutes: int | None = None
    request_id: str | None = None

    def granted(self, result: EmbedUrl) -> None:
        self.request_id = result.request_id or None


class MintAuditor:
    """The audit (and, with opentelemetry-api installed, the telemetry) of one tenant's mints."""

    __slots__ = ("_callback", "_identity", "_principal", "_region", "_telemetry", "_tenant")

    def __init__(
        self,
        *,
        tenant: str,
        identity: str,
        region: str,
        callback: AuditCallback | None = None,
        telemetry: Telemetry | None = None,
    ) -> None:
        self._tenant = tenant
        self._identity = identity
        self._region = region
        self._callback = callback
        self._telemetry = telemetry
        self._principal: str | None = None

    def know_app_principal(self, arn: str | None) -> None:
        self._principal = arn

    @contextmanager
    def attempt(
        self, *, api: str, experience: str, user: str | None, identity: str | None = None
    ) -> Iterator[Attempt]:
        started_at = time.time()
        started = time.perf_counter()
        attempt = Attempt(user=user)
        span = None if self._telemetry is None else self._telemetry.start(api, self._tenant)
        outcome = GRANTED
        try:
            yield attempt
        except BaseException as e:
            outcome = type(e).__name__
            request_id = getattr(e, "request_id", None)
            attempt.request_id = request_id if isinstance(request_id, str) else None
            raise
        finally:
            seconds = time.perf_counter() - started
            if span is not None and self._telemetry is not None:
                self._telemetry.end(span, api, self._tenant, outcome, attempt.request_id, seconds)
            if self._callback is not None or audit_logger.isEnabledFor(logging.INFO):
                self._emit(
                    AuditEvent(
                        time=datetime.fromtimestamp(started_at, UTC).isoformat(),
                        tenant=self._tenant,
                        user=_shown(attempt.user),
                        identity=identity or self._identity,
                        api=api,
                        experience=experience,
                        entry_point=_shown(attempt.entry_point),
                        session_lifetime_minutes=attempt.lifetime_minutes,
                        outcome=outcome,
                        request_id=_shown(attempt.request_id),
                        app_principal=self._principal,
                        region=self._region,
                        duration_ms=round(seconds * 1000, 3),
                    )
                )

    def _emit(self, event: AuditEvent) -> None:
        emit_event(event, self._callback)


def emit_event(event: AuditEvent, callback: AuditCallback | None) -> None:
    """`event` to the `embedder.audit` logger and to `callback` (which may not break a mint)."""
    if audit_logger.isEnabledFor(logging.INFO):
        audit_logger.info(
            "%s for tenant %s user %s: %s",
            event.api,
            event.tenant,
            event.user,
            event.outcome,
            extra={"audit": event.to_json()},
        )
    if callback is None:
        return
    try:
        callback(event)
    except Exception as e:
        # Only the class: the callback's message is the app's and may quote anything.
        audit_logger.warning(
            "the audit callback raised %s for an event of tenant %s; the mint went on",
            type(e).__name__,
            event.tenant,
        )


def _shown(value: str | None) -> str | None:
    if value is None:
        return None
    text = redact(value)
    return text if len(text) <= SHOWN_MAX else text[:SHOWN_MAX] + "..."


def refuse_unknown_tenant(
    tenant: str, user: str | None, *, api: str, experience: str, callback: AuditCallback | None
) -> None:
    """The audit event of a mint for a tenant with no valid file (`TenantRegistry`): no span
    and no metric, whose labels would be whatever names callers send."""
    if callback is None and not audit_logger.isEnabledFor(logging.INFO):
        return
    emit_event(
        AuditEvent(
            time=datetime.now(UTC).isoformat(),
            tenant=_shown(tenant) or "",
            user=_shown(user),
            identity="unknown",
            api=api,
            experience=experience,
            entry_point=None,
            session_lifetime_minutes=None,
            outcome="UnknownTenantError",
            request_id=None,
            app_principal=None,
            region="",
            duration_ms=0.0,
        ),
        callback,
    )
