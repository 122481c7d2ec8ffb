"""IAM rules on trust policies: no wildcard principal, no bare account root, only the
tenant's app principals, its external id, pinned session names, no neighbour's account.
"""

from __future__ import annotations

from pulumi_policy import ReportViolation, ResourceValidationArgs

from policies.embed_role import STS_ROLE_SESSION_NAME, trusted_session_names
from policies.rules.iam.common import (
    allows_assume_role,
    checked_statements,
    external_ids,
    listed,
    pinned,
    tenant_of,
    tenant_statements,
    trusted,
    where,
)
from policies.rules.rule import ADVISORY, resource_rule
from policies.tenant_index import TenantIndex, is_embed_role_name
from tenant_file.trusted_accounts import (
    neighbours_in,
    principal_account,
    root_account,
    root_neighbour_message,
    trusted_root_message,
)

# -- trust policies ------------------------------------------------------------------------


@resource_rule(
    "iam-trust-no-wildcard-principal",
    "No role trusts '*' (Principal '*', AWS '*', wildcard ARNs or NotPrincipal).",
)
def trust_no_wildcard_principal(
    index: TenantIndex, args: ResourceValidationArgs, report: ReportViolation
) -> None:
    for doc, stmt in checked_statements(args, "trust"):
        if stmt.not_principals:
            report(
                f"{where(doc, stmt)}: NotPrincipal in an Allow statement trusts every "
                "principal not listed; list the app's exact role ARNs in Principal",
                None,
            )
        for kind, value in trusted(stmt):
            if "*" in value or kind == "*":
                who = "any AWS principal" if value == "*" else f"every principal matching {value}"
                report(
                    f"{where(doc, stmt)}: trusts {kind} {value!r} ({who}); list the app's "
                    "exact role ARNs in the tenant's embedding.app_principals",
                    None,
                )


@resource_rule(
    "iam-trust-account-root-needs-condition",
    "Trusting a whole account (root) needs a Condition such as sts:ExternalId.",
)
def trust_account_root_needs_condition(
    index: TenantIndex, args: ResourceValidationArgs, report: ReportViolation
) -> None:
    for doc, stmt in checked_statements(args, "trust"):
        if stmt.conditions:
            continue
        roots = [v for k, v in trusted(stmt) if k == "AWS" and root_account(v) is not None]
        for root in roots:
            report(
                f"{where(doc, stmt)}: trusts the whole account {root} with no Condition, so "
                "any role of that account an admin allows can assume it; require "
                "sts:ExternalId (embedding.external_id) or trust the app's exact role ARN",
                None,
            )


@resource_rule(
    "iam-trust-tenant-principals-only",
    "An embed role trusts only its tenant's embedding.app_principals.",
)
def trust_tenant_principals_only(
    index: TenantIndex, args: ResourceValidationArgs, report: ReportViolation
) -> None:
    """Embed roles trust exactly their tenant file's embedding.app_principals."""
    for doc, stmt in checked_statements(args, "trust"):
        if not is_embed_role_name(doc.role_name):
            continue
        tenant = tenant_of(index, doc)
        if tenant is None:
            report(
                f"{doc.where}: no tenant file declares the embed role {doc.role_name}, so "
                "its principals cannot be checked",
                None,
            )
            return
        listed = set(tenant.embedding.app_principals)
        for kind, value in trusted(stmt):
            if kind == "AWS" and value in listed:
                continue
            report(
                f"{where(doc, stmt)}: trusts {kind} {value!r}, which tenant "
                f"{tenant.tenant} does not list in embedding.app_principals "
                f"({', '.join(sorted(listed))})",
                None,
            )


@resource_rule(
    "iam-trust-requires-external-id",
    "When a tenant sets embedding.external_id, its role requires it.",
)
def trust_requires_external_id(
    index: TenantIndex, args: ResourceValidationArgs, report: ReportViolation
) -> None:
    """A tenant with embedding.external_id gets a trust policy that requires exactly it."""
    for doc, stmt, tenant in tenant_statements(index, args, "trust"):
        secret = tenant.embedding.external_id
        if secret is None or not allows_assume_role(stmt):
            continue
        found = external_ids(stmt)
        # The messages never repeat the external id: it is a secret of the tenant file.
        if not found:
            report(
                f"{where(doc, stmt)}: allows sts:AssumeRole without the sts:ExternalId "
                f"condition tenant {tenant.tenant} sets in embedding.external_id",
                None,
            )
        elif found != {secret.get_secret_value()}:
            report(
                f"{where(doc, stmt)}: requires an sts:ExternalId other than tenant "
                f"{tenant.tenant}'s embedding.external_id",
                None,
            )


