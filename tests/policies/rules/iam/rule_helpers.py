"""Shared by the tests of policies/rules/iam/: rules built for no tenant, rendered roles."""

from __future__ import annotations

from policies.embed_role import (
    embed_role_permissions_policy,
    embed_role_trust_policy,
    policy_json,
)
from policies.rules.iam import managed, permissions, session
from policies.rules.iam import trust as trust_rules
from policies.tenant_index import TenantIndex, index_of
from tenant_file.config import TenantConfig
from tests.policies import iam_fixtures
from tests.policies.pack_helpers import (
    example,
    example_tenants,
    role,
)

ACCOUNT = "111122223333"
USER_ARN = f"arn:aws:quicksight:us-east-1:{ACCOUNT}:user"

NO_TENANTS = index_of([])
"""The rules that judge a resource alone ignore the tenant index."""
NO_ADMIN_MANAGED_POLICIES = managed.no_admin_managed_policies(NO_TENANTS)
EMBED_ROLE_EMBEDDING_ACTIONS_ONLY = permissions.embed_role_embedding_actions_only(NO_TENANTS)
NO_WILDCARD_ACTIONS = permissions.no_wildcard_actions(NO_TENANTS)
RESOURCE_STAR_ONLY_WHERE_REQUIRED = permissions.resource_star_only_where_required(NO_TENANTS)
SESSION_DURATION_EMBEDDING = session.session_duration_embedding(NO_TENANTS)
SESSION_DURATION_LIMIT = session.session_duration_limit(NO_TENANTS)
TRUST_ACCOUNT_ROOT_NEEDS_CONDITION = trust_rules.trust_account_root_needs_condition(NO_TENANTS)
TRUST_NO_WILDCARD_PRINCIPAL = trust_rules.trust_no_wildcard_principal(NO_TENANTS)


def umbrella() -> TenantConfig:
    """The fixture tenant in the shared default namespace."""
    return iam_fixtures.example_or_fixture("umbrella")


def index_with_umbrella() -> TenantIndex:
    return index_of([*example_tenants(), umbrella()])


def rendered_role(tenant_name: str) -> dict[str, object]:
    """The embed role and its inline policy as the program renders them (policies.embed_role)."""
    t = umbrella() if tenant_name == "umbrella" else example(tenant_name)
    permissions = embed_role_permissions_policy(t, partition="aws", account_id=ACCOUNT)
    return role(
        t.role_name,
        assumeRolePolicy=policy_json(embed_role_trust_policy(t)),
        inlinePolicies=[{"name": "quicksight-embedding", "policy": policy_json(permissions)}],
        maxSessionDuration=3600,
    )
