"""QuickSight rules, called with crafted resources and stacks (good and bad), no engine."""

from __future__ import annotations

from typing import Any

import pytest
from pulumi_policy import EnforcementLevel, PolicyResource

from policies.project import TENANT_STACK
from policies.resources import (
    QS_CUSTOM_PERMISSIONS,
    QS_NAMESPACE,
    QS_USER,
    QS_USER_CUSTOM_PERMISSION,
)
from policies.rules import quicksight_rules as qs
from policies.tenant_index import index_of
from tenant_file.config import console_user_roles
from tests.policies.pack_helpers import (
    check,
    example_index,
    stack_resource,
    stack_violations,
    variant,
)

GLOBEX_ROLE_ARN = "arn:aws:iam::111122223333:role/qs-embed-globex"


def qs_user(name: str = "alice", namespace: str | None = "acme", **props: Any) -> dict[str, Any]:
    user = {
        "email": f"{name}@x.example",
        "identityType": "QUICKSIGHT",
        "userName": name,
        "userRole": "AUTHOR",
        **props,
    }
    if namespace is not None:
        user["namespace"] = namespace
    return user


def iam_user(session: str = "dana", namespace: str = "globex", **props: Any) -> dict[str, Any]:
    return {
        "email": f"{session}@x.example",
        "identityType": "IAM",
        "iamArn": GLOBEX_ROLE_ARN,
        "sessionName": session,
        "userRole": "AUTHOR",
        "namespace": namespace,
        **props,
    }


# -- quicksight-user-console-role ----------------------------------------------------------


@pytest.mark.parametrize("role", ["AUTHOR", "ADMIN", "AUTHOR_PRO", "ADMIN_PRO"])
def test_console_roles_pass(role: str) -> None:
    assert check(qs.user_console_role(example_index()), QS_USER, qs_user(userRole=role)) == []


@pytest.mark.parametrize("role", ["READER", "READER_PRO", "RESTRICTED_AUTHOR"])
def test_other_roles_cannot_open_the_console(role: str) -> None:
    [message] = check(qs.user_console_role(example_index()), QS_USER, qs_user(userRole=role))
    assert message == (
        f"user alice in namespace acme is {role}: the embedded console needs "
        f"{', '.join(console_user_roles())}"
    )


# -- quicksight-profile-denies-configured --------------------------------------------------


def test_profile_denies_what_the_file_says() -> None:
    rule = qs.profile_denies_configured(example_index())
    full = {
        "customPermissionsName": "acme-analyst",
        "capabilities": {"exportToCsv": "DENY", "exportToExcel": "DENY", "shareDashboards": "DENY"},
    }
    assert check(rule, QS_CUSTOM_PERMISSIONS, full) == []
    partial = {"customPermissionsName": "acme-analyst", "capabilities": {"exportToCsv": "DENY"}}
    [message] = check(rule, QS_CUSTOM_PERMISSIONS, partial)
    assert message == (
        "custom permissions acme-analyst: does not deny ExportToExcel, ShareDashboards, which "
        "tenant acme denies in permission_profiles.analyst; its users would keep them"
    )


def test_capability_names_match_across_spellings() -> None:
    # botocore's CreateSPICEDataset is pulumi-aws's createSpiceDataset.
    acme = variant(
        "acme",
        permission_profiles={"p": {"deny": ["CreateSPICEDataset"]}},
        users=[{"name": "alice", "email": "a@x.example", "role": "AUTHOR", "profile": "p"}],
    )
    rule = qs.profile_denies_configured(index_of([acme]))
    props = {"customPermissionsName": "acme-p", "capabilities": {"createSpiceDataset": "DENY"}}
    assert check(rule, QS_CUSTOM_PERMISSIONS, props) == []


def test_profile_no_tenant_declares() -> None:
    rule = qs.profile_denies_configured(example_index())
    [message] = check(rule, QS_CUSTOM_PERMISSIONS, {"customPermissionsName": "acme-ghost"})
    assert message.startswith("custom permissions acme-ghost: no tenant file defines this profile")


# -- quicksight-user-in-tenant-namespace ---------------------------------------------------


