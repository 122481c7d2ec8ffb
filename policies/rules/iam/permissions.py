"""IAM rules on what an embed role's permission policies allow: exact actions, only the
embedding actions, Resource '*' only where AWS requires it, only the tenant's users,
RegisterUser only on opt-in, and the allowed-domains guard.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import ReportViolation, ResourceValidationArgs

from policies.action_wildcards import (
    EMBEDDING_ACTIONS,
    TRUST_ACTIONS,
    expand,
    is_wildcard,
    resource_types,
    service_of,
)
from policies.embed_role import (
    GENERATE_ANONYMOUS_EMBED_URL,
    GENERATE_EMBED_URL,
    IAM_ARN,
    REGISTER_USER,
    SESSION_NAME,
    allowed_domains_guard,
    names_users_exactly,
    tenant_user_resources,
)
from policies.policy_documents import DocumentError, Statement, statements
from policies.resources import DEFAULT_NAMESPACE, iam_documents
from policies.rules.iam.common import (
    checked_statements,
    listed,
    pinned,
    reaches,
    scope_of,
    tenant_of,
    tenant_statements,
    user_actions_of,
    where,
)
from policies.rules.rule import resource_rule
from policies.tenant_index import TenantIndex, is_embed_role_name
from tenant_file.config import TenantConfig

# -- iam-no-wildcard-actions ---------------------------------------------------------------


def _wildcard_problem(action: str, needed: frozenset[str]) -> str | None:
    if action in {"*", "*:*"}:
        return "allows every action of every AWS service"
    if not is_wildcard(action):
        return None
    service = service_of(action)
    if action.partition(":")[2] == "*":
        return f"allows every {service} action"
    matched = expand(action)
    if not matched:
        return "matches no action AWS documents today, but would match any added later"
    lowered = {a.lower() for a in needed}
    beyond = {a for a in matched if a.lower() not in lowered}
    if beyond:
        return f"also allows {len(beyond)} actions embedding does not need ({listed(beyond)})"
    return None


@resource_rule(
    "iam-no-wildcard-actions",
    "IAM policies name exact actions: no '*', 'quicksight:*' or wildcards that "
    "reach beyond the embedding actions.",
)
def no_wildcard_actions(
    index: TenantIndex, args: ResourceValidationArgs, report: ReportViolation
) -> None:
    for doc in iam_documents(args.resource_type, args.props, args.name):
        if doc.document is None:
            report(f"{doc.where} {doc.error}: it cannot be checked", None)
            continue
        try:
            parsed = statements(doc.document)
        except DocumentError as e:
            report(f"{doc.where} {e}: it cannot be checked", None)
            continue
        for stmt in parsed:
            if not stmt.allows:
                continue
            if stmt.not_actions:
                report(
                    f"{where(doc, stmt)}: NotAction in an Allow statement allows every action "
                    f"except {', '.join(stmt.not_actions)}; list the actions instead",
                    None,
                )
            needed = EMBEDDING_ACTIONS if doc.kind == "permissions" else TRUST_ACTIONS
            for action in stmt.actions:
                problem = _wildcard_problem(action, needed)
                if problem:
                    report(
                        f"{where(doc, stmt)}: {action!r} {problem}; list the exact actions "
                        f"(embedding needs {', '.join(sorted(needed))})",
                        None,
                    )


# -- iam-embed-role-embedding-actions-only -------------------------------------------------


@resource_rule(
    "iam-embed-role-embedding-actions-only",
    "Embed roles (qs-embed-*) allow only what embedding needs.",
)
def embed_role_embedding_actions_only(
    index: TenantIndex, args: ResourceValidationArgs, report: ReportViolation
) -> None:
    for doc, stmt in checked_statements(args):
        if not is_embed_role_name(doc.role_name):
            continue
        allowed = EMBEDDING_ACTIONS if doc.kind == "permissions" else TRUST_ACTIONS
        lowered = {a.lower() for a in allowed}
        extra = [a for a in stmt.actions if not is_wildcard(a) and a.lower() not in lowered]
        if extra:
            report(
                f"{where(doc, stmt)}: {', '.join(extra)} is not needed to embed the console; "
                f"an embed role's {doc.kind} policy may allow only {', '.join(sorted(allowed))}",
                None,
            )


# -- iam-resource-star-only-where-required -------------------------------------------------


def _scopable(action: str) -> tuple[str, frozenset[str] | None] | None:
    """(action, its resource types) when `"*"` is not the only Resource AWS accepts for it."""
    for name in sorted(expand(action)) if is_wildcard(action) else [action]:
        types = resource_types(name)
        if types is None or types:
            return name, types
    return None


@resource_rule(
    "iam-resource-star-only-where-required",
    "Resource '*' only for actions AWS gives no resource type "
    "(quicksight:GetSessionEmbedUrl); everything else is scoped.",
)
def resource_star_only_where_required(
    index: TenantIndex, args: ResourceValidationArgs, report: ReportViolation
) -> None:
    for doc, stmt in checked_statements(args, "permissions"):
        if stmt.not_resources:
            report(
                f"{where(doc, stmt)}: NotResource in an Allow statement allows every other "
                "resource; name the resources",
                None,
            )
        if "*" not in stmt.resources:
            continue
        for action in stmt.actions:
            found = _scopable(action)
            if found is None:
                continue
            name, types = found
            if types is None:
                why = "is unknown to AWS's IAM definition, so nothing shows it needs Resource '*'"
            else:
                why = f"can be scoped to its {', '.join(sorted(types))} resource type"
            report(
                f"{where(doc, stmt)}: Resource '*' with {name}, which {why}; '*' is only for "
                "actions without a resource type (such as quicksight:GetSessionEmbedUrl)",
                None,
            )


# -- iam-embed-role-tenant-users-only ------------------------------------------------------


def _allowed_user_resources(tenant: TenantConfig, resource: str) -> list[str]:
    """What `policies.embed_role` scopes the tenant's user actions to (`scope_of`)."""
    partition, account = scope_of(tenant, resource)
    return tenant_user_resources(tenant, partition=partition, account_id=account)


