"""QuickSight's directory as the emulator keeps it (``sandbox.quicksight.models``): namespaces,
custom permissions profiles and users, and the errors AWS answers for each misstep."""

from __future__ import annotations

import pytest

from sandbox.quicksight.exceptions import QuickSightError
from sandbox.quicksight.models import (
    DEFAULT_NAMESPACE,
    SandboxQuickSightBackend,
    check_capabilities,
    require_console_role,
)

ACCOUNT = "999900002222"


@pytest.fixture
def qs() -> SandboxQuickSightBackend:
    return SandboxQuickSightBackend("us-east-1", ACCOUNT)


def _user(qs: SandboxQuickSightBackend, name: str, namespace: str = "acme", **kw: str) -> str:
    user = qs.register_user(
        namespace=namespace,
        identity_type="QUICKSIGHT",
        email=f"{name}@example.com",
        role=kw.get("role", "READER"),
        user_name=name,
        custom_permissions_name=kw.get("profile"),
    )
    return user.arn


def _code(error: pytest.ExceptionInfo[QuickSightError]) -> str:
    return error.value.code


def test_a_new_account_has_the_default_namespace_in_enterprise_edition(
    qs: SandboxQuickSightBackend,
) -> None:
    assert list(qs.namespaces) == [DEFAULT_NAMESPACE]
    assert qs.account_settings.edition == "ENTERPRISE"
    with pytest.raises(QuickSightError, match="default namespace cannot be deleted"):
        qs.delete_namespace(DEFAULT_NAMESPACE)


def test_namespaces_are_created_once_and_found_by_name(qs: SandboxQuickSightBackend) -> None:
    created = qs.create_namespace("acme")
    assert created.arn == f"arn:aws:quicksight:us-east-1:{ACCOUNT}:namespace/acme"
    assert created.to_api()["CreationStatus"] == "CREATED"
    with pytest.raises(QuickSightError) as twice:
        qs.create_namespace("acme")
    assert _code(twice) == "ResourceExistsException"
    with pytest.raises(QuickSightError) as missing:
        qs.get_namespace("acme2")
    assert _code(missing) == "ResourceNotFoundException"


def test_deleting_a_namespace_deletes_its_users_and_no_others(
    qs: SandboxQuickSightBackend,
) -> None:
    qs.create_namespace("acme")
    qs.create_namespace("globex")
    _user(qs, "alice")
    _user(qs, "bob", namespace="globex")

    qs.delete_namespace("acme")

    assert [u.user_name for u in qs.users_in("globex")] == ["bob"]
    with pytest.raises(QuickSightError) as gone:
        qs.get_user("acme", "alice")
    assert _code(gone) == "ResourceNotFoundException"


def test_a_user_is_registered_once_per_namespace(qs: SandboxQuickSightBackend) -> None:
    qs.create_namespace("acme")
    qs.create_namespace("globex")
    assert _user(qs, "alice") == f"arn:aws:quicksight:us-east-1:{ACCOUNT}:user/acme/alice"
    _user(qs, "alice", namespace="globex")  # another namespace: another user
    with pytest.raises(QuickSightError) as twice:
        _user(qs, "alice")
    assert _code(twice) == "ResourceExistsException"
    with pytest.raises(QuickSightError) as no_namespace:
        _user(qs, "carol", namespace="initech")
    assert _code(no_namespace) == "ResourceNotFoundException"


@pytest.mark.parametrize(
    ("identity", "iam_arn", "session", "problem"),
    [
        ("QUICKSIGHT", f"arn:aws:iam::{ACCOUNT}:user/a", None, "only for IdentityType IAM"),
        ("IAM", None, None, "IamArn is required"),
        ("IAM", "arn:aws:iam::111111111111:user/a", None, f"of account {ACCOUNT}"),
        ("IAM", f"arn:aws:iam::{ACCOUNT}:role/portal", None, "SessionName is required"),
        ("IAM", f"arn:aws:iam::{ACCOUNT}:user/a", "s", "only for IAM roles"),
        ("IAM", f"arn:aws:iam::{ACCOUNT}:role/nobody", "s", "does not exist in IAM"),
        ("IAM", f"arn:aws:iam::{ACCOUNT}:user/nobody", None, "does not exist in IAM"),
        ("SAML", None, None, "IdentityType SAML is not supported"),
    ],
)
def test_an_identity_that_cannot_be_registered_is_refused(
    qs: SandboxQuickSightBackend,
    identity: str,
    iam_arn: str | None,
    session: str | None,
    problem: str,
) -> None:
    with pytest.raises(QuickSightError, match=problem) as refused:
        qs.register_user(
            namespace=DEFAULT_NAMESPACE,
            identity_type=identity,
            email="a@example.com",
            role="READER",
            user_name="a",
            iam_arn=iam_arn,
            session_name=session,
        )
    assert _code(refused) == "InvalidParameterValueException"


def test_a_deleted_profile_is_taken_off_its_users(qs: SandboxQuickSightBackend) -> None:
    qs.create_namespace("acme")
    qs.create_profile("no-export", {"ExportToCsv": "DENY"})
    _user(qs, "alice", profile="no-export")

    qs.delete_profile("no-export")

    assert qs.get_user("acme", "alice").custom_permissions_name is None
    with pytest.raises(QuickSightError) as gone:
        qs.set_user_profile("acme", "alice", "no-export")
    assert _code(gone) == "ResourceNotFoundException"


def test_capabilities_can_only_be_denied_by_known_names() -> None:
    assert check_capabilities({"ExportToCsv": "DENY"}) == {"ExportToCsv": "DENY"}
    with pytest.raises(QuickSightError, match="can only be DENY; not so for: ExportToCsv"):
        check_capabilities({"ExportToCsv": "ALLOW"})
    with pytest.raises(QuickSightError, match="unknown capability names: Teleport"):
        check_capabilities({"Teleport": "DENY"})


def test_update_user_takes_a_profile_or_its_removal_not_both(qs: SandboxQuickSightBackend) -> None:
    qs.create_namespace("acme")
    qs.create_profile("no-export", {"ExportToCsv": "DENY"})
    _user(qs, "alice")
    with pytest.raises(QuickSightError, match="not both"):
        qs.update_user(
            namespace="acme",
            user_name="alice",
            email="a@example.com",
            role="AUTHOR",
            custom_permissions_name="no-export",
            unapply_custom_permissions=True,
        )
    user = qs.update_user(
        namespace="acme", user_name="alice", email="new@example.com", role="AUTHOR"
    )
    assert (user.email, user.role, user.custom_permissions_name) == (
        "new@example.com",
        "AUTHOR",
        None,
    )


def test_only_authors_and_admins_embed_the_console(qs: SandboxQuickSightBackend) -> None:
    qs.create_namespace("acme")
    _user(qs, "author", role="AUTHOR")
    _user(qs, "reader", role="READER")
    require_console_role(qs.get_user("acme", "author"))
    with pytest.raises(QuickSightError, match="reader is READER") as refused:
        require_console_role(qs.get_user("acme", "reader"))
    assert _code(refused) == "UnsupportedUserEditionException"
