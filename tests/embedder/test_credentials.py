"""The embed role's credentials: assumed on first use, refreshed before expiry (fake time),
one AssumeRole per credential lifetime per role session under concurrency, and typed errors
when STS refuses or cannot be reached. Requests go through the real botocore client path."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from itertools import cycle

import botocore.session
import pytest
from botocore.credentials import CredentialResolver
from botocore.exceptions import (
    ClientError,
    EndpointConnectionError,
    ProfileNotFound,
    UnknownSignatureVersionError,
)

from embedder import (
    AssumeRoleError,
    AwsConfigurationError,
    AwsSdkError,
    ClientPool,
    Embedder,
    EndpointUnreachableError,
    ExpiredCredentialsError,
    MissingCredentialsError,
)
from tests.fakes import ACCOUNT, Failure, FakeAws, FakeClock, signing_tokens, tenant

# A burst's threads start their first call together (a barrier): that is where they race for
# the role's credentials; the calls after it find them cached and add time, not proof.
THREADS, CALLS = 8, 25


def test_role_is_assumed_on_first_use_with_the_external_id(
    aws: FakeAws, clock: FakeClock, pool: ClientPool
) -> None:
    emb = Embedder(tenant("iam"), session=aws.session(), clock=clock, client_pool=pool)
    assert aws.calls == [], "nothing is fetched before the first URL"
    emb.session_embed_url("dana")
    (assume,) = aws.ops("AssumeRole")
    assert assume.params["RoleArn"] == f"arn:aws:iam::{ACCOUNT}:role/qs-embed-globex"
    assert assume.params["RoleSessionName"] == "dana"
    assert assume.params["ExternalId"] == "globex-embed-7f3c9a"
    assert assume.region == "eu-west-1"
    assert assume.token is None, "AssumeRole is signed by the app's own credentials"
    assert signing_tokens(aws) == ["token-dana-1"], "QuickSight is called as the role session"
    assert aws.ops("GetSessionEmbedUrl")[0].region == "eu-west-1", "the identity region"


def test_no_external_id_is_sent_when_the_file_has_none(
    aws: FakeAws, clock: FakeClock, pool: ClientPool
) -> None:
    Embedder(tenant(), session=aws.session(), clock=clock, client_pool=pool).session_embed_url(
        "bob"
    )
    assert "ExternalId" not in aws.ops("AssumeRole")[0].params


def test_credentials_are_refreshed_before_expiry(
    aws: FakeAws, clock: FakeClock, pool: ClientPool
) -> None:
    emb = Embedder(tenant(), session=aws.session(), clock=clock, client_pool=pool)
    emb.session_embed_url("alice")
    clock.advance(minutes=44)  # 16 minutes left: still fresh
    emb.session_embed_url("alice")
    assert aws.assume_role_count["qs-embed"] == 1
    clock.advance(minutes=2)  # 14 minutes left: inside botocore's 15-minute refresh window
    emb.session_embed_url("alice")
    emb.session_embed_url("bob")
    assert aws.assume_role_count["qs-embed"] == 2
    assert signing_tokens(aws) == [
        "token-qs-embed-1",
        "token-qs-embed-1",
        "token-qs-embed-2",
        "token-qs-embed-2",
    ]


def test_a_failed_early_refresh_keeps_the_valid_credentials(
    aws: FakeAws, clock: FakeClock, pool: ClientPool, caplog: pytest.LogCaptureFixture
) -> None:
    emb = Embedder(tenant(), session=aws.session(), clock=clock, client_pool=pool)
    emb.session_embed_url("alice")
    clock.advance(minutes=46)
    aws.fail("AssumeRole", Failure("AccessDenied", 403))
    with caplog.at_level(logging.WARNING, logger="botocore.credentials"):
        emb.session_embed_url("alice")
    assert "advisory refresh" in caplog.text
    assert signing_tokens(aws)[-1] == "token-qs-embed-1"
    clock.advance(minutes=5)  # 9 minutes left: a refresh is now mandatory and may not fail
    aws.fail("AssumeRole", Failure("AccessDenied", 403))
    with pytest.raises(AssumeRoleError):
        emb.session_embed_url("alice")
    emb.session_embed_url("alice")
    assert signing_tokens(aws)[-1] == "token-qs-embed-2"


def burst(emb: Embedder, users: list[str], calls: int = CALLS) -> None:
    """THREADS threads, released together, `calls` URLs each, users taken in turn."""

    start = threading.Barrier(THREADS)

    def work(offset: int) -> None:
        names = cycle(users[offset % len(users) :] + users[: offset % len(users)])
        start.wait(timeout=60)
        for _ in range(calls):
            emb.session_embed_url(next(names))

    with ThreadPoolExecutor(THREADS) as pool:
        for future in [pool.submit(work, i) for i in range(THREADS)]:
            future.result()


def test_one_assume_role_per_lifetime_under_concurrency(
    aws: FakeAws, clock: FakeClock, pool: ClientPool
) -> None:
    emb = Embedder(tenant(), session=aws.session(), clock=clock, client_pool=pool)
    burst(emb, ["alice", "bob"])
    assert dict(aws.assume_role_count) == {"qs-embed": 1}
    clock.advance(minutes=46)  # early-refresh window: one thread refreshes, the others go on
    burst(emb, ["alice", "bob"])
    assert dict(aws.assume_role_count) == {"qs-embed": 2}
    clock.advance(minutes=55)  # 6 minutes left of the second: everyone waits for one refresh
    burst(emb, ["alice", "bob"])
    assert dict(aws.assume_role_count) == {"qs-embed": 3}
    assert len(aws.ops("GetSessionEmbedUrl")) == 3 * THREADS * CALLS


def test_one_assume_role_per_user_session_under_concurrency(
    aws: FakeAws, clock: FakeClock, pool: ClientPool
) -> None:
    users = ["dana", "eli", "fatima", "gus"]
    emb = Embedder(tenant("iam"), session=aws.session(), clock=clock, client_pool=pool)
    burst(emb, users)
    assert dict(aws.assume_role_count) == dict.fromkeys(users, 1)
    clock.advance(minutes=52)
    burst(emb, users)
    assert dict(aws.assume_role_count) == dict.fromkeys(users, 2)
    for call in aws.ops("GetSessionEmbedUrl"):
        assert "UserArn" not in call.params


def test_more_active_users_than_pooled_clients_assume_once_per_lifetime(
    aws: FakeAws, clock: FakeClock
) -> None:
    """The thrash case: every call misses a pool smaller than the active users, yet each role
    session is assumed once per credential lifetime, under concurrency too."""
    users = ["dana", "eli", "fatima", "gus"]
    emb = Embedder(tenant("iam"), session=aws.session(), clock=clock, client_pool=ClientPool(1))
    burst(emb, users, calls=8)  # a miss makes a client (~35 ms): few calls show the point
    assert dict(aws.assume_role_count) == dict.fromkeys(users, 1)
    clock.advance(minutes=52)  # inside the mandatory refresh window
    burst(emb, users, calls=8)
    assert dict(aws.assume_role_count) == dict.fromkeys(users, 2)


def test_tenants_share_a_pool_without_sharing_sessions(
    aws: FakeAws, clock: FakeClock, pool: ClientPool
) -> None:
    acme = Embedder(tenant(), session=aws.session(), clock=clock, client_pool=pool)
    globex = Embedder(tenant("iam"), session=aws.session(), clock=clock, client_pool=pool)
    acme.session_embed_url("alice")
    globex.session_embed_url("dana")
    acme.session_embed_url("bob")
    roles = [c.params["RoleArn"].rsplit("/", 1)[1] for c in aws.ops("AssumeRole")]
    assert roles == ["qs-embed-acme", "qs-embed-globex"]


# --- STS failures ------------------------------------------------------------------------------


def test_assume_role_refused_names_the_role_and_tenant(
    aws: FakeAws, clock: FakeClock, pool: ClientPool
) -> None:
    aws.fail("AssumeRole", Failure("AccessDenied", 403, "not authorized to perform sts:AssumeRole"))
    emb = Embedder(tenant("iam"), session=aws.session(), clock=clock, client_pool=pool)
    with pytest.raises(AssumeRoleError) as caught:
        emb.session_embed_url("dana")
    error = caught.value
    assert isinstance(error.__cause__, ClientError)
    assert (error.code, error.http_status, error.tenant) == ("AccessDenied", 403, "globex")
    assert error.request_id is not None
    assert f"arn:aws:iam::{ACCOUNT}:role/qs-embed-globex" in str(error)
    assert "app_principals" in str(error)
    assert "globex-embed-7f3c9a" not in str(error), "the external id is a secret"
    assert aws.ops("GetSessionEmbedUrl") == [], "nothing is sent unsigned"
    emb.session_embed_url("dana")  # a refused attempt is not cached


def test_expired_app_credentials(aws: FakeAws, clock: FakeClock, pool: ClientPool) -> None:
    aws.fail("AssumeRole", Failure("ExpiredToken", 400, "The security token included is expired"))
    emb = Embedder(tenant(), session=aws.session(), clock=clock, client_pool=pool)
    expired = r"qs-embed-acme for tenant 'acme' have expired"
    with pytest.raises(ExpiredCredentialsError, match=expired):
        emb.session_embed_url("alice")


def test_no_app_credentials(aws: FakeAws, clock: FakeClock, pool: ClientPool) -> None:
    bare = botocore.session.Session()
    bare.register_component("credential_provider", CredentialResolver([]))
    bare.get_component("event_emitter").register("before-send", aws.handle)
    emb = Embedder(tenant(), session=bare, clock=clock, client_pool=pool)
    with pytest.raises(MissingCredentialsError, match=r"no AWS credentials to assume .*'acme'"):
        emb.session_embed_url("alice")


def test_no_app_credentials_for_the_account_lookup(
    aws: FakeAws, clock: FakeClock, pool: ClientPool
) -> None:
    bare = botocore.session.Session()
    bare.register_component("credential_provider", CredentialResolver([]))
    emb = Embedder(tenant(account_id=None), session=bare, clock=clock, client_pool=pool)
    with pytest.raises(MissingCredentialsError, match=r"qs-embed-acme \(in the caller's account"):
        emb.session_embed_url("alice")


def test_account_lookup_happens_once(aws: FakeAws, clock: FakeClock, pool: ClientPool) -> None:
    emb = Embedder(
        tenant("iam", account_id=None), session=aws.session(), clock=clock, client_pool=pool
    )
    burst(emb, ["dana", "eli"])
    assert len(aws.ops("GetCallerIdentity")) == 1
    assert emb.role_arn() == f"arn:aws:iam::{ACCOUNT}:role/qs-embed-globex"


@pytest.mark.usefixtures("retry_sleeps")
def test_sts_unreachable(aws: FakeAws, clock: FakeClock, pool: ClientPool) -> None:
    down = EndpointConnectionError(endpoint_url="https://sts.us-east-1.amazonaws.com/")
    aws.fail("AssumeRole", *[down] * 5)
    emb = Embedder(tenant(), session=aws.session(), clock=clock, client_pool=pool)
    with pytest.raises(EndpointUnreachableError, match=r"cannot reach STS .* 'acme'"):
        emb.session_embed_url("alice")
    assert len(aws.ops("AssumeRole")) == 5, "retried like any transient failure"


@pytest.mark.usefixtures("retry_sleeps")
def test_quicksight_unreachable(aws: FakeAws, clock: FakeClock, pool: ClientPool) -> None:
    down = EndpointConnectionError(endpoint_url="https://quicksight.us-east-1.amazonaws.com/")
    aws.fail("GetSessionEmbedUrl", *[down] * 5)
    emb = Embedder(tenant(), session=aws.session(), clock=clock, client_pool=pool)
    with pytest.raises(EndpointUnreachableError, match="cannot reach QuickSight"):
        emb.session_embed_url("alice")


# --- The app's AWS setup: profile, endpoint, SDK failures (typed, never a traceback) ----------


@pytest.mark.parametrize(
    ("identity", "account_id", "service"),
    [
        ("quicksight", ACCOUNT, "QuickSight"),  # the QuickSight client is made first
        ("iam", ACCOUNT, "QuickSight"),
        ("quicksight", None, "STS"),  # the account is asked of STS first
    ],
)
def test_a_missing_aws_profile_is_a_typed_error_naming_it(
    identity: str,
    account_id: str | None,
    service: str,
    clock: FakeClock,
    pool: ClientPool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_PROFILE", "nope")
    config = tenant(identity, account_id=account_id)
    emb = Embedder(config, session=botocore.session.Session(), clock=clock, client_pool=pool)
    user = config.users[0].name
    with pytest.raises(AwsConfigurationError) as caught:
        emb.session_embed_url(user)
    assert isinstance(caught.value.__cause__, ProfileNotFound)
    assert caught.value.service == service
    assert str(caught.value).startswith(f"cannot call {service} for tenant {config.tenant!r}: ")
    assert "the AWS profile 'nope' does not exist" in str(caught.value)


@pytest.mark.parametrize(("account_id", "service"), [(ACCOUNT, "QuickSight"), (None, "STS")])
def test_an_endpoint_that_is_not_a_url_is_a_typed_error_naming_it(
    account_id: str | None,
    service: str,
    aws: FakeAws,
    clock: FakeClock,
    pool: ClientPool,
) -> None:
    emb = Embedder(
        tenant(account_id=account_id),
        session=aws.session(),
        clock=clock,
        client_pool=pool,
        endpoint_url="notaurl",
    )
    with pytest.raises(AwsConfigurationError) as caught:
        emb.session_embed_url("alice")
    assert isinstance(caught.value.__cause__, ValueError)
    assert str(caught.value).startswith(f"cannot call {service} for tenant 'acme': ")
    assert "the endpoint URL 'notaurl' is not valid" in str(caught.value)
    assert aws.calls == []


@pytest.mark.parametrize("operation", ["AssumeRole", "GetSessionEmbedUrl", "GetCallerIdentity"])
def test_other_sdk_failures_are_typed_too(
    operation: str, aws: FakeAws, clock: FakeClock, pool: ClientPool
) -> None:
    aws.fail(operation, UnknownSignatureVersionError(signature_version="v9"))
    emb = Embedder(tenant(account_id=None), session=aws.session(), clock=clock, client_pool=pool)
    with pytest.raises(AwsSdkError) as caught:
        emb.session_embed_url("alice")
    assert isinstance(caught.value.__cause__, UnknownSignatureVersionError)
    service = "QuickSight" if operation == "GetSessionEmbedUrl" else "STS"
    assert str(caught.value).startswith(
        f"cannot call {service} for tenant 'acme': UnknownSignatureVersionError: "
    )
    emb.session_embed_url("alice")  # nothing broken is cached