def _within(resource: str, allowed: str) -> bool:
    """Whether `resource` names nothing beyond `allowed`. The builder's only wildcard is a
    trailing `*` (every user under a prefix); without one the resource must be that exact ARN."""
    if allowed.endswith("*"):
        return resource.startswith(allowed[:-1])
    return resource == allowed


def _users_scope(tenant: TenantConfig, allowed: list[str]) -> str:
    if names_users_exactly(tenant):
        holds = (
            "the default namespace holds every user of the account (administrators too)"
            if tenant.namespace == DEFAULT_NAMESPACE
            else f"an adopted namespace ({tenant.namespace}) may hold users of no tenant file"
        )
        return (
            f"{holds}, so only the exact ARNs of tenant {tenant.tenant}'s users may be named "
            f"({listed(set(allowed), 2)})"
        )
    whose = "sessions of its embed role" if tenant.embedding.identity == "iam" else "users"
    return f"tenant {tenant.tenant}'s {whose} are {allowed[0]}"


@resource_rule(
    "iam-embed-role-tenant-users-only",
    "An embed role's actions on QuickSight users name only its tenant's users: "
    "its namespace (for IAM identity, its role's sessions), or in the default namespace "
    "the exact user ARNs of the tenant file.",
)
def embed_role_tenant_users_only(
    index: TenantIndex, args: ResourceValidationArgs, report: ReportViolation
) -> None:
    """An embed role's actions on QuickSight users reach only its tenant's users."""
    for doc, stmt, tenant in tenant_statements(index, args, "permissions"):
        actions = user_actions_of(stmt)
        if not actions:
            continue
        shown = listed(actions)
        if stmt.not_resources:
            report(
                f"{where(doc, stmt)}: {shown} with NotResource reaches every user not "
                f"listed, in every namespace; "
                f"{_users_scope(tenant, _allowed_user_resources(tenant, ''))}",
                None,
            )
        for resource in stmt.resources:
            allowed = _allowed_user_resources(tenant, resource)
            if not any(_within(resource, a) for a in allowed):
                report(
                    f"{where(doc, stmt)}: {shown} on {resource!r} reaches beyond tenant "
                    f"{tenant.tenant}'s users; {_users_scope(tenant, allowed)}",
                    None,
                )


