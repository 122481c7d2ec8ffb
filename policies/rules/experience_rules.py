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

from policies.action_wildcards import expand, is_wildcard, service_of
from policies.embed_role import (
    ACCOUNT_PLACEHOLDER,
    GENERATE_ANONYMOUS_EMBED_URL,
    GET_AUTH_CODE,
    GET_SESSION_EMBED_URL,
    anonymous_resources,
)
from policies.rules.iam.common import (
    MANDATORY,
    checked_statements,
    listed,
    tenant_of,
    where,
)
from policies.rules.iam.permissions import ACCOUNT_ID
from policies.tenant_index import TenantIndex
from tenant_file.config import TenantConfig
from tenant_file.names import partition_for_region

CONSOLE_ACTIONS = frozenset({GET_SESSION_EMBED_URL, GET_AUTH_CODE})


def _reaches(action: str, wanted: frozenset[str]) -> set[str]:
    """The actions of `wanted` that an action or pattern of a statement allows."""
    if action in {"*", "*:*"}:
        action = "quicksight:*"
    if service_of(action) != "quicksight":
        return set()
    names = expand(action) if is_wildcard(action) else {action}
    lowered = {n.lower() for n in names}
    return {w for w in wanted if w.lower() in lowered}


def _allowed_anonymous(tenant: TenantConfig, resource: str) -> list[str]:
    """`policies.iam.anonymous_resources` in the file's account (else the resource's, if it is
    one account, as `policies.rules.iam.permissions` reads user ARNs)."""
    parts = resource.split(":", 5)
    account = tenant.account_id or (parts[4] if len(parts) == 6 else "")
    if not (ACCOUNT_ID.fullmatch(account) or account == ACCOUNT_PLACEHOLDER):
        account = ACCOUNT_PLACEHOLDER
    partition = partition_for_region(tenant.region)
    return anonymous_resources(tenant, partition=partition, account_id=account)


def embed_role_anonymous_scope(index: TenantIndex) -> ResourceValidationPolicy:
    """GenerateEmbedUrlForAnonymousUser only for tenants with anonymous readers, and only on
    their namespace and listed dashboards and topics (exact ARNs, no wildcard)."""
    wanted = frozenset({GENERATE_ANONYMOUS_EMBED_URL})

    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        for doc, stmt in checked_statements(args, "permissions"):
            tenant = tenant_of(index, doc)
            if tenant is None or not any(_reaches(a, wanted) for a in stmt.actions):
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

    return ResourceValidationPolicy(
        name="iam-embed-role-anonymous-scope",
        description="An embed role mints anonymous URLs (GenerateEmbedUrlForAnonymousUser) "
        "only when its tenant file has an anonymous section, and only on the tenant's "
        "namespace and the dashboards and topics it lists.",
        enforcement_level=MANDATORY,
        validate=validate,
    )


def embed_role_console_only_if_allowed(index: TenantIndex) -> ResourceValidationPolicy:
    """GetSessionEmbedUrl and GetAuthCode only for tenants whose experiences list the console."""

    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        for doc, stmt in checked_statements(args, "permissions"):
            tenant = tenant_of(index, doc)
            if tenant is None or "console" in tenant.embedding.experiences:
                continue
            found = {r for a in stmt.actions for r in _reaches(a, CONSOLE_ACTIONS)}
            if found:
                report(
                    f"{where(doc, stmt)}: allows {listed(found)}, which mint the console, but "
                    f"tenant {tenant.tenant}'s embedding.experiences "
                    f"({', '.join(tenant.embedding.experiences)}) do not list console",
                    None,
                )

    return ResourceValidationPolicy(
        name="iam-embed-role-console-only-if-allowed",
        description="An embed role may mint the console (GetSessionEmbedUrl, GetAuthCode) only "
        "when its tenant's embedding.experiences list console.",
        enforcement_level=MANDATORY,
        validate=validate,
    )


def rules(index: TenantIndex) -> list[ResourceValidationPolicy]:
    return [embed_role_anonymous_scope(index), embed_role_console_only_if_allowed(index)]
