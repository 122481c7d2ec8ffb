"""QuickSight rules: console-capable users, in their tenant's namespace, restricted as the
tenant file says, and never deleted (with their assets) without the tenant's opt-in.

Users are matched to their tenant by namespace (unique per tenant, refused otherwise by the
loader) and to the tenant file's user by QuickSight user name or, for IAM identity, by the
role session name.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import (
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from policies.resources import (
    DEFAULT_NAMESPACE,
    QS_CUSTOM_PERMISSIONS,
    QS_NAMESPACE,
    QS_USER_CUSTOM_PERMISSION,
    QS_USER_TYPES,
    namespace_of,
    role_name_of_arn,
    text,
)
from policies.rules.props import known_text, tenant_stack_of
from policies.rules.rule import ADVISORY, ResourceRule, StackRule, resource_rule, stack_rule
from policies.tenant_index import TenantIndex
from tenant_file.adoption import profile_adoption_problem, user_adoption_problem
from tenant_file.config import TenantConfig, TenantUser, console_user_roles
from tenant_file.limits import CAPABILITY_DENY, capability_key

RETAIN_OUTPUT = "retainUsersOnDelete"
"""The TenantStack output that says its users are kept when removed from the tenant file.

Pulumi does not show `retain_on_delete` to policies (neither `Analyze` nor `AnalyzeStack`
carries it; only `protect` is visible), so the component declares it as an output and the
stack policy checks the declaration against the tenant file.
"""


def user_login(props: Mapping[str, Any]) -> str | None:
    """The tenant file's user name: the session name for IAM identity, else the user name."""
    key = "sessionName" if text(props, "identityType") == "IAM" else "userName"
    return text(props, key)


def user_label(props: Mapping[str, Any], resource_name: str) -> str:
    return f"user {user_login(props) or resource_name} in namespace {namespace_of(props)}"


def _tenant_user(
    index: TenantIndex, props: Mapping[str, Any]
) -> tuple[TenantConfig, TenantUser] | None:
    tenant = index.by_namespace(namespace_of(props))
    login = user_login(props)
    user = tenant.user(login) if tenant and login else None
    return (tenant, user) if tenant and user else None


# -- resource rules ------------------------------------------------------------------------


@resource_rule(
    "quicksight-user-console-role",
    "Users embedded in the console are AUTHOR or ADMIN (or their _PRO forms).",
)
def user_console_role(
    index: TenantIndex, args: ResourceValidationArgs, report: ReportViolation
) -> None:
    if args.resource_type not in QS_USER_TYPES:
        return
    role = text(args.props, "userRole")
    allowed = console_user_roles()
    if role not in allowed:
        report(
            f"{user_label(args.props, args.name)} is {role}: the embedded console needs "
            f"{', '.join(allowed)}",
            None,
        )


@resource_rule(
    "quicksight-profile-denies-configured",
    "Permission profiles deny at least what the tenant file's profile denies.",
)
def profile_denies_configured(
    index: TenantIndex, args: ResourceValidationArgs, report: ReportViolation
) -> None:
    """A CustomPermissions denies at least every capability its tenant profile lists."""
    if args.resource_type != QS_CUSTOM_PERMISSIONS:
        return
    name = text(args.props, "customPermissionsName") or args.name
    owner = index.by_profile_name(name)
    if owner is None:
        report(
            f"custom permissions {name}: no tenant file defines this profile "
            "(expected <tenant>-<profile> of a permission_profiles entry)",
            None,
        )
        return
    tenant, key = owner
    raw = args.props.get("capabilities")
    capabilities = raw if isinstance(raw, Mapping) else {}
    denied = {capability_key(k) for k, v in capabilities.items() if v == CAPABILITY_DENY}
    wanted = tenant.permission_profiles[key].deny
    missing = [c for c in wanted if capability_key(c) not in denied]
    if missing:
        report(
            f"custom permissions {name}: does not deny {', '.join(missing)}, which tenant "
            f"{tenant.tenant} denies in permission_profiles.{key}; its users would keep them",
            None,
        )


