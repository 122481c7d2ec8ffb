"""IAM size quotas the embed role's documents must fit, checked before anything deploys.

The trust policy of an IAM-identity tenant lists every user name (as allowed session names), so
a large tenant (about 150 users of 8-character names) can outgrow IAM's quota; IAM would only
say so halfway through `pulumi up`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from embedder.config import TenantConfig
from embedder.errors import Problem
from policies.iam import (
    embed_role_permissions_policy,
    embed_role_trust_policy,
    partition_for_region,
    policy_size,
)

TRUST_POLICY_MAX_CHARS = 2048
"""IAM's default ACLSizePerRole quota (it can be raised to 4096 on request)."""
INLINE_POLICIES_MAX_CHARS = 10_240
"""IAM's limit on the inline policies of one role, together."""

_ANY_ACCOUNT = "0" * 12  # account ids are always 12 digits: the size does not depend on it


def policy_size_problems(loaded: Sequence[tuple[Path, TenantConfig]]) -> list[Problem]:
    """One Problem per tenant whose embed role documents would exceed IAM's quotas."""
    problems: list[Problem] = []
    for path, tenant in loaded:
        partition = partition_for_region(tenant.region)
        trust = policy_size(embed_role_trust_policy(tenant))
        if trust > TRUST_POLICY_MAX_CHARS:
            problems.append(
                Problem(
                    str(path),
                    "users",
                    f"the embed role's trust policy would be {trust} characters, IAM allows "
                    f"{TRUST_POLICY_MAX_CHARS} (the ACLSizePerRole quota); it lists every user "
                    f"name and embedding.app_principals: split the tenant or shorten the names",
                )
            )
        permissions = policy_size(
            embed_role_permissions_policy(tenant, partition=partition, account_id=_ANY_ACCOUNT)
        )
        if permissions > INLINE_POLICIES_MAX_CHARS:
            problems.append(
                Problem(
                    str(path),
                    "users",
                    f"the embed role's permissions policy would be {permissions} characters, "
                    f"IAM allows {INLINE_POLICIES_MAX_CHARS} of inline policy per role: "
                    f"split the tenant or shorten the user names",
                )
            )
    return problems
