"""The least-privilege IAM policy `qs-embed drift` needs: reads only, scoped where IAM can.

Each action and the resource types it can be scoped to are those of the Service Authorization
Reference (parliament's copy, checked by tests/infra/test_drift_policy.py): ListRoles,
ListNamespaces and ListCustomPermissions have no resource type, so only `"*"` authorizes them;
the embed roles' reads are scoped to `role/qs-embed-*` and the users' to the tenants' regions.
sts:GetCallerIdentity needs no permission (STS API reference: "No permissions are required to
perform this operation").
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from policies.embed_role import ACCOUNT_PLACEHOLDER, POLICY_VERSION, PolicyDocument
from tenant_file.config import TenantConfig
from tenant_file.names import ROLE_NAME_PREFIX, partition_for_region

EMBED_ROLE_READS = (
    "iam:GetRole",
    "iam:GetRolePolicy",
    "iam:ListAttachedRolePolicies",
    "iam:ListRolePolicies",
)
UNSCOPED_LISTS = (
    "iam:ListRoles",
    "quicksight:ListCustomPermissions",
    "quicksight:ListNamespaces",
)
USER_READS = ("quicksight:DescribeUser", "quicksight:ListUsers")


def drift_reader_policy(
    tenants: Sequence[TenantConfig], *, account_id: str = ACCOUNT_PLACEHOLDER
) -> PolicyDocument:
    """What the identity running `qs-embed drift` needs to read the account for `tenants`.

    Users are read in every namespace of the tenants' regions (`user/*`): drift also looks for
    users no file declares, in namespaces no file declares."""
    roles: set[str] = set()
    users: set[str] = set()
    for tenant in tenants:
        account = tenant.account_id or account_id
        partition = partition_for_region(tenant.region)
        roles.add(f"arn:{partition}:iam::{account}:role/{ROLE_NAME_PREFIX}*")
        users.add(f"arn:{partition}:quicksight:{tenant.region}:{account}:user/*")
    statements: list[dict[str, Any]] = [
        {
            "Sid": "ReadEmbedRoles",
            "Effect": "Allow",
            "Action": list(EMBED_ROLE_READS),
            "Resource": sorted(roles),
        },
        {
            "Sid": "ListsWithNoResourceType",
            "Effect": "Allow",
            "Action": list(UNSCOPED_LISTS),
            "Resource": "*",
        },
        {
            "Sid": "ReadUsers",
            "Effect": "Allow",
            "Action": list(USER_READS),
            "Resource": sorted(users),
        },
    ]
    return {"Version": POLICY_VERSION, "Statement": statements}
