"""What goes wrong on the wire, end to end: throttling, 500s, a dead endpoint, credentials that
expire mid-run, and embed URLs used twice or too late.

No test waits: botocore's retry sleeps are recorded instead (`retry_sleeps`), the app's clock
is a wall-clock `FakeClock` moved forward, and the emulator's clock is advanced over its
control API.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from embedder import ClientPool, Embedder, EmbedderError
from embedder.errors import (
    AwsError,
    EndpointUnreachableError,
    InternalFailureError,
    ThrottlingError,
)
from local_engine.local_apply import apply_locally
from sandbox import Emulator
from tenant_file.config import TenantConfig
from tests.e2e.support import Apps, counting, redeem
from tests.fakes import FakeClock

pytestmark = pytest.mark.emulator

MINT_ATTEMPT = "before-send.quicksight.GetSessionEmbedUrl"
ASSUME_ATTEMPT = "before-send.sts.AssumeRole"
ASSUME_CALL = "before-call.sts.AssumeRole"
RETRY_BUDGET = 5  # the embedder's default: botocore standard mode, 5 attempts in all
ONE_PER_MODE = ["t-alpha", "t-gamma"]  # quicksight identity; iam identity with an ExternalId


# -- throttling and 500s --------------------------------------------------------------------


@pytest.mark.parametrize("tenant", ONE_PER_MODE)
@pytest.mark.parametrize("burst", [1, RETRY_BUDGET - 1])
def test_a_throttling_burst_within_the_retry_budget_is_ridden_out(
    tenant: str,
    burst: int,
    faults: Emulator,
    apps: Apps,
    tenants: dict[str, TenantConfig],
    retry_sleeps: list[float],
) -> None:
    config = tenants[tenant]
    session = apps.fresh_session(config.embedding.app_principals[0])
    faults.faults.inject("GetSessionEmbedUrl", kind="throttle", times=burst)

    with counting(session, MINT_ATTEMPT) as sent:
        url = apps.embedder(config, session=session).session_embed_url(config.users[0].name)

    assert url.status == 200
    assert sent[MINT_ATTEMPT] == burst + 1, "each throttled attempt was retried"
    assert faults.faults.active() == [], "the emulator answered every throttled attempt"
    assert len(retry_sleeps) == burst, "with a backoff before each retry"


def test_a_throttling_burst_on_assume_role_is_ridden_out(
    faults: Emulator, apps: Apps, tenants: dict[str, TenantConfig]
) -> None:
    config = tenants["t-delta"]
    session = apps.fresh_session(config.embedding.app_principals[0])
    faults.faults.inject("AssumeRole", kind="throttle", service="sts", times=2)

    with counting(session, ASSUME_ATTEMPT) as sent:
        url = apps.embedder(config, session=session).session_embed_url("dee")

    assert url.status == 200
    assert sent[ASSUME_ATTEMPT] == 3
    assert faults.faults.active() == []


@pytest.mark.parametrize(
    ("kind", "error_class", "status"),
    [("internal", InternalFailureError, 500), ("throttle", ThrottlingError, 429)],
    ids=["500s", "throttling"],
)
@pytest.mark.parametrize("tenant", ONE_PER_MODE)
def test_persistent_failures_end_in_the_typed_error_after_bounded_retries(
    tenant: str,
    kind: str,
    error_class: type[AwsError],
    status: int,
    faults: Emulator,
    apps: Apps,
    tenants: dict[str, TenantConfig],
    retry_sleeps: list[float],
) -> None:
    config = tenants[tenant]
    session = apps.fresh_session(config.embedding.app_principals[0])
    embedder = apps.embedder(config, session=session)
    faults.faults.inject("GetSessionEmbedUrl", kind=kind)  # until cleared

    with counting(session, MINT_ATTEMPT) as sent, pytest.raises(AwsError) as failed:
        embedder.session_embed_url(config.users[1].name)

    error = failed.value
    assert type(error) is error_class
    assert (error.http_status, error.attempts) == (status, RETRY_BUDGET)
    assert f"{RETRY_BUDGET} attempts" in str(error)
    assert error.request_id
    assert sent[MINT_ATTEMPT] == RETRY_BUDGET
    assert len(retry_sleeps) == RETRY_BUDGET - 1
    # Once the fault is gone, the same embedder (same credentials) mints again.
    faults.faults.clear()
    assert embedder.session_embed_url(config.users[1].name).status == 200


@pytest.mark.parametrize("kind", ["internal", "throttle"])
def test_persistent_sts_failures_are_retried_then_raised_typed(
    kind: str, faults: Emulator, apps: Apps, tenants: dict[str, TenantConfig]
) -> None:
    config = tenants["t-beta"]
    session = apps.fresh_session(config.embedding.app_principals[0])
    faults.faults.inject("AssumeRole", kind=kind, service="sts")

    with counting(session, ASSUME_ATTEMPT) as sent, pytest.raises(EmbedderError) as failed:
        apps.embedder(config, session=session).session_embed_url("bo")

    assert sent[ASSUME_ATTEMPT] == RETRY_BUDGET
    code = {"internal": "InternalFailure", "throttle": "Throttling"}[kind]
    assert getattr(failed.value, "code", None) == code, repr(failed.value)


@pytest.mark.parametrize("kind", ["internal", "throttle"])
def test_a_transient_sts_failure_is_not_blamed_on_the_trust_policy(
    kind: str, faults: Emulator, apps: Apps, tenants: dict[str, TenantConfig]
) -> None:
    config = tenants["t-beta"]
    embedder = apps.embedder(config, session=apps.fresh_session(config.embedding.app_principals[0]))
    faults.faults.inject("AssumeRole", kind=kind, service="sts")

    with pytest.raises(EmbedderError) as failed:
        embedder.session_embed_url("bo")

    assert "must be one of the tenant's embedding.app_principals" not in str(failed.value)
    expected = {"internal": InternalFailureError, "throttle": ThrottlingError}[kind]
    assert isinstance(failed.value, expected), repr(failed.value)
    assert failed.value.operation == "AssumeRole"
    assert failed.value.attempts == 5


# -- the endpoint goes away -----------------------------------------------------------------


def test_a_stopped_emulator_is_a_clear_endpoint_unreachable_error(
    tenants: dict[str, TenantConfig], retry_sleeps: list[float]
) -> None:
    config = tenants["t-alpha"]
    with Emulator() as second:
        apply_locally([config], second.admin_session())
        app = second.principal_session(config.embedding.app_principals[0])
        endpoint = second.endpoint_url

        def embedder() -> Embedder:
            return Embedder(config, session=app, endpoint_url=endpoint, client_pool=ClientPool())

        warm = embedder()  # has minted: holds the role's credentials
        assert warm.session_embed_url("ana").status == 200
        cold = embedder()  # has not: must assume the role first

    for fresh, service in ((warm, "QuickSight"), (cold, "STS")):
        with pytest.raises(EndpointUnreachableError) as down:
            fresh.session_embed_url("ana")
        error = down.value
        assert (error.service, error.endpoint, error.tenant) == (service, endpoint, "t-alpha")
        assert f"cannot reach {service} at {endpoint} for tenant 't-alpha'" in str(error)
    assert 0 < len(retry_sleeps) <= 2 * (RETRY_BUDGET - 1), "connection errors: bounded retries"


# -- credentials expire mid-run -------------------------------------------------------------


@pytest.mark.parametrize("tenant", ONE_PER_MODE)
def test_role_credentials_past_their_lifetime_are_refreshed(
    tenant: str, apps: Apps, tenants: dict[str, TenantConfig]
) -> None:
    config = tenants[tenant]
    user = config.users[0].name
    clock = FakeClock.from_wall_clock()
    session = apps.fresh_session(config.embedding.app_principals[0])
    # The emulator's STS dates credentials on real time; this puts them on the app's clock.
    session.events.register("after-call.sts.AssumeRole", clock.shift_sts_expiry)
    embedder = apps.embedder(config, session=session, clock=clock)

    with counting(session, ASSUME_CALL) as sts:
        assert embedder.session_embed_url(user).status == 200
        assert sts[ASSUME_CALL] == 1
        clock.advance(minutes=30)
        assert embedder.session_embed_url(user).status == 200
        assert sts[ASSUME_CALL] == 1, "credentials still valid for 30 minutes: reused"
        clock.advance(minutes=31)  # 61 minutes: the role's sessions last 60 (3600 s)
        url = embedder.session_embed_url(user)

    assert url.status == 200
    assert sts[ASSUME_CALL] == 2, "expired credentials were replaced by a second AssumeRole"
    assert url.expires_at > datetime.now(UTC) + timedelta(minutes=61), "the app's clock"


def test_concurrent_mints_after_expiry_share_one_refresh(
    apps: Apps, tenants: dict[str, TenantConfig]
) -> None:
    config = tenants["t-beta"]
    clock = FakeClock.from_wall_clock()
    session = apps.fresh_session(config.embedding.app_principals[0])
    session.events.register("after-call.sts.AssumeRole", clock.shift_sts_expiry)
    embedder = apps.embedder(config, session=session, clock=clock)
    users = [u.name for u in config.users] * 4

    with counting(session, ASSUME_CALL) as sts:
        embedder.session_embed_url("bo")
        clock.advance(hours=2)
        with ThreadPoolExecutor(max_workers=len(users)) as pool:
            statuses = list(pool.map(lambda u: embedder.session_embed_url(u).status, users))

    assert statuses == [200] * len(users)
    assert sts[ASSUME_CALL] == 2, "one refresh for all eight threads"


# -- embed URLs are single use and short-lived ----------------------------------------------


@pytest.mark.parametrize("tenant", ONE_PER_MODE)
def test_an_embed_url_opens_once(
    tenant: str, emulator: Emulator, apps: Apps, tenants: dict[str, TenantConfig]
) -> None:
    config = tenants[tenant]
    url = apps.embedder(config).session_embed_url(config.users[0].name).url

    first, page = redeem(url)
    again, refusal = redeem(url)

    assert first == 200
    assert f"/{config.namespace}/" in page
    assert again == 410
    assert "already used" in refusal


def test_an_embed_url_expires_after_five_minutes(
    emulator: Emulator, apps: Apps, tenants: dict[str, TenantConfig]
) -> None:
    embedder = apps.embedder(tenants["t-delta"])
    early, late = (embedder.session_embed_url("dan").url for _ in range(2))

    emulator.clock.advance(290)
    opened, _ = redeem(early)
    emulator.clock.advance(11)  # 301 s after issue
    expired, page = redeem(late)

    assert opened == 200
    assert expired == 410
    assert "expired" in page