@resource_rule(
    "quicksight-user-in-tenant-namespace",
    "Each user is a user of the tenant file owning its namespace; the default "
    "namespace only where a tenant chose it.",
)
def user_in_tenant_namespace(
    index: TenantIndex, args: ResourceValidationArgs, report: ReportViolation
) -> None:
    """A user lives in its tenant's namespace; `default` only where a tenant chose it."""
    if args.resource_type not in QS_USER_TYPES:
        return
    label = user_label(args.props, args.name)
    namespace = namespace_of(args.props)
    tenant = index.by_namespace(namespace)
    if tenant is None:
        if namespace == DEFAULT_NAMESPACE:
            report(
                f"{label}: no tenant chose the shared default namespace; give the "
                "tenant its own namespace, or set `namespace: default` in its file",
                None,
            )
        else:
            report(f"{label}: no tenant file uses namespace {namespace}", None)
        return
    # iamArn is the role's ARN, known only once the role exists: checked when known.
    role = role_name_of_arn(known_text(args.props, "iamArn") or "")
    if role is not None and role != tenant.role_name:
        report(
            f"{label}: is a session of role {role}, but namespace {namespace} belongs to "
            f"tenant {tenant.tenant}, whose embed role is {tenant.role_name}",
            None,
        )
    login = user_login(args.props)
    if login is None or tenant.user(login) is None:
        report(f"{label}: tenant {tenant.tenant}'s file has no user {login!r}", None)


# -- stack rules ---------------------------------------------------------------------------


def _of_type(args: StackValidationArgs, type_token: str) -> list[PolicyResource]:
    return [r for r in args.resources if r.resource_type == type_token]


def _users(args: StackValidationArgs) -> list[PolicyResource]:
    return [r for r in args.resources if r.resource_type in QS_USER_TYPES]


@stack_rule(
    "quicksight-user-profile-attached",
    "Users with a profile in the tenant file have exactly that profile attached.",
)
def user_profile_attached(
    index: TenantIndex, args: StackValidationArgs, report: ReportViolation
) -> None:
    """Every user the file gives a profile has exactly it attached (by a UserCustomPermission,
    or as the `customPermissionsName` of a QuickSightUser)."""
    attached: dict[tuple[str, str], set[str]] = {}
    for a in _of_type(args, QS_USER_CUSTOM_PERMISSION):
        key = (namespace_of(a.props), text(a.props, "userName") or "")
        attached.setdefault(key, set()).add(text(a.props, "customPermissionsName") or "")
    for r in _users(args):
        # A QuickSightUser carries its profile itself.
        own = text(r.props, "customPermissionsName")
        if own is not None:
            key = (namespace_of(r.props), text(r.props, "userName") or "")
            attached.setdefault(key, set()).add(own)
    for r in _users(args):
        found = _tenant_user(index, r.props)
        if found is None or found[1].profile is None:
            continue
        tenant, user = found
        expected = tenant.profile_name(str(user.profile))
        names = attached.get((tenant.namespace, tenant.quicksight_user_name(user.name)))
        label = f"user {user.name} of tenant {tenant.tenant}"
        if not names:
            report(
                f"{label}: no UserCustomPermission attaches profile {user.profile} "
                f"({expected}); the user keeps every capability the profile denies",
                r.urn,
            )
        elif names != {expected}:
            report(
                f"{label}: attached {', '.join(sorted(names))}, but the tenant file says "
                f"profile {user.profile} ({expected})",
                r.urn,
            )


@stack_rule(
    "quicksight-user-without-profile",
    "Users of a tenant with profiles should have one attached.",
    ADVISORY,
)
def user_without_profile(
    index: TenantIndex, args: StackValidationArgs, report: ReportViolation
) -> None:
    """In a tenant that defines profiles, a user without one keeps every capability."""
    for r in _users(args):
        found = _tenant_user(index, r.props)
        if found is None:
            continue
        tenant, user = found
        if tenant.permission_profiles and user.profile is None:
            report(
                f"user {user.name} of tenant {tenant.tenant} has no permission profile: "
                f"they keep every capability of {user.role} (the tenant defines "
                f"{', '.join(sorted(tenant.permission_profiles))})",
                r.urn,
            )


def _retain_problem(
    component: PolicyResource | None, users: list[PolicyResource], index: TenantIndex
) -> str | None:
    declared = component.props.get(RETAIN_OUTPUT) if component else None
    if declared is True:
        return None
    tenant = index.by_namespace(namespace_of(users[0].props))
    if declared is False and tenant is not None and not tenant.retain_users_on_delete:
        return None  # the tenant's own opt-in; quicksight-users-deletion-opted-in says so
    if declared is False:
        return (
            "deleted when removed from the tenant file (with every analysis and dashboard "
            "they own), but the tenant file keeps them (retain_users_on_delete: true)"
        )
    return (
        "nothing shows they are kept when removed from the tenant file: Pulumi does not show "
        f"retain_on_delete to policies, so their TenantStack must output {RETAIN_OUTPUT}: "
        "true (or the users be protected)"
    )


