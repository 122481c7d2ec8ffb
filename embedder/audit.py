"""Audit events: one per mint attempt, granted or refused, with no secret in it.

Every mint goes through one wrapper, `MintAuditor.attempt`, from the first check of the request
to the last AWS answer:

    with self._auditor.attempt(api="GenerateEmbedUrlForRegisteredUser", experience="dashboard",
                               user=user) as attempt:
        ...checks...; attempt.entry_point = dashboard_id; attempt.lifetime_minutes = minutes
        return self._mint(attempt, ...)  # which sets attempt.request_id from AWS's answer

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
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, NamedTuple

from embedder.redaction import AUDIT_LOGGER as AUDIT_LOGGER
from embedder.redaction import redact

if TYPE_CHECKING:
    from embedder.telemetry import MintSpan, Telemetry

audit_logger = logging.getLogger(AUDIT_LOGGER)
GRANTED = "granted"
SHOWN_MAX = 256
"""The longest request value an event keeps (a refused request may carry anything)."""

AuditCallback = Callable[["AuditEvent"], None]


class AuditEvent(NamedTuple):
    """Who minted what for whom, with which outcome. JSON-ready through `to_json()`.

    A named tuple: immutable, and made in a microsecond (a frozen dataclass takes several)."""

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
        return self._asdict()


class Attempt:
    """One mint attempt, as a context manager: the mint fills in what it learns as it goes.

    This base records nothing: it is the attempt of a mint no one listens to (no callback, the
    `embedder.audit` logger below INFO, no telemetry to record), which so costs the warm path
    an object and nothing else. Its fields are written by the mint, never read."""

    __slots__ = ("entry_point", "lifetime_minutes", "request_id")

    entry_point: str | None
    """The console path, dashboard id or topic: as asked, then as checked."""
    lifetime_minutes: int | None
    request_id: str | None

    def __enter__(self) -> Attempt:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        return None


class RecordedAttempt(Attempt):
    """An attempt someone listens to: it emits its event (and ends its span) on exit."""

    __slots__ = ("_api", "_auditor", "_experience", "_identity", "_span", "_started", "user")

    def __init__(
        self,
        auditor: MintAuditor,
        api: str,
        experience: str,
        user: str | None,
        identity: str,
        span: MintSpan | None,
    ) -> None:
        self._auditor = auditor
        self._api = api
        self._experience = experience
        self._identity = identity
        self.user = user
        self.entry_point = None
        self.lifetime_minutes = None
        self.request_id = None
        self._span = span

    def __enter__(self) -> RecordedAttempt:
        self._started = time.perf_counter()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        seconds = time.perf_counter() - self._started
        outcome = GRANTED
        if kind is not None:
            outcome = kind.__name__
            request_id = getattr(error, "request_id", None)
            self.request_id = request_id if isinstance(request_id, str) else None
        auditor = self._auditor
        if self._span is not None and auditor._telemetry is not None:
            auditor._telemetry.end(
                self._span, self._api, auditor._tenant, outcome, self.request_id, seconds
            )
        if auditor._callback is not None or audit_logger.isEnabledFor(logging.INFO):
            emit_event(self._event(outcome, seconds), auditor._callback)

    def _event(self, outcome: str, seconds: float) -> AuditEvent:
        auditor = self._auditor
        return AuditEvent(
            time=_iso_time(time.time() - seconds),
            tenant=auditor._tenant,
            user=_shown(self.user),
            identity=self._identity,
            api=self._api,
            experience=self._experience,
            entry_point=_shown(self.entry_point),
            session_lifetime_minutes=self.lifetime_minutes,
            outcome=outcome,
            request_id=_shown(self.request_id),
            app_principal=auditor._principal,
            region=auditor._region,
            duration_ms=round(seconds * 1000, 3),
        )


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

    def attempt(
        self, *, api: str, experience: str, user: str | None, identity: str | None = None
    ) -> Attempt:
        """`with auditor.attempt(...) as attempt:` around one mint, its checks included: its
        span starts here, and with no one listening it records nothing (`Attempt`)."""
        telemetry = self._telemetry
        span = None if telemetry is None else telemetry.start()
        if span is None and self._callback is None and not audit_logger.isEnabledFor(logging.INFO):
            return Attempt()
        return RecordedAttempt(self, api, experience, user, identity or self._identity, span)


def emit_event(event: AuditEvent, callback: AuditCallback | None) -> None:
    """`event` to the `embedder.audit` logger and to `callback` (which may not break a mint)."""
    if audit_logger.isEnabledFor(logging.INFO):
        # What `audit_logger.info(...)` does, less its walk up the stack for the caller, which
        # is always this line: `Logger.findCaller` costs a mint more than the record itself.
        # The record is the app's own kind (`makeRecord`, the record factory), its handlers
        # and filters the logger's (`handle`).
        here = sys._getframe()
        record = audit_logger.makeRecord(
            audit_logger.name,
            logging.INFO,
            here.f_code.co_filename,
            here.f_lineno,
            "%s for tenant %s user %s: %s",
            (event.api, event.tenant, event.user, event.outcome),
            None,
            here.f_code.co_name,
            {"audit": event.to_json()},
        )
        audit_logger.handle(record)
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


class _Second(NamedTuple):
    second: int
    text: str


_last_second = _Second(-1, "")


def _iso_time(timestamp: float) -> str:
    """`timestamp` in ISO 8601, UTC, to the microsecond (`2030-01-01T00:00:00.000000+00:00`).

    The date and time of the second are formatted once per second (`datetime.isoformat` costs
    more than the rest of an event); a thread that reads the previous second's pair formats
    its own."""
    global _last_second
    second = int(timestamp)
    micros = int((timestamp - second) * 1_000_000)
    last = _last_second
    if last.second != second:
        text = datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S")
        last = _last_second = _Second(second, text)
    return f"{last.text}.{micros:06d}+00:00"


def _shown(value: str | None) -> str | None:
    """A request value as an event holds it: redacted and cut to SHOWN_MAX characters; a value
    of another type (a caller's bad input) by its type's name."""
    if value is None:
        return None
    if not isinstance(value, str):
        return type(value).__name__
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
            time=_iso_time(time.time()),
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
