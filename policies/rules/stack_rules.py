"""Stack rules: tenants stay apart — one embed role each, no namespace or role shared.

A resource belongs to the TenantStack component above it. Two components claiming the same
namespace or role would let one tenant's app mint URLs for another tenant's users.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from pulumi_policy import (
    PolicyResource,
    ReportViolation,
    StackValidationArgs,
    StackValidationPolicy,
)

from policies.resources import (
    QS_NAMESPACE,
    QS_USER_CUSTOM_PERMISSION,
    QS_USER_TYPES,
    ROLE,
    role_name_of_arn,
    text,
)
from policies.rules.props import known_text, tenant_stack_of
from policies.rules.rule import StackRule, stack_rule
from policies.tenant_index import TenantIndex, is_embed_role_name

OUTSIDE = "<outside any TenantStack>"


def _owner(resource: PolicyResource) -> str:
    component = tenant_stack_of(resource)
    return f"TenantStack {component.name}" if component else OUTSIDE


@stack_rule(
    "stack-one-embed-role-per-tenant",
    "One embed role (qs-embed-<tenant>) per tenant file, and none without one.",
)
def one_embed_role_per_tenant(
    index: TenantIndex, args: StackValidationArgs, report: ReportViolation
) -> None:
    """Each tenant file has exactly one embed role; no embed role lacks a tenant file."""
    names = Counter(text(r.props, "name") or "" for r in args.resources if r.resource_type == ROLE)
    for tenant in index.tenants:
        count = names.get(tenant.role_name, 0)
        if count != 1:
            report(
                f"tenant {tenant.tenant}: the stack declares {count} roles named "
                f"{tenant.role_name}; each tenant has exactly one embed role",
                None,
            )
    for name in sorted(n for n in names if is_embed_role_name(n)):
        if index.tenants and index.by_role(name) is None:
            report(f"role {name}: an embed role no tenant file declares", None)


def _namespace_claims(args: StackValidationArgs) -> Iterator[tuple[str, str]]:
    for r in args.resources:
        if r.resource_type in {QS_NAMESPACE, QS_USER_CUSTOM_PERMISSION, *QS_USER_TYPES}:
            namespace = text(r.props, "namespace")
            if namespace:
                yield namespace, _owner(r)


def _role_claims(args: StackValidationArgs) -> Iterator[tuple[str, str]]:
    for r in args.resources:
        if r.resource_type == ROLE and text(r.props, "name"):
            yield str(text(r.props, "name")), _owner(r)
        elif r.resource_type in QS_USER_TYPES:
            role = role_name_of_arn(known_text(r.props, "iamArn") or "")
            if role:
                yield role, _owner(r)


def _report_shared(kind: str, claims: Iterator[tuple[str, str]], report: ReportViolation) -> None:
    owners: dict[str, set[str]] = {}
    for name, owner in claims:
        owners.setdefault(name, set()).add(owner)
    for name, who in sorted(owners.items()):
        if len(who) > 1:
            report(
                f"{kind} {name} is used by {' and '.join(sorted(who))}; tenants never share "
                f"a {kind}",
                None,
            )


@stack_rule(
    "stack-no-shared-namespace-or-role",
    "No two tenants share a QuickSight namespace or an IAM role.",
)
def no_shared_namespace_or_role(
    index: TenantIndex, args: StackValidationArgs, report: ReportViolation
) -> None:
    _report_shared("namespace", _namespace_claims(args), report)
    _report_shared("role", _role_claims(args), report)


@stack_rule(
    "stack-tenant-files-valid",
    "The tenant files the stack is checked against are valid.",
)
def tenant_files_valid(
    index: TenantIndex, args: StackValidationArgs, report: ReportViolation
) -> None:
    """The pack checks the stack against the tenant files; broken files refuse the stack."""
    for problem in index.problems:
        report(f"tenant files: {problem}", None)


RULES: tuple[StackRule, ...] = (
    tenant_files_valid,
    one_embed_role_per_tenant,
    no_shared_namespace_or_role,
)
"""Every stack rule, in the order the pack reports them."""


def rules(index: TenantIndex) -> list[StackValidationPolicy]:
    return [rule(index) for rule in RULES]
