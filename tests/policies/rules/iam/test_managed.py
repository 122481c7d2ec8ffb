"""The managed-policy rule (policies/rules/iam/managed.py), without the engine."""

from __future__ import annotations

import pytest

from policies.resources import (
    ROLE,
    ROLE_POLICY_ATTACHMENT,
    ROLE_POLICY_ATTACHMENTS_EXCLUSIVE,
)
from tests.policies.pack_helpers import (
    check,
    role,
)
from tests.policies.rules.iam.rule_helpers import (
    NO_ADMIN_MANAGED_POLICIES,
)

# -- managed policies ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("type_token", "props"),
    [
        (ROLE, role(managedPolicyArns=["arn:aws:iam::aws:policy/AdministratorAccess"])),
        (
            ROLE_POLICY_ATTACHMENT,
            {"role": "qs-embed-acme", "policyArn": "arn:aws:iam::aws:policy/PowerUserAccess"},
        ),
        (
            ROLE_POLICY_ATTACHMENTS_EXCLUSIVE,
            {"roleName": "qs-embed-acme", "policyArns": ["arn:aws:iam::aws:policy/IAMFullAccess"]},
        ),
        (
            ROLE_POLICY_ATTACHMENT,
            {
                "role": "arn:aws:iam::111122223333:role/qs-embed-acme",
                "policyArn": "arn:aws:iam::aws:policy/AmazonQuickSightFullAccess",
            },
        ),
    ],
)
def test_admin_managed_policies_on_embed_roles(type_token: str, props: dict[str, object]) -> None:
    [message] = check(NO_ADMIN_MANAGED_POLICIES, type_token, props)
    assert message.startswith("role qs-embed-acme: managed policy arn:aws:iam::aws:policy/")
    assert "grants far more than embedding" in message


def test_admin_policies_on_other_roles_are_not_this_packs_business() -> None:
    props = {"role": "ci-admin", "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}
    assert check(NO_ADMIN_MANAGED_POLICIES, ROLE_POLICY_ATTACHMENT, props) == []
