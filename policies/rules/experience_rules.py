"""IAM rules for what a tenant may embed beyond the console (`embedding.experiences`,
`anonymous`).

GenerateEmbedUrlForAnonymousUser can be scoped (Service Authorization Reference: resource
types `namespace` (required), `dashboard`, `theme`, `topic`), so an embed role may call it only
on its tenant's namespace and the dashboards and topics its file lists, and only when the file
has an `anonymous` section. The console's own actions (GetSessionEmbedUrl, GetAuthCode) only
for tenants whose experiences include the console.
"""

from __future__ import annotations

from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy

from policies.embed_role import (
    GENERATE_ANONYMOUS_EMBED_URL,
    GET_AUTH_CODE,
    GET_SESSION_EMBED_URL,
    anonymous_resources,
)
from policies.rules.iam.common import (
    listed,
    reaches,
    scope_of,
    tenant_statements,
    where,
)
from policies.rules.rule import ResourceRule, resource_rule
from policies.tenant_index import TenantIndex
from tenant_file.config import TenantConfig

CONSOLE_ACTIONS = frozenset({GET_SESSION_EMBED_URL, GET_AUTH_CODE})
ANONYMOUS_ACTIONS = frozenset({GENERATE_ANONYMOUS_EMBED_URL})


def _allowed_anonymous(tenant: TenantConfig, resource: str) -> list[str]:
    """`policies.embed_role.anonymous_resources`, in the account of `scope_of`."""
    partition, account = scope_of(tenant, resource)
    return anonymous_resources(tenant, partition=partition, account_id=account)


@resource_rule(
    "iam-embed-role-anonymous-scope",
    "An embed role mints anonymous URLs (GenerateEmbedUrlForAnonymousUser) "
    "only when its tenant file has an anonymous section, and only on the tenant's "
    "namespace and the dashboards and topics it lists.",
)
def embed_role_anonymous_scope(
    index: TenantIndex, args: ResourceValidationArgs, report: ReportViolation
) -> None:
    """GenerateEmbedUrlForAnonymousUser only for tenants with anonymous readers, and only on
    their namespace and listed dashboards and topics (exact ARNs, no wildcard)."""
    for doc, stmt, tenant in tenant_statements(index, args, "permissions"):
        if not any(reaches(a, ANONYMOUS_ACTIONS) for a in stmt.actions):
            continue
        found = f"{where(doc, stmt)}: allows {GENERATE_ANONYMOUS_EMBED_URL}"
        if tenant.anonymous is None:
            report(
                f"{found}, but tenant {tenant.tenant}'s file has no anonymous section: "
                "its app may not mint URLs for readers without a QuickSight user",
                None,
            )
            continue
        if stmt.not_resources:
            report(
                f"{found} with NotResource: it reaches every namespace and dashboard not "
                "listed; name the tenant's",
                None,
            )
        for resource in stmt.resources:
            allowed = _allowed_anonymous(tenant, resource)
            if resource not in allowed:
                report(
                    f"{found} on {resource!r}, beyond tenant {tenant.tenant}'s namespace "
                    f"and anonymous dashboards and topics ({listed(set(allowed), 3)})",
                    None,
                )


@resource_rule(
    "iam-embed-role-console-only-if-allowed",
    "An embed role may mint the console (GetSessionEmbedUrl, GetAuthCode) only "
    "when its tenant's embedding.experiences list console.",
)
def embed_role_console_only_if_allowed(
    index: TenantIndex, args: ResourceValidationArgs, report: ReportViolation
) -> None:
    """GetSessionEmbedUrl and GetAuthCode only for tenants whose experiences list the console."""
    for doc, stmt, tenant in tenant_statements(index, args, "permissions"):
        if "console" in tenant.embedding.experiences:
            continue
        found = {r for a in stmt.actions for r in reaches(a, CONSOLE_ACTIONS)}
        if found:
            report(
                f"{where(doc, stmt)}: allows {listed(found)}, which mint the console, but "
                f"tenant {tenant.tenant}'s embedding.experiences "
                f"({', '.join(tenant.embedding.experiences)}) do not list console",
                None,
            )


RULES: tuple[ResourceRule, ...] = (
    embed_role_anonymous_scope,
    embed_role_console_only_if_allowed,
)
"""Every experience rule, in the order the pack reports them."""


def rules(index: TenantIndex) -> list[ResourceValidationPolicy]:
    return [rule(index) for rule in RULES]
