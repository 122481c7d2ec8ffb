"""What the Embedder sends and what it makes of AWS's answers (botocore Stubber).

Both identity modes: quicksight (one tenant role session, UserArn sent) and iam (one role
session per user, UserArn omitted), every error of GetSessionEmbedUrl, just-in-time
registration, and the checks that refuse a request before anything reaches AWS.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import ANY, Stubber

import embedder.embedder
import tenant_file.names
from embedder import (
    AccessDeniedError,
    AwsError,
    BadInputError,
    ClientPool,
    DomainNotAllowedError,
    Embedder,
    EmbedUrl,
    EntryPointNotAllowedError,
    QuickSightUserNotFoundError,
    RoleSession,
    SessionLifetimeNotAllowedError,
    UnknownUserError,
)
from embedder.errors import AWS_ERROR_CLASSES
from tenant_file.config import TenantConfig
from tests.fakes import ACCOUNT, FakeClock, registering, tenant

URL = "https://eu-west-1.quicksight.aws.amazon.com/embed/abc/sessions/x?code=AUTHCODE-1"


class StubbedClients:
    """A `client_factory` handing each role session a Stubber-backed QuickSight client."""

    def __init__(self) -> None:
        self.sessions: list[RoleSession] = []
        self.stubbers: dict[str, Stubber] = {}
        self._clients: dict[str, Any] = {}

    def stub(self, session_name: str, region: str) -> Stubber:
        if session_name not in self.stubbers:
            client = boto3.client(
                "quicksight",
                region_name=region,
                aws_access_key_id="AKIDEXAMPLE",
                aws_secret_access_key="secret",
            )
            self._clients[session_name] = client
            self.stubbers[session_name] = Stubber(client)
            self.stubbers[session_name].activate()
        return self.stubbers[session_name]

    def __call__(self, role: RoleSession) -> Any:
        self.sessions.append(role)
        return self._clients[role.session_name]

    def assert_done(self) -> None:
        for stubber in self.stubbers.values():
            stubber.assert_no_pending_responses()


def embed_response(request_id: str = "req-1", status: int = 200) -> dict[str, Any]:
    return {"EmbedUrl": URL, "Status": status, "RequestId": request_id}


@pytest.fixture
def stubs() -> StubbedClients:
    return StubbedClients()


def make(identity: str, stubs: StubbedClients, clock: FakeClock, **kw: Any) -> Embedder:
    return Embedder(
        tenant(identity),
        client_factory=stubs,
        clock=clock,
        client_pool=ClientPool(8),
        **kw,
    )


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


def test_injected_client_is_used_as_is_for_quicksight_identity(clock: FakeClock) -> None:
    client = boto3.client(
        "quicksight", region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b"
    )
    with Stubber(client) as stub:
        stub.add_response("get_session_embed_url", embed_response(), None)
        emb = Embedder(tenant(), client=client, clock=clock)
        assert emb.session_embed_url("bob").request_id == "req-1"


def test_injected_client_is_refused_for_iam_identity() -> None:
    with pytest.raises(ValueError, match="client_factory"):
        Embedder(tenant("iam"), client=object())  # type: ignore[arg-type]


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


def test_account_comes_from_the_caller_once_when_the_file_has_none(clock: FakeClock) -> None:
    sts = boto3.client(
        "sts", region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b"
    )
    stubs = StubbedClients()
    stub = stubs.stub("qs-embed", "us-east-1")
    with Stubber(sts) as sts_stub:
        sts_stub.add_response(
            "get_caller_identity",
            {
                "Account": "444455556666",
                "Arn": "arn:aws:iam::444455556666:role/app",
                "UserId": "AROAAPP",
            },
        )
        for _ in range(2):
            stub.add_response(
                "get_session_embed_url",
                embed_response(),
                {
                    "AwsAccountId": "444455556666",
                    "EntryPoint": ANY,
                    "SessionLifetimeInMinutes": ANY,
                    "UserArn": "arn:aws:quicksight:us-east-1:444455556666:user/acme/alice",
                },
            )
        emb = Embedder(tenant(account_id=None), client_factory=stubs, sts_client=sts, clock=clock)
        emb.session_embed_url("alice")
        emb.session_embed_url("alice")
        sts_stub.assert_no_pending_responses()
    assert stubs.sessions[0].role_arn == "arn:aws:iam::444455556666:role/qs-embed-acme"


@pytest.mark.parametrize(
    ("region", "partition"),
    [("us-east-1", "aws"), ("cn-north-1", "aws-cn"), ("us-gov-west-1", "aws-us-gov")],
)
def test_arns_use_the_partition_of_the_region(region: str, partition: str) -> None:
    embedding = tenant().embedding.model_dump()
    # The app's role lives in the tenant's partition too (a role trusts no other partition).
    embedding["app_principals"] = [f"arn:{partition}:iam::{ACCOUNT}:role/acme-portal"]
    emb = Embedder(tenant(region=region, embedding=embedding))
    assert emb.role_arn() == f"arn:{partition}:iam::{ACCOUNT}:role/qs-embed-acme"
    assert emb.user_arn("bob") == f"arn:{partition}:quicksight:{region}:{ACCOUNT}:user/acme/bob"


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


# --- Just-in-time registration (iam identity) --------------------------------------------------


def make_jit(stubs: StubbedClients, clock: FakeClock, **kw: Any) -> Embedder:
    """globex, opted in to just-in-time registration (`embedding.register_on_first_use`)."""
    return Embedder(
        registering(tenant("iam")),
        client_factory=stubs,
        clock=clock,
        client_pool=ClientPool(8),
        **kw,
    )


def not_found(stub: Stubber, method: str = "get_session_embed_url") -> None:
    stub.add_client_error(method, "QuickSightUserNotFoundException", "no such user", 404)


def test_unregistered_iam_user_is_registered_then_retried(
    stubs: StubbedClients, clock: FakeClock
) -> None:
    stub = stubs.stub("dana", "eu-west-1")
    not_found(stub)
    stub.add_response(
        "register_user",
        {"User": {"UserName": "qs-embed-globex/dana"}, "RequestId": "req-r", "Status": 201},
        {
            "AwsAccountId": ACCOUNT,
            "Namespace": "globex",
            "IdentityType": "IAM",
            "IamArn": f"arn:aws:iam::{ACCOUNT}:role/qs-embed-globex",
            "SessionName": "dana",
            "Email": "dana@globex.example",
            "UserRole": "AUTHOR",
            "CustomPermissionsName": "globex-restricted",
        },
    )
    stub.add_response("get_session_embed_url", embed_response("req-2"), None)
    assert make_jit(stubs, clock).session_embed_url("dana").request_id == "req-2"
    stubs.assert_done()


def test_registration_without_a_profile_sends_no_custom_permissions(
    stubs: StubbedClients, clock: FakeClock
) -> None:
    stub = stubs.stub("eli", "eu-west-1")
    not_found(stub)
    stub.add_response(
        "register_user",
        {"RequestId": "req-r", "Status": 201},
        {
            "AwsAccountId": ACCOUNT,
            "Namespace": "globex",
            "IdentityType": "IAM",
            "IamArn": ANY,
            "SessionName": "eli",
            "Email": "eli@globex.example",
            "UserRole": "AUTHOR_PRO",
        },
    )
    stub.add_response("get_session_embed_url", embed_response(), None)
    make_jit(stubs, clock).session_embed_url("eli")
    stubs.assert_done()


def test_a_user_registered_meanwhile_is_retried(
    stubs: StubbedClients, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    stub = stubs.stub("dana", "eu-west-1")
    not_found(stub, "generate_embed_url_for_registered_user")
    stub.add_client_error("register_user", "ResourceExistsException", "exists", 409)
    stub.add_response("generate_embed_url_for_registered_user", embed_response(), None)
    with caplog.at_level(logging.INFO, logger="embedder"):
        make_jit(stubs, clock).generate_console_url("dana")
    stubs.assert_done()
    (record,) = [r for r in caplog.records if r.name == "embedder.embedder"]
    message = record.getMessage()
    assert message.startswith("dana was already registered in QuickSight namespace globex")
    assert "registered meanwhile by another caller" in message
    assert "(first use)" not in message


def test_a_registration_logs_it(
    stubs: StubbedClients, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    stub = stubs.stub("dana", "eu-west-1")
    not_found(stub)
    stub.add_response("register_user", {"RequestId": "r", "Status": 201}, None)
    stub.add_response("get_session_embed_url", embed_response(), None)
    with caplog.at_level(logging.INFO, logger="embedder"):
        make_jit(stubs, clock).session_embed_url("dana")
    messages = [r.getMessage() for r in caplog.records if r.name == "embedder.embedder"]
    assert messages == [
        "registered dana in QuickSight namespace globex of tenant globex (first use)"
    ]


def test_registration_is_retried_once_only(stubs: StubbedClients, clock: FakeClock) -> None:
    stub = stubs.stub("dana", "eu-west-1")
    not_found(stub)
    stub.add_response("register_user", {"RequestId": "r", "Status": 201}, None)
    not_found(stub)
    with pytest.raises(QuickSightUserNotFoundError):
        make_jit(stubs, clock).session_embed_url("dana")
    stubs.assert_done()


def test_registration_refused_is_a_typed_error(stubs: StubbedClients, clock: FakeClock) -> None:
    stub = stubs.stub("dana", "eu-west-1")
    not_found(stub)
    stub.add_client_error("register_user", "AccessDeniedException", "not allowed", 401)
    with pytest.raises(AccessDeniedError) as caught:
        make_jit(stubs, clock).session_embed_url("dana")
    assert caught.value.operation == "RegisterUser"


@pytest.mark.parametrize(
    ("identity", "opted_in", "kwargs"),
    [
        ("iam", False, {}),  # the default: the stack registers users, the role cannot
        ("iam", True, {"register_users": False}),
        ("quicksight", False, {}),
    ],
    ids=["iam-file-off", "iam-app-off", "quicksight"],
)
def test_no_registration_unless_the_file_opts_in_or_for_quicksight_identity(
    identity: str, opted_in: bool, kwargs: dict[str, Any], clock: FakeClock
) -> None:
    stubs = StubbedClients()
    not_found(stubs.stub("dana" if identity == "iam" else "qs-embed", "us-east-1"))
    emb = make_jit(stubs, clock, **kwargs) if opted_in else make(identity, stubs, clock, **kwargs)
    with pytest.raises(QuickSightUserNotFoundError, match="not registered"):
        emb.session_embed_url("dana" if identity == "iam" else "alice")
    stubs.assert_done()


# --- The warm path: users by name, ARNs once ---------------------------------------------------


class CountingUsers(tuple):  # type: ignore[type-arg]
    """The tenant's users, counting every scan of the list."""

    scans = 0

    def __iter__(self) -> Any:
        CountingUsers.scans += 1
        return super().__iter__()


