"""What the Embedder sends and what it makes of AWS's answers (botocore Stubber).

Both identity modes: quicksight (one tenant role session, UserArn sent) and iam (one role
session per user, UserArn omitted), every error of GetSessionEmbedUrl, and the checks that
refuse a request before anything reaches AWS.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError
from botocore.stub import ANY

from embedder import (
    AwsError,
    BadInputError,
    DomainNotAllowedError,
    EmbedUrl,
    EntryPointNotAllowedError,
    SessionLifetimeNotAllowedError,
    UnknownUserError,
)
from embedder.errors import AWS_ERROR_CLASSES
from tests.embedder.stubbed import URL, StubbedClients, embed_response, make
from tests.fakes import ACCOUNT, FakeClock

# --- quicksight identity -----------------------------------------------------------------------


def test_quicksight_identity_sends_user_arn_from_one_tenant_session(
    stubs: StubbedClients, clock: FakeClock
) -> None:
    stub = stubs.stub("qs-embed", "us-east-1")
    for user in ("alice", "bob"):
        stub.add_response(
            "get_session_embed_url",
            embed_response(f"req-{user}"),
            {
                "AwsAccountId": ACCOUNT,
                "EntryPoint": "/dashboards/abc-123",
                "SessionLifetimeInMinutes": 60,
                "UserArn": f"arn:aws:quicksight:us-east-1:{ACCOUNT}:user/acme/{user}",
            },
        )
    emb = make("quicksight", stubs, clock)
    for user in ("alice", "bob"):
        result = emb.session_embed_url(user, entry_point="/dashboards/abc-123", lifetime_minutes=60)
        assert result == EmbedUrl(
            url=URL,
            expires_at=clock() + timedelta(minutes=5),
            request_id=f"req-{user}",
            status=200,
            tenant="acme",
            user=user,
        )
    stubs.assert_done()
    assert [(s.role_arn, s.session_name, s.region) for s in stubs.sessions] == [
        (f"arn:aws:iam::{ACCOUNT}:role/qs-embed-acme", "qs-embed", "us-east-1")
    ], "one role session serves every user of the tenant"


def test_defaults_come_from_the_tenant_file(stubs: StubbedClients, clock: FakeClock) -> None:
    stubs.stub("qs-embed", "us-east-1").add_response(
        "get_session_embed_url",
        embed_response(),
        {
            "AwsAccountId": ACCOUNT,
            "EntryPoint": "/start/dashboards",
            "SessionLifetimeInMinutes": 600,
            "UserArn": ANY,
        },
    )
    make("quicksight", stubs, clock).session_embed_url("alice")
    stubs.assert_done()


# --- iam identity ------------------------------------------------------------------------------


def test_iam_identity_omits_user_arn_and_uses_a_session_per_user(
    stubs: StubbedClients, clock: FakeClock
) -> None:
    for user in ("dana", "eli"):
        stubs.stub(user, "eu-west-1").add_response(
            "get_session_embed_url",
            embed_response(f"req-{user}"),
            {"AwsAccountId": ACCOUNT, "EntryPoint": "/start", "SessionLifetimeInMinutes": 120},
        )
    emb = make("iam", stubs, clock)
    assert emb.session_embed_url("dana").request_id == "req-dana"
    assert emb.session_embed_url("eli").request_id == "req-eli"
    stubs.assert_done()
    assert [(s.session_name, s.region) for s in stubs.sessions] == [
        ("dana", "eu-west-1"),
        ("eli", "eu-west-1"),
    ]
    assert {s.role_arn for s in stubs.sessions} == {f"arn:aws:iam::{ACCOUNT}:role/qs-embed-globex"}


def test_generate_console_url_quicksight_identity(stubs: StubbedClients, clock: FakeClock) -> None:
    stubs.stub("qs-embed", "us-east-1").add_response(
        "generate_embed_url_for_registered_user",
        embed_response(),
        {
            "AwsAccountId": ACCOUNT,
            "UserArn": f"arn:aws:quicksight:us-east-1:{ACCOUNT}:user/acme/alice",
            "SessionLifetimeInMinutes": 30,
            "ExperienceConfiguration": {"QuickSightConsole": {"InitialPath": "/dashboards/d1"}},
            "AllowedDomains": ["https://portal.acme.example"],
        },
    )
    result = make("quicksight", stubs, clock).generate_console_url(
        "alice", initial_path="/dashboards/d1", lifetime_minutes=30
    )
    assert result.url == URL
    stubs.assert_done()


def test_generate_console_url_iam_identity_names_the_role_session_user(
    stubs: StubbedClients, clock: FakeClock
) -> None:
    stubs.stub("fatima", "eu-west-1").add_response(
        "generate_embed_url_for_registered_user",
        embed_response(),
        {
            "AwsAccountId": ACCOUNT,
            "UserArn": (
                f"arn:aws:quicksight:eu-west-1:{ACCOUNT}:user/globex/qs-embed-globex/fatima"
            ),
            "SessionLifetimeInMinutes": 120,
            "ExperienceConfiguration": {"QuickSightConsole": {"InitialPath": "/start"}},
        },
    )
    make("iam", stubs, clock).generate_console_url("fatima")
    stubs.assert_done()


# --- Errors ------------------------------------------------------------------------------------

ERROR_CASES = [(code, cls, 400 + i) for i, (code, cls) in enumerate(AWS_ERROR_CLASSES.items())]


@pytest.mark.parametrize("identity", ["quicksight", "iam"])
@pytest.mark.parametrize(("code", "cls", "status"), [*ERROR_CASES, ("NewException", AwsError, 418)])
def test_every_api_error_becomes_its_typed_error(
    identity: str, code: str, cls: type[AwsError], status: int, clock: FakeClock
) -> None:
    stubs = StubbedClients()
    session = "qs-embed" if identity == "quicksight" else "dana"
    user = "alice" if identity == "quicksight" else "dana"
    stubs.stub(session, "us-east-1").add_client_error(
        "get_session_embed_url",
        service_error_code=code,
        service_message=f"no: see {URL} and auth_code=AUTHCODE-2",
        http_status_code=status,
        response_meta={"RequestId": "req-err"},
    )
    emb = make(identity, stubs, clock, register_users=False)
    with pytest.raises(cls) as caught:
        emb.session_embed_url(user)
    error = caught.value
    assert type(error) is cls
    assert (error.code, error.request_id, error.http_status) == (code, "req-err", status)
    assert error.operation == "GetSessionEmbedUrl"
    assert isinstance(error.__cause__, ClientError)
    text = str(error)
    assert code in text
    assert "req-err" in text
    assert repr(emb.tenant) in text
    assert "AUTHCODE" not in text
    assert "https://" not in text


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"user": "mallory"}, UnknownUserError, ["'mallory'", "alice, bob", "'acme'"]),
        ({"entry_point": "/admin"}, EntryPointNotAllowedError, ["'/admin'", "/start"]),
        ({"entry_point": "/start/favorites"}, EntryPointNotAllowedError, ["allowed_entry_points"]),
        ({"entry_point": "/dashboards/../x"}, EntryPointNotAllowedError, ["asset id"]),
        ({"lifetime_minutes": 14}, SessionLifetimeNotAllowedError, ["15..600"]),
        ({"lifetime_minutes": 601}, SessionLifetimeNotAllowedError, ["15..600"]),
        ({"lifetime_minutes": True}, SessionLifetimeNotAllowedError, ["whole number"]),
        ({"lifetime_minutes": "60"}, SessionLifetimeNotAllowedError, ["whole number"]),
    ],
)
def test_bad_requests_are_refused_before_any_aws_call(
    kwargs: dict[str, Any], error: type[BadInputError], words: list[str], clock: FakeClock
) -> None:
    stubs = StubbedClients()  # no client at all: an AWS call would fail the test
    emb = make("quicksight", stubs, clock)
    user = kwargs.pop("user", "alice")
    for mint in (emb.session_embed_url, emb.generate_console_url):
        args = dict(kwargs)
        if mint == emb.generate_console_url and "entry_point" in args:
            args["initial_path"] = args.pop("entry_point")
        with pytest.raises(error) as caught:
            mint(user, **args)
        assert isinstance(caught.value, BadInputError)
        for word in words:
            assert word in str(caught.value)
    assert stubs.sessions == []


def test_lifetime_may_not_exceed_the_tenants(clock: FakeClock) -> None:
    emb = make("iam", StubbedClients(), clock)  # globex: session_lifetime_minutes 120
    with pytest.raises(SessionLifetimeNotAllowedError, match="at most 120"):
        emb.session_embed_url("dana", lifetime_minutes=121)


def test_unknown_user_lists_known_users_of_the_tenant(clock: FakeClock) -> None:
    with pytest.raises(UnknownUserError) as caught:
        make("iam", StubbedClients(), clock).session_embed_url("zed")
    assert caught.value.tenant == "globex"
    assert str(caught.value) == (
        "tenant 'globex' has no user 'zed'; known users: dana, eli, fatima, gus"
    )


def test_an_unknown_user_of_any_length_is_shown_cut(clock: FakeClock) -> None:
    """The review's: `url --user <100k chars>` echoed the whole value in the error."""
    with pytest.raises(UnknownUserError) as caught:
        make("iam", StubbedClients(), clock).session_embed_url("z" * 100_000)
    assert len(str(caught.value)) < 300
    assert "zzz..." in str(caught.value)


@pytest.mark.parametrize(
    ("domains", "match"),
    [
        (["https://evil.example"], "allowed_domains lists https://portal.acme.example"),
        ("https://portal.acme.example", "not a string"),
    ],
)
def test_allowed_domains_must_be_in_the_tenant_file(
    domains: Any, match: str, clock: FakeClock
) -> None:
    with pytest.raises(DomainNotAllowedError, match=match):
        make("quicksight", StubbedClients(), clock).generate_console_url(
            "alice", allowed_domains=domains
        )
