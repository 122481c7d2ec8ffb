"""The Embedder's shared mint paths (`embedder.minting`): just-in-time registration (iam
identity) and the memo of accepted entry points."""

from __future__ import annotations

import logging
import traceback
from typing import Any

import pytest
from botocore.stub import ANY, Stubber

from embedder import (
    AccessDeniedError,
    ClientPool,
    DashboardNotAllowedError,
    Embedder,
    EntryPointNotAllowedError,
    QuickSightUserNotFoundError,
    UnreadableResponseError,
)
from tests.embedder.stubbed import StubbedClients, embed_response, make
from tests.fakes import ACCOUNT, FakeAws, FakeClock, Reply, experience_tenant, registering, tenant

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
    (record,) = [r for r in caplog.records if r.name == "embedder.minting"]
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
    messages = [r.getMessage() for r in caplog.records if r.name == "embedder.minting"]
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


def test_remembered_entry_points_never_admit_a_refused_one(
    stubs: StubbedClients, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The warm path remembers accepted entry points; refusals are never remembered, and the
    memo is bounded."""
    monkeypatch.setattr("embedder.minting.ACCEPTED_ENTRY_POINTS_MAX", 2)
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


def _frames_locals(error: BaseException) -> list[object]:
    values: list[object] = []
    tb = error.__traceback__
    while tb is not None:
        values += tb.tb_frame.f_locals.values()
        tb = tb.tb_next
    return values


def test_a_failed_mints_traceback_keeps_botocores_exception_in_no_frame() -> None:
    """A 200 whose body is not UTF-8 (botocore's UnicodeDecodeError quotes the whole body, the
    embed URL with it): the typed error's text, chain and the locals of every frame on its
    traceback (what Sentry and `capture_locals` print) hold no auth code."""
    clock = FakeClock()
    aws = FakeAws(clock)
    emb = Embedder(tenant(), session=aws.session(), clock=clock, client_pool=ClientPool())
    aws.fail("GetSessionEmbedUrl", Reply(lambda s, h, b: (s, h, b + b"\xff")))
    with pytest.raises(UnreadableResponseError) as caught:
        emb.session_embed_url("alice")
    error = caught.value
    assert error.__context__ is None
    shown = [error, error.__cause__, *_frames_locals(error)]
    text = "".join(traceback.TracebackException.from_exception(error, capture_locals=True).format())
    assert "AUTHCODE" not in text
    assert not [v for v in shown if isinstance(v, BaseException) and "AUTHCODE" in repr(v)]


class _EqualToAll(str):
    """A caller's id that claims to equal every string."""

    def __eq__(self, other: object) -> bool:
        return True

    __hash__ = str.__hash__


def test_an_id_equal_to_everything_names_no_dashboard_and_poisons_no_later_mint() -> None:
    clock = FakeClock()
    aws = FakeAws(clock)
    emb = Embedder(
        experience_tenant(), session=aws.session(), clock=clock, client_pool=ClientPool()
    )
    with pytest.raises(DashboardNotAllowedError):
        emb.anonymous_dashboard_url(_EqualToAll("other-dash"))
    assert emb.anonymous_dashboard_url(_EqualToAll("public-kpis")).status == 200
    assert emb.anonymous_dashboard_url("public-kpis").status == 200
    arns = [c.params["AuthorizedResourceArns"] for c in aws.ops("GenerateEmbedUrlForAnonymousUser")]
    assert arns == [[f"arn:aws:quicksight:us-east-1:{ACCOUNT}:dashboard/public-kpis"]] * 2