class FixedClient:
    """A QuickSight client that answers every call at once (quicksight identity)."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []

    def get_session_embed_url(self, **request: Any) -> dict[str, Any]:
        self.requests.append(request)
        return embed_response(f"req-{len(self.requests)}")


def test_the_warm_path_finds_users_by_name_not_by_scanning(
    clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    users = [
        {"name": f"user{i:04d}", "email": f"u{i}@acme.example", "role": "AUTHOR"}
        for i in range(2000)
    ]
    config = tenant(users=users)
    config = config.model_copy(update={"users": CountingUsers(config.users)})
    arns: Counter[str] = Counter()
    real_arn = tenant_file.names.quicksight_user_arn

    def counted_arn(*args: str) -> str:
        arns[args[-1]] += 1
        return real_arn(*args)

    monkeypatch.setattr(embedder.embedder, "quicksight_user_arn", counted_arn)
    monkeypatch.setattr(TenantConfig, "user", lambda *_: pytest.fail("TenantConfig.user scans"))
    client = FixedClient()
    emb = Embedder(config, client=client, clock=clock)  # type: ignore[arg-type]
    CountingUsers.scans = 0
    for _ in range(3):
        for name in ("user1999", "user0000", "user1000"):
            emb.session_embed_url(name)
    assert CountingUsers.scans == 0, "no request scans the list of users"
    assert arns == {"user1999": 1, "user0000": 1, "user1000": 1}, "each ARN is built once"
    assert client.requests[0]["UserArn"] == (
        f"arn:aws:quicksight:us-east-1:{ACCOUNT}:user/acme/user1999"
    )
    assert emb.user_arn("user1999") == client.requests[0]["UserArn"]
    assert CountingUsers.scans == 0
    with pytest.raises(UnknownUserError, match=r"\(1980 more\)"):
        emb.session_embed_url("user2000")


def test_remembered_entry_points_never_admit_a_refused_one(
    stubs: StubbedClients, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The warm path remembers accepted entry points; refusals are never remembered, and the
    memo is bounded."""
    monkeypatch.setattr("embedder.embedder.ACCEPTED_ENTRY_POINTS_MAX", 2)
    stub = stubs.stub("qs-embed", "us-east-1")
    emb = make("quicksight", stubs, clock)
    for path in ("/dashboards/a", "/dashboards/a", "/dashboards/b", "/dashboards/c"):
        stub.add_response("get_session_embed_url", embed_response("req"), None)
        emb.session_embed_url("alice", entry_point=path)
    for _ in range(2):
        with pytest.raises(EntryPointNotAllowedError):
            emb.session_embed_url("alice", entry_point="/start/favorites")
    assert emb._accepted_entry_points <= {"/dashboards/b", "/dashboards/c"}
    assert len(emb._accepted_entry_points) <= 2
    stubs.assert_done()