@stack_rule(
    "quicksight-users-retained",
    "QuickSight users are retained on delete (their assets go with them).",
)
def users_retained(index: TenantIndex, args: StackValidationArgs, report: ReportViolation) -> None:
    """Users are kept (with their assets) when removed, unless their tenant opted out."""
    groups: dict[str, tuple[PolicyResource | None, list[PolicyResource]]] = {}
    for r in _users(args):
        if r.opts.protect:
            continue
        component = tenant_stack_of(r)
        key = component.urn if component else ""
        groups.setdefault(key, (component, []))[1].append(r)
    for component, users in groups.values():
        problem = _retain_problem(component, users, index)
        if problem is None:
            continue
        owner = f"TenantStack {component.name}" if component else "outside any TenantStack"
        names = ", ".join(sorted(user_login(u.props) or u.name for u in users))
        report(f"users {names} ({owner}): {problem}", component.urn if component else None)


@stack_rule(
    "quicksight-users-deletion-opted-in",
    "Tenants that opted out of keeping removed users are called out.",
    ADVISORY,
)
def users_deletion_opted_in(
    index: TenantIndex, args: StackValidationArgs, report: ReportViolation
) -> None:
    """Say loudly which tenants chose to delete users (and assets) removed from their file."""
    seen: set[str] = set()
    for r in _users(args):
        tenant = index.by_namespace(namespace_of(r.props))
        if tenant is None or tenant.retain_users_on_delete or tenant.tenant in seen:
            continue
        seen.add(tenant.tenant)
        report(
            f"tenant {tenant.tenant} sets retain_users_on_delete: false: removing a user "
            "from its file deletes the QuickSight user and every analysis and dashboard "
            "they own",
            None,
        )


@stack_rule(
    "quicksight-tenant-namespace-declared",
    "Every namespace other than default that users live in is declared.",
)
def tenant_namespace_declared(
    index: TenantIndex, args: StackValidationArgs, report: ReportViolation
) -> None:
    declared = {text(r.props, "namespace") for r in _of_type(args, QS_NAMESPACE)}
    for r in _users(args):
        namespace = namespace_of(r.props)
        if namespace != DEFAULT_NAMESPACE and namespace not in declared:
            report(
                f"{user_label(r.props, r.name)}: the stack declares no QuickSight namespace "
                f"{namespace}; each tenant's namespace is created by its TenantStack",
                r.urn,
            )


@resource_rule(
    "quicksight-adoption-owned-only",
    "No adoption of an ADMIN, a user of the default namespace or an existing "
    "profile unless platform.yaml's adoption allow-list names it.",
)
def adoption_owned_only(
    index: TenantIndex, args: ResourceValidationArgs, report: ReportViolation
) -> None:
    """A stack adopts no user or profile beyond its tenant (an ADMIN, a user of `default`, an
    existing profile) unless the platform's allow-list names it (`tenant_file.adoption`)."""
    if args.resource_type in QS_USER_TYPES:
        found = _tenant_user(index, args.props)
        if found is None:
            return
        tenant, user = found
        why = user_adoption_problem(tenant, user)
        if why is not None and not index.adoption.allows_user(tenant.tenant, user.name):
            report(f"{user_label(args.props, args.name)}: tenant {tenant.tenant} {why}", None)
    elif args.resource_type == QS_CUSTOM_PERMISSIONS:
        owner = index.by_profile_name(text(args.props, "customPermissionsName") or args.name)
        if owner is None:
            return
        tenant, key = owner
        why = profile_adoption_problem(tenant, key)
        if why is not None and not index.adoption.allows_profile(tenant.tenant, key):
            report(f"permission_profiles.{key}: tenant {tenant.tenant} {why}", None)


RULES: tuple[ResourceRule | StackRule, ...] = (
    user_console_role,
    adoption_owned_only,
    profile_denies_configured,
    user_in_tenant_namespace,
    user_profile_attached,
    user_without_profile,
    users_retained,
    users_deletion_opted_in,
    tenant_namespace_declared,
)
"""Every QuickSight rule, in the order the pack reports them."""


def rules(index: TenantIndex) -> list[ResourceValidationPolicy | StackValidationPolicy]:
    return [rule(index) for rule in RULES]
