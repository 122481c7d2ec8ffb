"""`embedder.audit`: one event per mint attempt, granted or refused, on the `embedder.audit`
logger and to the app's callback, and no secret in any event or log record.

Secrets planted: the embed URL and its auth code (the fake's answers), the role credentials
(access key id, secret key, session token), the app's own keys, the tenant's external id, and
an embed URL sent back as an entry point by a caller.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from embedder import Embedder, TenantRegistry
from embedder.audit import AUDIT_LOGGER, Attempt, AuditEvent, RecordedAttempt
from embedder.clients import ClientPool
from embedder.errors import (
    AccessDeniedError,
    EntryPointNotAllowedError,
    UnknownTenantError,
    UnknownUserError,
)
from tenant_file.config import TenantConfig
from tests.fakes import Failure, FakeAws, FakeClock
from tests.tenant_files import tenant_data, write_tenant

EXTERNAL_ID = "planted-external-id-8c1d"
STOLEN_URL = "https://us-east-1.quicksight.aws.amazon.com/embed/abc/sessions/x?code=STOLENCODE1"
SECRETS = (
    "AUTHCODE-",  # every embed URL the fake mints carries AUTHCODE-<request id>
    "/embed/",
    "STOLENCODE1",
    "role-secret-",
    "token-qs-embed",
    "ASIA0000",
    "app-secret-key",
    "AKIDAPPEXAMPLE",
    EXTERNAL_ID,
)


def config(**overrides: Any) -> TenantConfig:
    data = tenant_data("acme", **overrides)
    data.pop("account_id")  # the embedder asks STS who it is: the app principal is known
    data["embedding"]["external_id"] = EXTERNAL_ID
    return TenantConfig.model_validate(data)


@pytest.fixture
def logged(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Every record of every logger, at DEBUG (botocore's too)."""
    caplog.set_level(logging.DEBUG)
    return caplog


def audited(aws: FakeAws, clock: FakeClock, pool: ClientPool, events: list[AuditEvent]) -> Embedder:
    return Embedder(
        config(), session=aws.session(), clock=clock, client_pool=pool, audit=events.append
    )


