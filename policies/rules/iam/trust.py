"""IAM rules on trust policies: no wildcard principal, no bare account root, only the
tenant's app principals, its external id, pinned session names, no neighbour's account.
"""

from __future__ import annotations

from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy

from policies.embed_role import STS_ROLE_SESSION_NAME
from policies.rules.iam.common import (
    ADVISORY,
    MANDATORY,
    allows_assume_role,
    checked_statements,
    external_ids,
    listed,
    pinned,
    tenant_of,
    trusted,
    where,
)
from policies.tenant_index import TenantIndex, is_embed_role_name
from tenant_file.trusted_accounts import (
    apps_by_account,
    neighbours_in,
    principal_account,
    root_account,
    root_neighbour_message,
)

# -- trust policies ------------------------------------------------------------------------


def _trust_no_wildcard(args: ResourceValidationArgs, report: ReportViolation) -> None:
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


def trust_no_wildcard_principal(index: TenantIndex) -> ResourceValidationPolicy:
    return ResourceValidationPolicy(
        name="iam-trust-no-wildcard-principal",
        description="No role trusts '*' (Principal '*', AWS '*', wildcard ARNs or NotPrincipal).",
        enforcement_level=MANDATORY,
        validate=_trust_no_wildcard,
    )


def _trust_root_condition(args: ResourceValidationArgs, report: ReportViolation) -> None:
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


def trust_account_root_needs_condition(index: TenantIndex) -> ResourceValidationPolicy:
    return ResourceValidationPolicy(
        name="iam-trust-account-root-needs-condition",
        description="Trusting a whole account (root) needs a Condition such as sts:ExternalId.",
        enforcement_level=MANDATORY,
        validate=_trust_root_condition,
    )


def trust_tenant_principals_only(index: TenantIndex) -> ResourceValidationPolicy:
    """Embed roles trust exactly their tenant file's embedding.app_principals."""

    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
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

    return ResourceValidationPolicy(
        name="iam-trust-tenant-principals-only",
        description="An embed role trusts only its tenant's embedding.app_principals.",
        enforcement_level=MANDATORY,
        validate=validate,
    )


def trust_requires_external_id(index: TenantIndex) -> ResourceValidationPolicy:
    """A tenant with embedding.external_id gets a trust policy that requires exactly it."""

    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        for doc, stmt in checked_statements(args, "trust"):
            tenant = tenant_of(index, doc)
            secret = tenant.embedding.external_id if tenant else None
            if tenant is None or secret is None or not allows_assume_role(stmt):
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

    return ResourceValidationPolicy(
        name="iam-trust-requires-external-id",
        description="When a tenant sets embedding.external_id, its role requires it.",
        enforcement_level=MANDATORY,
        validate=validate,
    )


def trust_session_names_pinned(index: TenantIndex) -> ResourceValidationPolicy:
    """IAM identity: the role session name is the QuickSight user, so the trust policy allows
    only the tenant file's user names as session names."""

    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        for doc, stmt in checked_statements(args, "trust"):
            tenant = tenant_of(index, doc)
            if tenant is None or tenant.embedding.identity != "iam":
                continue
            if not allows_assume_role(stmt):
                continue
            users = {u.name for u in tenant.users}
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

    return ResourceValidationPolicy(
        name="iam-trust-session-names-pinned",
        description="IAM-identity embed roles may be assumed only with a session name that is "
        "a user of the tenant file (StringEquals on sts:RoleSessionName).",
        enforcement_level=MANDATORY,
        validate=validate,
    )


def trust_root_without_neighbours(index: TenantIndex) -> ResourceValidationPolicy:
    """No embed role trusts a whole account where another tenant's app principal lives: that
    app could assume the role (the ExternalId is readable in the repository's tenant files)."""
    apps = apps_by_account(index.tenants)

    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        for doc, stmt in checked_statements(args, "trust"):
            if not is_embed_role_name(doc.role_name):
                continue
            tenant = tenant_of(index, doc)
            owner = tenant.tenant if tenant else ""
            for kind, value in trusted(stmt):
                account = root_account(value) if kind == "AWS" else None
                found = neighbours_in(account, apps, besides=owner) if account else []
                if found:
                    report(f"{where(doc, stmt)}: {root_neighbour_message(value, found)}", None)

    return ResourceValidationPolicy(
        name="iam-trust-root-no-neighbours",
        description="An embed role trusts no account root where another tenant's app "
        "principal lives.",
        enforcement_level=MANDATORY,
        validate=validate,
    )


def trust_other_account_external_id(index: TenantIndex) -> ResourceValidationPolicy:
    """Advisory: an app principal in another account than the tenant's, trusted without an
    ExternalId. Judged where the tenant file names its account_id (else the account is the
    deploying caller's, unknown offline)."""

    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        for doc, stmt in checked_statements(args, "trust"):
            tenant = tenant_of(index, doc)
            if tenant is None or tenant.account_id is None or external_ids(stmt):
                continue
            for kind, value in trusted(stmt):
                account = (
                    (root_account(value) or principal_account(value)) if kind == "AWS" else None
                )
                if account is not None and account != tenant.account_id:
                    report(
                        f"{where(doc, stmt)}: trusts {value} of account {account}, not tenant "
                        f"{tenant.tenant}'s account {tenant.account_id}, without an "
                        "sts:ExternalId; set embedding.external_id so that a role of that "
                        "account cannot be used as a confused deputy",
                        None,
                    )

    return ResourceValidationPolicy(
        name="iam-trust-other-account-external-id",
        description="An app principal of another account than the tenant's is trusted with "
        "an sts:ExternalId (embedding.external_id).",
        enforcement_level=ADVISORY,
        validate=validate,
    )
