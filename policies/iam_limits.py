"""IAM size quotas the embed role's documents must fit, checked before anything deploys.

Two documents grow with a tenant's users: the trust policy of an IAM-identity tenant lists
every user name (as allowed session names), and in the `default` namespace the permissions
policy lists every user's exact ARN (a wildcard there would reach every user of the account).
A large tenant can outgrow IAM's quotas, which IAM would only say halfway through `pulumi up`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from policies.embed_role import embed_role_permissions_policy, embed_role_trust_policy, policy_size
from policies.resources import DEFAULT_NAMESPACE
from tenant_file.config import TenantConfig
from tenant_file.errors import Problem
from tenant_file.names import partition_for_region

TRUST_POLICY_MAX_CHARS = 2048
"""IAM's default ACLSizePerRole quota (it can be raised to 4096 on request)."""
INLINE_POLICIES_MAX_CHARS = 10_240
"""IAM's limit on the inline policies of one role, together."""

_ANY_ACCOUNT = "0" * 12  # account ids are always 12 digits: the size does not depend on it


def policy_size_problems(loaded: Sequence[tuple[Path, TenantConfig]]) -> list[Problem]:
    """One Problem per tenant document that would exceed IAM's quotas, naming file and field."""
    problems: list[Problem] = []
    for path, tenant in loaded:
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
        account = tenant.account_id or _ANY_ACCOUNT
        permissions = policy_size(
            embed_role_permissions_policy(
                tenant, partition=partition_for_region(tenant.region), account_id=account
            )
        )
        if permissions > INLINE_POLICIES_MAX_CHARS:
            why = (
                "in the default namespace it names every user's exact ARN: give the tenant its "
                "own namespace, split the tenant or shorten the user names"
                if tenant.namespace == DEFAULT_NAMESPACE
                else "split the tenant or shorten the user names"
            )
            problems.append(
                Problem(
                    str(path),
                    "users",
                    f"the embed role's permissions policy would be {permissions} characters, "
                    f"IAM allows {INLINE_POLICIES_MAX_CHARS} of inline policy per role; {why}",
                )
            )
    return problems