# -- what the tenant file allows, where IAM has a key for it ---------------------------------


def _register_problem(tenant: TenantConfig, stmt: Statement) -> str | None:
    if not tenant.registers_on_first_use:
        return (
            f"tenant {tenant.tenant} does not opt in to just-in-time registration "
            "(embedding.register_on_first_use: true, iam identity only); the stack registers "
            "its users, and RegisterUser would let its app pick any role (ADMIN) and profile"
        )
    arns = pinned(stmt, ("ArnEquals", "StringEquals"), IAM_ARN)
    if not arns or any(not a.endswith(f":role/{tenant.role_name}") or "*" in a for a in arns):
        return f"quicksight:IamArn must be pinned with ArnEquals to the role {tenant.role_name}"
    names = pinned(stmt, ("StringEquals",), SESSION_NAME)
    users = {u.name for u in tenant.users}
    if names is None or not names <= users:
        return (
            "quicksight:SessionName must be pinned with StringEquals to tenant "
            f"{tenant.tenant}'s users ({listed(users)})"
        )
    return None


@resource_rule(
    "iam-embed-role-register-user-opt-in",
    "An embed role may call quicksight:RegisterUser only when its tenant opts "
    "in to just-in-time registration, for its own role (quicksight:IamArn) and the file's "
    "session names (quicksight:SessionName).",
)
def embed_role_register_user_opt_in(
    index: TenantIndex, args: ResourceValidationArgs, report: ReportViolation
) -> None:
    """RegisterUser only for tenants that opt in, pinned to the role and the file's sessions."""
    for doc, stmt, tenant in tenant_statements(index, args, "permissions"):
        if REGISTER_USER not in user_actions_of(stmt):
            continue
        problem = _register_problem(tenant, stmt)
        if problem:
            report(f"{where(doc, stmt)}: allows {REGISTER_USER}, but {problem}", None)


def _generates_urls(stmt: Statement) -> bool:
    """Whether a statement allows an action that takes AllowedDomains (the registered user's,
    on users; the anonymous reader's, on namespaces, dashboards and topics)."""
    return GENERATE_EMBED_URL in user_actions_of(stmt) or any(
        reaches(action, {GENERATE_ANONYMOUS_EMBED_URL}) for action in stmt.actions
    )


@resource_rule(
    "iam-embed-role-allowed-domains",
    "An embed role generates console URLs only for its tenant's "
    "embedding.allowed_domains (quicksight:AllowedEmbeddingDomains).",
)
def embed_role_allowed_domains(
    index: TenantIndex, args: ResourceValidationArgs, report: ReportViolation
) -> None:
    """A document that lets an embed role generate URLs carries the file's domain guard."""
    for doc in iam_documents(args.resource_type, args.props, args.name):
        tenant = tenant_of(index, doc)
        if tenant is None or doc.kind != "permissions" or doc.document is None:
            continue
        try:
            parsed = statements(doc.document)
        except DocumentError:
            continue  # iam-no-wildcard-actions reports unreadable documents
        granting = [s for s in parsed if s.allows and _generates_urls(s)]
        if not granting:
            continue
        denies = {(s.actions, s.resources, _frozen(s.conditions)) for s in parsed if not s.allows}
        guard = statements({"Statement": allowed_domains_guard(tenant)})
        missing = [
            g for g in guard if (g.actions, g.resources, _frozen(g.conditions)) not in denies
        ]
        if missing:
            domains = ", ".join(tenant.embedding.allowed_domains) or "none"
            report(
                f"{where(doc, granting[0])}: allows {GENERATE_EMBED_URL} without the Deny "
                f"statements that limit quicksight:AllowedEmbeddingDomains to tenant "
                f"{tenant.tenant}'s embedding.allowed_domains ({domains}); without them the "
                "app may let any site frame the console",
                None,
            )


def _frozen(conditions: Mapping[str, Mapping[str, tuple[str, ...]]]) -> frozenset[Any]:
    return frozenset(
        (op, key.lower(), frozenset(values))
        for op, block in conditions.items()
        for key, values in block.items()
    )
