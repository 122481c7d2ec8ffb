"""The QuickSight user provider (what `pulumi up` runs): its diff, create, update, with Stubber.

Each test states the call sequence AWS must see; botocore's Stubber fails on any other call.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from infra.quicksight_user import NotConfiguredError, QuickSightUserProvider, UserConflictError
from local_engine.state import LocalState, is_sealed

ACCOUNT = "111122223333"
ARN = f"arn:aws:quicksight:us-east-1:{ACCOUNT}:user/acme/alice"
KEY = {"AwsAccountId": ACCOUNT, "Namespace": "acme", "UserName": "alice"}


def props(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "awsAccountId": ACCOUNT,
        "region": "us-east-1",
        "namespace": "acme",
        "identityType": "QUICKSIGHT",
        "userName": "alice",
        "email": "alice@acme.example",
        "userRole": "AUTHOR",
        "customPermissionsName": "acme-analyst",
        "adopt": False,
    }
    return {**base, **changes}


def user(**fields: Any) -> dict[str, Any]:
    return {
        "Arn": ARN,
        "UserName": "alice",
        "Email": "alice@acme.example",
        "Role": "AUTHOR",
        "IdentityType": "QUICKSIGHT",
        "PrincipalId": "p-1",
        **fields,
    }


@pytest.fixture
def stubbed() -> Iterator[tuple[QuickSightUserProvider, Stubber]]:
    client = boto3.Session(
        aws_access_key_id="k", aws_secret_access_key="s", region_name="us-east-1"
    ).client("quicksight")
    with Stubber(client) as stubber:
        yield QuickSightUserProvider(lambda _service, _region: client), stubber
        stubber.assert_no_pending_responses()


def test_every_role_and_email_and_profile_edit_is_in_place() -> None:
    """pulumi-aws's quicksight.User replaces on user_role; the replacement's RegisterUser of
    an existing name is ResourceExists (hashicorp/terraform-provider-aws#43508)."""
    diff = QuickSightUserProvider().diff
    for edit in (
        {"userRole": "ADMIN"},
        {"userRole": "AUTHOR_PRO"},
        {"email": "a@b.example"},
        {"customPermissionsName": "acme-viewer"},
        {"customPermissionsName": None},
    ):
        result = diff("id", props(), props(**edit))
        assert result.changes is True, edit
        assert result.replaces == [], edit
    assert diff("id", props(), props()).changes is False


def test_only_the_identity_replaces_the_user() -> None:
    diff = QuickSightUserProvider().diff
    assert diff("id", props(), props(namespace="other")).replaces == ["namespace"]
    assert diff("id", props(), props(userName="bob")).replaces == ["userName"]
    assert diff("id", props(), props(adopt=True)).changes is False


def test_an_existing_user_is_refused_with_the_fix_unless_adopted(stubbed: Any) -> None:
    provider, stubber = stubbed
    stubber.add_response("describe_user", {"User": user(), "Status": 200}, KEY)
    failures = provider.check({}, props()).failures
    assert [f.property for f in failures] == ["userName"]
    assert "add `adopt: true` to user alice" in failures[0].reason

    stubber.add_client_error(
        "register_user", "ResourceExistsException", "exists", 409, expected_params=None
    )
    with pytest.raises(UserConflictError, match="already exists and the tenant file does not"):
        provider.create(props())


def test_check_looks_up_only_users_new_to_the_stack() -> None:
    asked: list[str] = []

    def no_client(service: str, region: str | None) -> Any:
        asked.append(f"{service} in {region}")
        raise AssertionError("an existing user of the stack needs no look-up")

    provider = QuickSightUserProvider(no_client)
    assert provider.check(props(), props(userRole="ADMIN")).failures == []
    assert asked == []
    # One step past: a user new to the stack is looked up (the client is asked for).
    with pytest.raises(AssertionError, match="needs no look-up"):
        provider.check({}, props())
    assert asked == ["quicksight in us-east-1"]


def test_adopting_brings_the_existing_user_to_the_file(stubbed: Any) -> None:
    provider, stubber = stubbed
    existing = user(Role="ADMIN", Email="old@acme.example", CustomPermissionsName="legacy")
    stubber.add_response("describe_user", {"User": existing, "Status": 200}, KEY)
    stubber.add_response("describe_user", {"User": existing, "Status": 200}, KEY)
    stubber.add_response(
        "update_user",
        {"User": user(), "Status": 200},
        {**KEY, "Email": "alice@acme.example", "Role": "AUTHOR"},
    )
    stubber.add_response(
        "update_user_custom_permission",
        {"Status": 200},
        {**KEY, "CustomPermissionsName": "acme-analyst"},
    )
    created = provider.create(props(adopt=True))
    assert created.id == f"{ACCOUNT}/acme/alice"
    assert created.outs is not None
    assert created.outs["adopted"] is True
    assert created.outs["arn"] == ARN


def test_an_iam_user_cannot_be_adopted_as_a_quicksight_one(stubbed: Any) -> None:
    provider, stubber = stubbed
    stubber.add_response("describe_user", {"User": user(IdentityType="IAM"), "Status": 200}, KEY)
    (failure,) = provider.check({}, props(adopt=True)).failures
    assert "identity type IAM" in failure.reason


def test_removing_the_profile_line_unapplies_it(stubbed: Any) -> None:
    provider, stubber = stubbed
    stubber.add_response("delete_user_custom_permission", {"Status": 200}, KEY)
    olds = {**props(), "arn": ARN, "principalId": "p-1", "adopted": False}
    news = props()
    del news["customPermissionsName"]
    updated = provider.update("id", olds, news)
    assert updated.outs is not None
    assert updated.outs["arn"] == ARN


def test_a_role_change_is_one_update_user_call(stubbed: Any) -> None:
    provider, stubber = stubbed
    stubber.add_response(
        "update_user",
        {"User": user(Role="ADMIN_PRO"), "Status": 200},
        {**KEY, "Email": "alice@acme.example", "Role": "ADMIN_PRO"},
    )
    olds = {**props(), "arn": ARN, "principalId": "p-1"}
    provider.update("id", olds, props(userRole="ADMIN_PRO"))


def test_the_invitation_url_is_an_output_the_state_never_holds_in_plain_text(
    stubbed: Any,
) -> None:
    provider, stubber = stubbed
    invitation = "https://quicksight.aws.amazon.com/sn/start?invitation=SECRET-TOKEN"
    stubber.add_response(
        "register_user",
        {"User": user(), "UserInvitationUrl": invitation, "Status": 201},
        None,
    )
    created = provider.create(props())
    assert created.outs is not None
    assert created.outs["userInvitationUrl"] == invitation
    from infra.quicksight_user import SECRET_OUTPUTS

    stored = LocalState().sealer.seal(created.outs, SECRET_OUTPUTS)
    assert is_sealed(stored["userInvitationUrl"])
    assert "SECRET-TOKEN" not in repr(stored)


def test_declaring_users_leaves_no_pickler_patch_behind() -> None:
    """pulumi.dynamic's serialize_provider wraps pickle's _batch_setitems around itself once per
    dynamic resource and never unwraps: a few hundred tenants' users in one program hit
    RecursionError (found by `make bench` at 10,000 tenants). Each user now undoes it."""
    import pickle

    import pulumi

    from infra.offline import run_offline
    from infra.offline_mocks import OfflineMocks
    from infra.quicksight_user import QuickSightUser

    original = pickle._Pickler._batch_setitems  # type: ignore[attr-defined]

    def program() -> None:
        for i in range(3):
            QuickSightUser(
                f"u{i}",
                {
                    "awsAccountId": "111122223333",
                    "namespace": "acme",
                    "userName": f"u{i}",
                    "identityType": "QUICKSIGHT",
                    "email": f"u{i}@acme.example",
                    "userRole": "AUTHOR",
                    "region": "us-east-1",
                },
            )
        pulumi.export("done", True)

    run_offline(program, OfflineMocks([]))
    assert pickle._Pickler._batch_setitems is original  # type: ignore[attr-defined]


def test_an_unconfigured_provider_never_falls_back_to_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Under Pulumi the host always configures it; without the stack's config it refuses
    rather than registering users with whatever credentials the environment holds."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAENVIRONMENT00000")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "from-the-environment")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    provider = QuickSightUserProvider()
    with pytest.raises(NotConfiguredError, match="stack's aws: settings"):
        provider.create(props())
    with pytest.raises(NotConfiguredError):
        provider.check({}, props())