def test_users_in_their_tenant_namespace_pass() -> None:
    rule = qs.user_in_tenant_namespace(example_index())
    assert check(rule, QS_USER, qs_user()) == []
    assert check(rule, QS_USER, iam_user()) == []


def test_default_namespace_needs_a_tenant_that_chose_it() -> None:
    rule = qs.user_in_tenant_namespace(example_index())
    for props in (qs_user(namespace=None), qs_user(namespace="default")):
        [message] = check(rule, QS_USER, props)
        assert message.startswith("user alice in namespace default: no tenant chose the shared")
    chose_default = qs.user_in_tenant_namespace(index_of([variant("acme", namespace="default")]))
    assert check(chose_default, QS_USER, qs_user(namespace=None)) == []


def test_user_of_another_tenant_role_or_unknown_user() -> None:
    rule = qs.user_in_tenant_namespace(example_index())
    [crossed] = check(rule, QS_USER, iam_user(namespace="acme", sessionName="alice"))
    assert crossed == (
        "user alice in namespace acme: is a session of role qs-embed-globex, but namespace acme "
        "belongs to tenant acme, whose embed role is qs-embed-acme"
    )
    [stranger] = check(rule, QS_USER, qs_user("mallory"))
    assert stranger == "user mallory in namespace acme: tenant acme's file has no user 'mallory'"
    [nowhere] = check(rule, QS_USER, qs_user(namespace="initech"))
    assert nowhere == "user alice in namespace initech: no tenant file uses namespace initech"


# -- stack rules ---------------------------------------------------------------------------


def attachment(user: str, profile: str, namespace: str = "acme") -> PolicyResource:
    props = {"userName": user, "customPermissionsName": profile, "namespace": namespace}
    return stack_resource(QS_USER_CUSTOM_PERMISSION, props, f"{user}-profile")


def test_every_profiled_user_has_exactly_its_profile() -> None:
    rule = qs.user_profile_attached(example_index())
    alice, bob = (
        stack_resource(QS_USER, qs_user("alice"), "alice"),
        stack_resource(QS_USER, qs_user("bob"), "bob"),
    )
    good = [
        alice,
        bob,
        attachment("alice", "acme-analyst"),
        attachment("bob", "acme-viewer-author"),
    ]
    assert stack_violations(rule, good) == []
    found = stack_violations(rule, [alice, bob, attachment("bob", "acme-analyst")])
    assert found == [
        "user alice of tenant acme: no UserCustomPermission attaches profile analyst "
        "(acme-analyst); the user keeps every capability the profile denies",
        "user bob of tenant acme: attached acme-analyst, but the tenant file says profile "
        "viewer-author (acme-viewer-author)",
    ]


def test_iam_identity_attachments_use_role_slash_session_names() -> None:
    rule = qs.user_profile_attached(example_index())
    dana = stack_resource(QS_USER, iam_user("dana"), "dana")
    right = attachment("qs-embed-globex/dana", "globex-restricted", "globex")
    assert stack_violations(rule, [dana, right]) == []
    wrong = attachment("dana", "globex-restricted", "globex")
    assert len(stack_violations(rule, [dana, wrong])) == 1


def test_users_without_profile_are_advised() -> None:
    rule = qs.user_without_profile(example_index())
    carol = stack_resource(QS_USER, qs_user("carol", userRole="ADMIN"), "carol")
    assert stack_violations(rule, [carol]) == [
        "user carol of tenant acme has no permission profile: they keep every capability of "
        "ADMIN (the tenant defines analyst, viewer-author)"
    ]
    assert rule.enforcement_level is EnforcementLevel.ADVISORY


def tenant_stack(name: str, **outputs: Any) -> PolicyResource:
    return stack_resource(TENANT_STACK, outputs, name)


def test_users_retained_when_their_tenant_stack_says_so() -> None:
    rule = qs.users_retained(example_index())
    acme = tenant_stack("acme", retainUsersOnDelete=True)
    users = [stack_resource(QS_USER, qs_user(n), n, parent=acme) for n in ("alice", "bob")]
    assert stack_violations(rule, [acme, *users]) == []


def test_users_protected_pass() -> None:
    rule = qs.users_retained(example_index())
    assert stack_violations(rule, [stack_resource(QS_USER, qs_user(), protect=True)]) == []


