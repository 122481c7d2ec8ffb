"""The whole pack over what the real program declares under mocks, no engine.

The example tenants must pass with zero mandatory violations; an unsafe variant (a rogue
role, over-granting policies, a READER in the default namespace, a program that forgets
profiles...) must make every rule of the pack fire at least once.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import pulumi_aws as aws
from pulumi_policy import EnforcementLevel

from infra.offline import run_offline
from infra.offline_mocks import OfflineMocks
from infra.program import declare_tenants
from policies.pack import Declared, Violation, build_policies, run_pack
from policies.project import QS_DYNAMIC_USER, TENANT_STACK
from policies.rules.quicksight_rules import RETAIN_OUTPUT
from policies.tenant_index import TenantIndex, index_of
from review.declared import declare_program
from tenant_file.errors import Problem
from tests.policies.pack_helpers import ACME_PORTAL, allow, variant
from tests.tenant_files import example, example_tenants


@cache
def example_declared() -> tuple[Declared, ...]:
    return tuple(declare_program(example_tenants()))


def example_violations() -> list[Violation]:
    return run_pack(build_policies(index_of(example_tenants())), example_declared())


def test_the_program_declares_what_the_rules_read() -> None:
    types = {d.resource.resource_type for d in example_declared()}
    assert {
        "aws:iam/role:Role",
        "aws:iam/rolePolicy:RolePolicy",
        "aws:quicksight/namespace:Namespace",
        "aws:quicksight/customPermissions:CustomPermissions",
        # Users (with their profile) are the dynamic QuickSightUser (infra.quicksight_user).
        "pulumi-python:dynamic/quicksight:User",
    } <= types
    users = [d for d in example_declared() if d.resource.resource_type == QS_DYNAMIC_USER]
    assert len(users) == 6
    assert all(d.resource.parent is not None for d in users)
    assert all(d.resource.parent.resource_type == TENANT_STACK for d in users)  # type: ignore[union-attr]


def test_example_tenants_pass_with_advice_only() -> None:
    found = example_violations()
    assert [str(v) for v in found if v.mandatory] == []
    advisory = sorted(v.policy for v in found if not v.mandatory)
    # carol (acme) and fatima (globex) are ADMINs without a profile.
    assert advisory == ["quicksight-user-without-profile"] * 2


def test_the_retain_declaration_matches_the_real_resource_option() -> None:
    """What quicksight-users-retained trusts (the TenantStack's output) is what the program
    really sets on each user (retain_on_delete, recorded by the mock monitor)."""
    tenants = [example("acme"), variant("globex", retain_users_on_delete=False)]
    run = run_offline(lambda: declare_tenants(tenants), OfflineMocks(tenants))
    by_name = {t.tenant: t for t in tenants}
    components = {r.urn: r.name for r in run.resources if r.type == TENANT_STACK}
    for user in (r for r in run.resources if r.type == QS_DYNAMIC_USER):
        tenant = by_name[components[user.parent_urn]]
        assert user.retain_on_delete is tenant.retain_users_on_delete, user.name
        assert run.outputs[tenant.tenant][RETAIN_OUTPUT] is tenant.retain_users_on_delete


# -- the unsafe variant --------------------------------------------------------------------


FOREIGN_APP = "arn:aws:iam::444455556666:role/globex-partner"


def unsafe_resources() -> None:
    """Resources no tenant file can express, declared next to the program's."""
    rogue_trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"},
            {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                "Action": "sts:AssumeRole",
            },
        ],
    }
    aws.iam.Role(
        "rogue",
        name="qs-embed-rogue",
        assume_role_policy=json.dumps(rogue_trust),
        managed_policy_arns=["arn:aws:iam::aws:policy/AdministratorAccess"],
        max_session_duration=50_000,
    )
    aws.iam.RolePolicy(
        "acme-extra",
        role="qs-embed-acme",
        name="extra",
        policy=allow(["quicksight:*", "quicksight:GetAuthCode", "s3:GetObject"]),
    )
    # The reviewer's policy: GetAuthCode on every user of every namespace, region and account.
    aws.iam.RolePolicy(
        "acme-any-user",
        role="qs-embed-acme",
        name="any-user",
        policy=allow("quicksight:GetAuthCode", "arn:aws:quicksight:*:*:user/*"),
    )
    # A second globex role: no ExternalId (and an app of another account), any session name,
    # long sessions.
    globex = example("globex")
    aws.iam.Role(
        "globex-twin",
        name="qs-embed-globex",
        assume_role_policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {
                            "AWS": [*globex.embedding.app_principals, FOREIGN_APP],
                        },
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        ),
        max_session_duration=7200,
    )
    aws.quicksight.CustomPermissions(
        "acme-analyst-loose",
        custom_permissions_name="acme-analyst",
        capabilities=aws.quicksight.CustomPermissionsCapabilitiesArgs(export_to_csv="DENY"),
    )
    aws.quicksight.User(
        "reader",
        email="r@x.example",
        identity_type="QUICKSIGHT",
        user_name="reader",
        user_role="READER",
    )
    aws.quicksight.User(
        "stray",
        email="s@x.example",
        identity_type="QUICKSIGHT",
        user_name="alice",
        user_role="AUTHOR",
        namespace="acme",
    )
    aws.quicksight.User(
        "elsewhere",
        email="e@x.example",
        identity_type="QUICKSIGHT",
        user_name="ann",
        user_role="AUTHOR",
        namespace="initech",
    )


