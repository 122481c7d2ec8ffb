"""IAM rules: least privilege for embed roles, and trust only of the tenant's own apps.

Each rule reads the IAM documents a resource carries (a role's trust and inline policies, a
role policy, a managed policy) and reports one message per offending statement, naming the
role, the document, the statement and what would be allowed instead. One module per concern
(`permissions`, `trust`, `managed`, `session`; shared reading in `common`); every rule is a
`@resource_rule` function (`policies.rules.rule`): called with the tenant index, it gives its
`ResourceValidationPolicy`. Every rule is listed in `RULES`.
"""

from __future__ import annotations

from pulumi_policy import ResourceValidationPolicy

from policies.rules.iam import managed, permissions, session, trust
from policies.rules.rule import ResourceRule
from policies.tenant_index import TenantIndex

RULES: tuple[ResourceRule, ...] = (
    permissions.no_wildcard_actions,
    permissions.embed_role_embedding_actions_only,
    permissions.resource_star_only_where_required,
    trust.trust_no_wildcard_principal,
    trust.trust_account_root_needs_condition,
    managed.no_admin_managed_policies,
    session.session_duration_limit,
    session.session_duration_embedding,
    permissions.embed_role_tenant_users_only,
    trust.trust_tenant_principals_only,
    trust.trust_requires_external_id,
    trust.trust_session_names_pinned,
    trust.trust_root_without_neighbours,
    trust.trust_other_account_external_id,
    permissions.embed_role_register_user_opt_in,
    permissions.embed_role_allowed_domains,
)
"""Every IAM rule, in the order the pack reports them."""


def rules(index: TenantIndex) -> list[ResourceValidationPolicy]:
    return [rule(index) for rule in RULES]