def audit_records(logged: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    return [r.__dict__["audit"] for r in logged.records if r.name == AUDIT_LOGGER]


def assert_no_secret(events: list[AuditEvent], records: pytest.LogCaptureFixture) -> None:
    texts = [json.dumps(e.to_json()) for e in events]
    texts += [r.getMessage() + repr(r.__dict__) for r in records.records]
    for text in texts:
        for secret in SECRETS:
            assert secret not in text, (secret, text)


def test_a_granted_mint_is_one_event_with_who_what_and_how(
    aws: FakeAws, clock: FakeClock, pool: ClientPool, logged: pytest.LogCaptureFixture
) -> None:
    events: list[AuditEvent] = []
    emb = audited(aws, clock, pool, events)
    url = emb.session_embed_url("ann", entry_point="/start/dashboards", lifetime_minutes=60)
    [event] = events
    assert event.outcome == "granted"
    assert (event.tenant, event.user, event.identity) == ("acme", "ann", "quicksight")
    assert (event.api, event.experience) == ("GetSessionEmbedUrl", "console")
    assert (event.entry_point, event.session_lifetime_minutes) == ("/start/dashboards", 60)
    assert event.request_id == url.request_id
    assert event.app_principal == "arn:aws:iam::111122223333:role/app"
    assert (event.region, event.duration_ms >= 0) == ("us-east-1", True)
    # The same event on the logger, JSON-ready under one key.
    assert audit_records(logged) == [event.to_json()]
    json.dumps(audit_records(logged))
    assert url.url.startswith("https://")
    assert_no_secret(events, logged)


def test_refusals_before_aws_are_events_too(
    aws: FakeAws, clock: FakeClock, pool: ClientPool, logged: pytest.LogCaptureFixture
) -> None:
    events: list[AuditEvent] = []
    emb = audited(aws, clock, pool, events)
    with pytest.raises(UnknownUserError):
        emb.session_embed_url("mallory")
    with pytest.raises(EntryPointNotAllowedError):
        emb.generate_console_url("ann", initial_path=STOLEN_URL)
    assert [(e.api, e.user, e.outcome) for e in events] == [
        ("GetSessionEmbedUrl", "mallory", "UnknownUserError"),
        ("GenerateEmbedUrlForRegisteredUser", "ann", "EntryPointNotAllowedError"),
    ]
    assert aws.ops("GetSessionEmbedUrl") == []
    assert events[1].entry_point is not None
    assert_no_secret(events, logged)


def test_an_aws_refusal_carries_the_error_class_and_request_id(
    aws: FakeAws, clock: FakeClock, pool: ClientPool, logged: pytest.LogCaptureFixture
) -> None:
    events: list[AuditEvent] = []
    emb = audited(aws, clock, pool, events)
    aws.fail("GetSessionEmbedUrl", Failure("AccessDeniedException", 403, f"no: {STOLEN_URL}"))
    with pytest.raises(AccessDeniedError) as refused:
        emb.session_embed_url("ann")
    [event] = events
    assert event.outcome == "AccessDeniedError"
    assert event.request_id == refused.value.request_id
    assert event.request_id
    assert_no_secret(events, logged)


def test_a_callback_that_raises_does_not_break_the_mint(
    aws: FakeAws, clock: FakeClock, pool: ClientPool, logged: pytest.LogCaptureFixture
) -> None:
    def broken(event: AuditEvent) -> None:
        raise RuntimeError(f"sink down, last secret was {EXTERNAL_ID} {STOLEN_URL}")

    emb = Embedder(config(), session=aws.session(), clock=clock, client_pool=pool, audit=broken)
    assert emb.session_embed_url("ann").url.startswith("https://")
    warnings = [
        r for r in logged.records if r.name == AUDIT_LOGGER and r.levelno == logging.WARNING
    ]
    assert [r.getMessage() for r in warnings] == [
        "the audit callback raised RuntimeError for an event of tenant acme; the mint went on"
    ]
    assert_no_secret([], logged)


def test_nothing_is_built_when_nobody_listens(
    aws: FakeAws, clock: FakeClock, pool: ClientPool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No callback and the audit logger off: the warm path builds no event."""
    import embedder.audit

    built: list[object] = []

    def recording(**fields: Any) -> AuditEvent:
        built.append(fields)
        return AuditEvent(**fields)

    monkeypatch.setattr(embedder.audit, "AuditEvent", recording)
    audit_logger = logging.getLogger(AUDIT_LOGGER)
    emb = Embedder(config(), session=aws.session(), clock=clock, client_pool=pool)
    try:
        audit_logger.setLevel(logging.WARNING)
        emb.session_embed_url("ann")
        assert built == []
        # One step past: a listener, and the event is built.
        audit_logger.setLevel(logging.INFO)
        emb.session_embed_url("ann")
        assert len(built) == 1
    finally:
        audit_logger.setLevel(logging.NOTSET)


def test_the_registry_passes_the_callback_and_audits_unknown_tenants(
    aws: FakeAws,
    clock: FakeClock,
    pool: ClientPool,
    logged: pytest.LogCaptureFixture,
    tmp_path: Any,
) -> None:
    write_tenant(tmp_path, tenant_data("acme"))
    events: list[AuditEvent] = []
    registry = TenantRegistry.from_dir(
        tmp_path, session=aws.session(), clock=clock, client_pool=pool, audit=events.append
    )
    registry.session_embed_url("acme", "ann")
    with pytest.raises(UnknownTenantError):
        registry.generate_console_url(STOLEN_URL, "ann")
    assert [(e.tenant == "acme", e.outcome) for e in events] == [
        (True, "granted"),
        (False, "UnknownTenantError"),
    ]
    assert_no_secret(events, logged)


def test_the_log_record_is_the_one_logger_info_would_make(
    aws: FakeAws, clock: FakeClock, pool: ClientPool, logged: pytest.LogCaptureFixture
) -> None:
    """The event's record is made without `Logger.findCaller` (its cost is a mint's), yet as
    `audit_logger.info` makes it: the app's record factory, the logger's filters, the caller."""
    import embedder.audit

    made: list[logging.LogRecord] = []
    factory = logging.getLogRecordFactory()

    def app_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = factory(*args, **kwargs)
        made.append(record)
        return record

    audit_logger = logging.getLogger(AUDIT_LOGGER)
    dropped = logging.Filter("not.the.audit.logger")
    events: list[AuditEvent] = []
    emb = audited(aws, clock, pool, events)
    logging.setLogRecordFactory(app_factory)
    try:
        emb.session_embed_url("ann")
        audit_logger.addFilter(dropped)
        emb.session_embed_url("ann")
    finally:
        logging.setLogRecordFactory(factory)
        audit_logger.removeFilter(dropped)
    records = [r for r in logged.records if r.name == AUDIT_LOGGER]
    assert len(events) == 2
    assert len(records) == 1, "the logger's filter dropped the second record"
    [record] = records
    assert record in made
    assert (record.pathname, record.funcName) == (embedder.audit.__file__, "emit_event")
    assert record.getMessage() == "GetSessionEmbedUrl for tenant acme user ann: granted"
    started = datetime.fromisoformat(events[0].time)
    assert started.utcoffset() == timedelta(0)
    assert abs(started - datetime.now(UTC)) < timedelta(minutes=1)
    assert events[0].time == record.__dict__["audit"]["time"]


def test_an_attempt_no_one_listens_to_records_nothing_and_the_next_one_listened_to_does(
    aws: FakeAws, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    """With no callback and the audit logger below INFO (and no telemetry), a mint records
    nothing; turning the logger on is heard from the next mint, granted or refused."""
    emb = Embedder(config(), session=aws.session(), clock=clock, client_pool=ClientPool())
    caplog.set_level(logging.WARNING, logger=AUDIT_LOGGER)
    assert emb.session_embed_url("ann").status == 200
    with pytest.raises(EntryPointNotAllowedError):
        emb.session_embed_url("ann", entry_point="/start/../admin")
    assert audit_records(caplog) == []
    caplog.set_level(logging.INFO, logger=AUDIT_LOGGER)
    emb.session_embed_url("ann")
    with pytest.raises(EntryPointNotAllowedError):
        emb.session_embed_url("ann", entry_point="/start/../admin")
    outcomes = [r["outcome"] for r in audit_records(caplog)]
    assert outcomes == ["granted", "EntryPointNotAllowedError"]


@pytest.mark.parametrize("where", ["user", "entry_point"])
def test_an_access_key_id_sent_as_a_user_or_path_is_redacted_in_the_refusals_event(
    aws: FakeAws, clock: FakeClock, where: str
) -> None:
    events: list[AuditEvent] = []
    emb = audited(aws, clock, ClientPool(), events)
    key = "ASIAZZZZZZZZZZZZZZZZ"
    user, path = (key, None) if where == "user" else ("ann", f"/start/{key}")
    with pytest.raises((UnknownUserError, EntryPointNotAllowedError)):
        emb.session_embed_url(user, entry_point=path)
    (event,) = events
    assert key not in json.dumps(event.to_json())
    assert "<redacted>" in json.dumps(event.to_json())


@pytest.mark.parametrize("bad", [5, b"ann", None])
def test_a_user_of_another_type_is_refused_typed_and_its_event_names_the_type(
    aws: FakeAws, clock: FakeClock, bad: object
) -> None:
    events: list[AuditEvent] = []
    emb = audited(aws, clock, ClientPool(), events)
    with pytest.raises(UnknownUserError):
        emb.session_embed_url(bad)  # type: ignore[arg-type]
    (event,) = events
    assert event.outcome == "UnknownUserError"
    assert event.user == (None if bad is None else type(bad).__name__)


def test_an_attempt_is_recorded_only_when_someone_listens(
    aws: FakeAws, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger=AUDIT_LOGGER)
    quiet = Embedder(config(), session=aws.session(), clock=clock, telemetry=False)
    heard = audited(aws, clock, ClientPool(), [])
    ask = {"api": "GetSessionEmbedUrl", "experience": "console", "user": "ann"}
    assert type(quiet._auditor.attempt(**ask)) is Attempt
    assert type(heard._auditor.attempt(**ask)) is RecordedAttempt
    caplog.set_level(logging.INFO, logger=AUDIT_LOGGER)
    assert type(quiet._auditor.attempt(**ask)) is RecordedAttempt