def _admin_adopted() -> list[dict[str, Any]]:
    """globex's users, its ADMIN fatima adopted (and no platform allow-list naming her)."""
    users = [u.model_dump() for u in example("globex").users]
    return [{**u, "adopt": u["role"] == "ADMIN"} for u in users]


def unsafe_run() -> tuple[list[Violation], list[str]]:
    globex = example("globex").model_dump(mode="python")
    dashboards_only = {**globex["embedding"], "experiences": ["dashboard"], "dashboards": ["d1"]}
    files = [
        example("acme"),
        variant(
            "globex",
            retain_users_on_delete=False,
            users=_admin_adopted(),
            embedding=dashboards_only,
        ),
    ]
    # The program is handed acme without profiles: a program that forgets to attach them; and
    # globex with the console its file no longer lists.
    forgetful = [
        variant("acme", users=[{**u.model_dump(), "profile": None} for u in example("acme").users]),
        variant("globex", retain_users_on_delete=False, users=_admin_adopted()),
    ]
    declared = declare_program(forgetful, unsafe_resources)
    broken = (Problem("tenants/initech.yaml", "users", "is required"),)
    policies = build_policies(TenantIndex(tuple(files), broken))
    return run_pack(policies, declared), [p.name for p in policies]


def test_every_rule_fires_on_the_unsafe_variant() -> None:
    found, names = unsafe_run()
    fired = {v.policy for v in found}
    assert set(names) - fired == set()
    levels = {v.policy: v.level for v in found}
    assert levels["iam-no-wildcard-actions"] is EnforcementLevel.MANDATORY
    assert levels["iam-session-duration-embedding"] is EnforcementLevel.ADVISORY


EXPECTED_LINES = [
    "mandatory iam-trust-no-wildcard-principal: role qs-embed-rogue trust policy statement 0: "
    "trusts * '*' (any AWS principal)",
    "mandatory iam-no-wildcard-actions: role qs-embed-acme policy 'extra' statement 0: "
    "'quicksight:*' allows every quicksight action",
    "mandatory quicksight-user-profile-attached: user alice of tenant acme: no "
    "UserCustomPermission attaches profile analyst",
    "mandatory quicksight-user-console-role: user reader in namespace default is READER",
    "mandatory stack-no-shared-namespace-or-role: namespace acme is used by "
    "<outside any TenantStack> and TenantStack acme",
    "mandatory iam-embed-role-tenant-users-only: role qs-embed-acme policy 'any-user' "
    "statement 0: quicksight:GetAuthCode on 'arn:aws:quicksight:*:*:user/*' reaches beyond "
    "tenant acme's users; tenant acme's users are "
    "arn:aws:quicksight:us-east-1:111122223333:user/acme/*",
    "mandatory iam-trust-session-names-pinned: role qs-embed-globex trust policy statement 0: "
    "allows sts:AssumeRole with any session name",
    "mandatory quicksight-adoption-owned-only: user fatima in namespace globex: tenant globex "
    "adopts 'fatima' as ADMIN: the tenant's app would open an administrator's console",
    "mandatory iam-embed-role-console-only-if-allowed: role qs-embed-globex policy "
    "'quicksight-embedding' statement 0 ('GetSessionEmbedUrlHasNoResourceType'): allows "
    "quicksight:GetSessionEmbedUrl, which mint the console, but tenant globex's "
    "embedding.experiences (dashboard) do not list console",
    "mandatory iam-embed-role-anonymous-scope: role qs-embed-acme policy 'extra' statement 0: "
    "allows quicksight:GenerateEmbedUrlForAnonymousUser on '*', beyond tenant acme's namespace "
    "and anonymous dashboards and topics",
]


def test_unsafe_variant_messages_name_the_culprit() -> None:
    found, _ = unsafe_run()
    text = "\n".join(str(v) for v in found)
    for line in EXPECTED_LINES:
        assert line in text
    assert ACME_PORTAL not in text  # the trusted portal is never a finding