def test_users_not_shown_retained_are_refused() -> None:
    rule = qs.users_retained(example_index())
    acme = tenant_stack("acme", namespace="acme")
    users = [stack_resource(QS_USER, qs_user(n), n, parent=acme) for n in ("bob", "alice")]
    [message] = stack_violations(rule, [acme, *users])
    assert message.startswith(
        "users alice, bob (TenantStack acme): nothing shows they are kept when removed"
    )
    assert "Pulumi does not show retain_on_delete to policies" in message
    [loose] = stack_violations(rule, [stack_resource(QS_USER, qs_user())])
    assert loose.startswith("users alice (outside any TenantStack): nothing shows")


def test_deleting_users_needs_the_tenants_opt_in() -> None:
    acme = tenant_stack("acme", retainUsersOnDelete=False)
    user = stack_resource(QS_USER, qs_user(), parent=acme)
    [message] = stack_violations(qs.users_retained(example_index()), [acme, user])
    assert "but the tenant file keeps them (retain_users_on_delete: true)" in message

    opted_out = index_of([variant("acme", retain_users_on_delete=False)])
    assert stack_violations(qs.users_retained(opted_out), [acme, user]) == []
    assert stack_violations(qs.users_deletion_opted_in(opted_out), [acme, user]) == [
        "tenant acme sets retain_users_on_delete: false: removing a user from its file deletes "
        "the QuickSight user and every analysis and dashboard they own"
    ]
    assert stack_violations(qs.users_deletion_opted_in(example_index()), [acme, user]) == []


def test_tenant_namespaces_are_declared() -> None:
    user = stack_resource(QS_USER, qs_user())
    [message] = stack_violations(qs.tenant_namespace_declared(example_index()), [user])
    assert message == (
        "user alice in namespace acme: the stack declares no QuickSight namespace acme; each "
        "tenant's namespace is created by its TenantStack"
    )
    namespace = stack_resource(QS_NAMESPACE, {"namespace": "acme"})
    assert stack_violations(qs.tenant_namespace_declared(example_index()), [namespace, user]) == []
    in_default = stack_resource(QS_USER, qs_user(namespace="default"))
    assert stack_violations(qs.tenant_namespace_declared(example_index()), [in_default]) == []


# -- quicksight-adoption-owned-only -----------------------------------------------------------


def _acme_adopting(**user: Any) -> Any:
    from tests.tenant_files import example

    acme = example("acme")
    users = [u.model_dump() for u in acme.users]
    users[0].update(adopt=True, **user)
    return variant("acme", users=users)


def test_adopting_an_admin_is_refused_unless_the_platform_allows_it() -> None:
    from tenant_file.adoption import adoption_allow_list

    index = index_of([_acme_adopting(role="ADMIN")])
    rule = qs.adoption_owned_only(index)
    [message] = check(rule, QS_USER, qs_user(userRole="ADMIN"))
    assert message.startswith("user alice in namespace acme: tenant acme adopts 'alice' as ADMIN")
    assert rule.enforcement_level is EnforcementLevel.MANDATORY

    allow = adoption_allow_list(
        {"adoption": {"acme": {"users": ["alice"], "reason": "INC-1"}}}, "platform.yaml"
    )
    allowed = index_of([_acme_adopting(role="ADMIN")], adoption=allow)
    assert check(qs.adoption_owned_only(allowed), QS_USER, qs_user(userRole="ADMIN")) == []
    # One step inside the edge: an AUTHOR of its own namespace is the tenant's to adopt.
    author = qs.adoption_owned_only(index_of([_acme_adopting()]))
    assert check(author, QS_USER, qs_user()) == []


def test_adopting_an_existing_profile_is_refused_unless_the_platform_allows_it() -> None:
    from tests.tenant_files import example

    profiles = {k: p.model_dump() for k, p in example("acme").permission_profiles.items()}
    profiles["analyst"]["adopt"] = True
    rule = qs.adoption_owned_only(index_of([variant("acme", permission_profiles=profiles)]))
    props = {"customPermissionsName": "acme-analyst", "capabilities": {}}
    [message] = check(rule, QS_CUSTOM_PERMISSIONS, props)
    assert "adopts the existing CustomPermissions acme-analyst" in message