@resource_rule(
    "iam-trust-session-names-pinned",
    "IAM-identity embed roles may be assumed only with a session name that is "
    "a user of the tenant file (StringEquals on sts:RoleSessionName).",
)
def trust_session_names_pinned(
    index: TenantIndex, args: ResourceValidationArgs, report: ReportViolation
) -> None:
    """IAM identity: the role session name is the QuickSight user, so the trust policy allows
    only the tenant file's user names as session names."""
    for doc, stmt, tenant in tenant_statements(index, args, "trust"):
        if tenant.embedding.identity != "iam":
            continue
        if not allows_assume_role(stmt):
            continue
        users = set(trusted_session_names(tenant))
        names = pinned(stmt, ("StringEquals",), STS_ROLE_SESSION_NAME)
        if names is None:
            report(
                f"{where(doc, stmt)}: allows sts:AssumeRole with any session name, and with "
                f"IAM identity the session name is the QuickSight user: pin "
                f"sts:RoleSessionName with StringEquals to tenant {tenant.tenant}'s users "
                f"({listed(users)})",
                None,
            )
        elif names - users:
            report(
                f"{where(doc, stmt)}: sts:RoleSessionName allows {listed(names - users)}, "
                f"which tenant {tenant.tenant}'s file has no user for; with IAM identity "
                "each session name is a QuickSight user",
                None,
            )


@resource_rule(
    "iam-trust-root-no-neighbours",
    "An embed role trusts no account root where another tenant's app principal lives.",
)
def trust_root_without_neighbours(
    index: TenantIndex, args: ResourceValidationArgs, report: ReportViolation
) -> None:
    """No embed role trusts a whole account where another tenant's app principal lives: that
    app could assume the role (the ExternalId is readable in the repository's tenant files).
    Both sides are refused, against the whole directory (a sharded stack's index holds its
    shard's tenants, and the directory): the role trusting the root, and a role trusting an
    app that lives in an account some tenant of any shard trusts as a whole."""
    for doc, stmt in checked_statements(args, "trust"):
        if not is_embed_role_name(doc.role_name):
            continue
        tenant = tenant_of(index, doc)
        owner = tenant.tenant if tenant else ""
        for kind, value in trusted(stmt):
            if kind != "AWS":
                continue
            account = root_account(value)
            if account is not None:
                found = neighbours_in(account, index.apps_by_account, besides=owner)
                if found:
                    report(f"{where(doc, stmt)}: {root_neighbour_message(value, found)}", None)
                continue
            account = principal_account(value)
            found = neighbours_in(account, index.roots_by_account, besides=owner) if account else []
            if found:
                message = f"{where(doc, stmt)}: {value} {trusted_root_message(value, found)}"
                report(message, None)


@resource_rule(
    "iam-trust-other-account-external-id",
    "An app principal of another account than the tenant's is trusted with "
    "an sts:ExternalId (embedding.external_id).",
    ADVISORY,
)
def trust_other_account_external_id(
    index: TenantIndex, args: ResourceValidationArgs, report: ReportViolation
) -> None:
    """Advisory: an app principal in another account than the tenant's, trusted without an
    ExternalId. Judged where the tenant file names its account_id (else the account is the
    deploying caller's, unknown offline)."""
    for doc, stmt, tenant in tenant_statements(index, args, "trust"):
        if tenant.account_id is None or external_ids(stmt):
            continue
        for kind, value in trusted(stmt):
            account = (root_account(value) or principal_account(value)) if kind == "AWS" else None
            if account is not None and account != tenant.account_id:
                report(
                    f"{where(doc, stmt)}: trusts {value} of account {account}, not tenant "
                    f"{tenant.tenant}'s account {tenant.account_id}, without an "
                    "sts:ExternalId; set embedding.external_id so that a role of that "
                    "account cannot be used as a confused deputy",
                    None,
                )
