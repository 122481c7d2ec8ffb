"""IAM rules: least privilege for embed roles, and trust only of the tenant's own apps.

Each rule reads the IAM documents a resource carries (a role's trust and inline policies, a
role policy, a managed policy) and reports one message per offending statement, naming the
role, the document, the statement and what would be allowed instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from policies.actions import (
    EMBEDDING_ACTIONS,
    TRUST_ACTIONS,
    expand,
    is_wildcard,
    resource_types,
    service_of,
)
from policies.documents import DocumentError, Statement, statements
from policies.iam import (
    ACCOUNT_PLACEHOLDER,
    GENERATE_EMBED_URL,
    IAM_ARN,
    REGISTER_USER,
    SESSION_NAME,
    allowed_domains_guard,
    names_users_exactly,
    tenant_user_resources,
)
from policies.resources import (
    DEFAULT_NAMESPACE,
    EMBED_ROLE_SESSION_SECONDS,
    IAM_DEFAULT_MAX_SESSION_SECONDS,
    ROLE,
    ROLE_POLICY_ATTACHMENT,
    ROLE_POLICY_ATTACHMENTS_EXCLUSIVE,
    IamDocument,
    iam_documents,
    role_display,
    role_name_of_arn,
    strings,
    text,
)
from policies.tenant_index import TenantIndex, is_embed_role_name
from tenant_file.config import TenantConfig
from tenant_file.names import partition_for_region
from tenant_file.trusted_accounts import (
    apps_by_account,
    neighbours_in,
    principal_account,
    root_account,
    root_neighbour_message,
)

MANDATORY, ADVISORY = EnforcementLevel.MANDATORY, EnforcementLevel.ADVISORY
MAX_SESSION_LIMIT_SECONDS = 43_200
"""IAM's own maximum (12 h); above it IAM refuses the role halfway through `pulumi up`."""
ADMIN_POLICY_NAMES = frozenset({"AdministratorAccess", "PowerUserAccess", "IAMFullAccess"})
ROOT_PRINCIPAL = re.compile(r"^(arn:aws[a-z-]*:iam::)?[0-9]{12}(:root)?$")
EXTERNAL_ID_KEY = "sts:externalid"
SESSION_NAME_KEY = "sts:rolesessionname"
USER_RESOURCE_TYPE = "user"
ACCOUNT_ID = re.compile(r"^[0-9]{12}$")

Checked = tuple[IamDocument, Statement]


def _checked_statements(args: ResourceValidationArgs, kind: str | None = None) -> Iterator[Checked]:
    """Allow statements of the resource's readable IAM documents (of one kind, if given)."""
    for doc in iam_documents(args.resource_type, args.props, args.name):
        if doc.document is None or (kind is not None and doc.kind != kind):
            continue
        try:
            parsed = statements(doc.document)
        except DocumentError:
            continue  # iam-no-wildcard-actions reports unreadable documents
        for stmt in parsed:
            if stmt.allows:
                yield doc, stmt


def _tenant_of(index: TenantIndex, doc: IamDocument) -> TenantConfig | None:
    """The tenant whose embed role the document belongs to (a RolePolicy may name the ARN)."""
    if doc.role_name is None:
        return None
    return index.by_role(role_name_of_arn(doc.role_name) or doc.role_name)


def _where(doc: IamDocument, stmt: Statement) -> str:
    return f"{doc.where} {stmt.label}"


def _listed(actions: frozenset[str] | set[str], limit: int = 4) -> str:
    shown = sorted(actions)[:limit]
    more = len(actions) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


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
        return f"also allows {len(beyond)} actions embedding does not need ({_listed(beyond)})"
    return None


def _no_wildcard_actions(args: ResourceValidationArgs, report: ReportViolation) -> None:
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
                    f"{_where(doc, stmt)}: NotAction in an Allow statement allows every action "
                    f"except {', '.join(stmt.not_actions)}; list the actions instead",
                    None,
                )
            needed = EMBEDDING_ACTIONS if doc.kind == "permissions" else TRUST_ACTIONS
            for action in stmt.actions:
                problem = _wildcard_problem(action, needed)
                if problem:
                    report(
                        f"{_where(doc, stmt)}: {action!r} {problem}; list the exact actions "
                        f"(embedding needs {', '.join(sorted(needed))})",
                        None,
                    )


no_wildcard_actions = ResourceValidationPolicy(
    name="iam-no-wildcard-actions",
    description="IAM policies name exact actions: no '*', 'quicksight:*' or wildcards that "
    "reach beyond the embedding actions.",
    enforcement_level=MANDATORY,
    validate=_no_wildcard_actions,
)


# -- iam-embed-role-embedding-actions-only -------------------------------------------------


def _embedding_actions_only(args: ResourceValidationArgs, report: ReportViolation) -> None:
    for doc, stmt in _checked_statements(args):
        if not is_embed_role_name(doc.role_name):
            continue
        allowed = EMBEDDING_ACTIONS if doc.kind == "permissions" else TRUST_ACTIONS
        lowered = {a.lower() for a in allowed}
        extra = [a for a in stmt.actions if not is_wildcard(a) and a.lower() not in lowered]
        if extra:
            report(
                f"{_where(doc, stmt)}: {', '.join(extra)} is not needed to embed the console; "
                f"an embed role's {doc.kind} policy may allow only {', '.join(sorted(allowed))}",
                None,
            )


embed_role_embedding_actions_only = ResourceValidationPolicy(
    name="iam-embed-role-embedding-actions-only",
    description="Embed roles (qs-embed-*) allow only what embedding needs.",
    enforcement_level=MANDATORY,
    validate=_embedding_actions_only,
)


# -- iam-resource-star-only-where-required -------------------------------------------------


def _scopable(action: str) -> tuple[str, frozenset[str] | None] | None:
    """(action, its resource types) when `"*"` is not the only Resource AWS accepts for it."""
    for name in sorted(expand(action)) if is_wildcard(action) else [action]:
        types = resource_types(name)
        if types is None or types:
            return name, types
    return None


def _resource_star(args: ResourceValidationArgs, report: ReportViolation) -> None:
    for doc, stmt in _checked_statements(args, "permissions"):
        if stmt.not_resources:
            report(
                f"{_where(doc, stmt)}: NotResource in an Allow statement allows every other "
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
                f"{_where(doc, stmt)}: Resource '*' with {name}, which {why}; '*' is only for "
                "actions without a resource type (such as quicksight:GetSessionEmbedUrl)",
                None,
            )


resource_star_only_where_required = ResourceValidationPolicy(
    name="iam-resource-star-only-where-required",
    description="Resource '*' only for actions AWS gives no resource type "
    "(quicksight:GetSessionEmbedUrl); everything else is scoped.",
    enforcement_level=MANDATORY,
    validate=_resource_star,
)


# -- iam-embed-role-tenant-users-only ------------------------------------------------------


def _user_actions(action: str) -> set[str]:
    """The QuickSight actions on users that an action or action pattern allows."""
    if action in {"*", "*:*"}:
        action = "quicksight:*"
    if service_of(action) != "quicksight":
        return set()  # other services' `user` resource types are not QuickSight users
    names = expand(action) if is_wildcard(action) else {action}
    return {name for name in names if USER_RESOURCE_TYPE in (resource_types(name) or ())}


def _allowed_user_resources(tenant: TenantConfig, resource: str) -> list[str]:
    """What `policies.iam` scopes the tenant's user actions to, in the tenant file's account.

    A file without `account_id` leaves the account to the deploying caller: then the account
    the resource names is taken if it is one (12 digits, or the offline plan's placeholder),
    never a wildcard.
    """
    parts = resource.split(":", 5)
    account = tenant.account_id or (parts[4] if len(parts) == 6 else "")
    if not (ACCOUNT_ID.fullmatch(account) or account == ACCOUNT_PLACEHOLDER):
        account = ACCOUNT_PLACEHOLDER
    partition = partition_for_region(tenant.region)
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
            f"({_listed(set(allowed), 2)})"
        )
    whose = "sessions of its embed role" if tenant.embedding.identity == "iam" else "users"
    return f"tenant {tenant.tenant}'s {whose} are {allowed[0]}"


def embed_role_tenant_users_only(index: TenantIndex) -> ResourceValidationPolicy:
    """An embed role's actions on QuickSight users reach only its tenant's users."""

    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        for doc, stmt in _checked_statements(args, "permissions"):
            tenant = _tenant_of(index, doc)
            if tenant is None:
                continue  # stack-one-embed-role-per-tenant reports embed roles without a file
            actions = {u for a in stmt.actions for u in _user_actions(a)}
            if not actions:
                continue
            listed = _listed(actions)
            if stmt.not_resources:
                report(
                    f"{_where(doc, stmt)}: {listed} with NotResource reaches every user not "
                    f"listed, in every namespace; "
                    f"{_users_scope(tenant, _allowed_user_resources(tenant, ''))}",
                    None,
                )
            for resource in stmt.resources:
                allowed = _allowed_user_resources(tenant, resource)
                if not any(_within(resource, a) for a in allowed):
                    report(
                        f"{_where(doc, stmt)}: {listed} on {resource!r} reaches beyond tenant "
                        f"{tenant.tenant}'s users; {_users_scope(tenant, allowed)}",
                        None,
                    )

    return ResourceValidationPolicy(
        name="iam-embed-role-tenant-users-only",
        description="An embed role's actions on QuickSight users name only its tenant's users: "
        "its namespace (for IAM identity, its role's sessions), or in the default namespace "
        "the exact user ARNs of the tenant file.",
        enforcement_level=MANDATORY,
        validate=validate,
    )


# -- what the tenant file allows, where IAM has a key for it ---------------------------------


def _pinned(stmt: Statement, operators: tuple[str, ...], key: str) -> set[str] | None:
    """Values a positive operator pins `key` to (None: nothing pins it)."""
    found: set[str] | None = None
    for operator, block in stmt.conditions.items():
        if operator not in operators:
            continue
        for name, values in block.items():
            if name.lower() == key.lower():
                found = (found or set()) | set(values)
    return found


def _register_problem(tenant: TenantConfig, stmt: Statement) -> str | None:
    if tenant.embedding.identity != "iam" or not tenant.embedding.register_on_first_use:
        return (
            f"tenant {tenant.tenant} does not opt in to just-in-time registration "
            "(embedding.register_on_first_use: true, iam identity only); the stack registers "
            "its users, and RegisterUser would let its app pick any role (ADMIN) and profile"
        )
    arns = _pinned(stmt, ("ArnEquals", "StringEquals"), IAM_ARN)
    if not arns or any(not a.endswith(f":role/{tenant.role_name}") or "*" in a for a in arns):
        return f"quicksight:IamArn must be pinned with ArnEquals to the role {tenant.role_name}"
    names = _pinned(stmt, ("StringEquals",), SESSION_NAME)
    users = {u.name for u in tenant.users}
    if names is None or not names <= users:
        return (
            "quicksight:SessionName must be pinned with StringEquals to tenant "
            f"{tenant.tenant}'s users ({_listed(users)})"
        )
    return None


def embed_role_register_user_opt_in(index: TenantIndex) -> ResourceValidationPolicy:
    """RegisterUser only for tenants that opt in, pinned to the role and the file's sessions."""

    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        for doc, stmt in _checked_statements(args, "permissions"):
            tenant = _tenant_of(index, doc)
            if tenant is None or REGISTER_USER not in _user_actions_of(stmt):
                continue
            problem = _register_problem(tenant, stmt)
            if problem:
                report(f"{_where(doc, stmt)}: allows {REGISTER_USER}, but {problem}", None)

    return ResourceValidationPolicy(
        name="iam-embed-role-register-user-opt-in",
        description="An embed role may call quicksight:RegisterUser only when its tenant opts "
        "in to just-in-time registration, for its own role (quicksight:IamArn) and the file's "
        "session names (quicksight:SessionName).",
        enforcement_level=MANDATORY,
        validate=validate,
    )


def _user_actions_of(stmt: Statement) -> set[str]:
    return {u for a in stmt.actions for u in _user_actions(a)}


def embed_role_allowed_domains(index: TenantIndex) -> ResourceValidationPolicy:
    """A document that lets an embed role generate URLs carries the file's domain guard."""

    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        for doc in iam_documents(args.resource_type, args.props, args.name):
            tenant = _tenant_of(index, doc)
            if tenant is None or doc.kind != "permissions" or doc.document is None:
                continue
            try:
                parsed = statements(doc.document)
            except DocumentError:
                continue  # iam-no-wildcard-actions reports unreadable documents
            granting = [s for s in parsed if s.allows and GENERATE_EMBED_URL in _user_actions_of(s)]
            if not granting:
                continue
            denies = {
                (s.actions, s.resources, _frozen(s.conditions)) for s in parsed if not s.allows
            }
            guard = statements({"Statement": allowed_domains_guard(tenant)})
            missing = [
                g for g in guard if (g.actions, g.resources, _frozen(g.conditions)) not in denies
            ]
            if missing:
                domains = ", ".join(tenant.embedding.allowed_domains) or "none"
                report(
                    f"{_where(doc, granting[0])}: allows {GENERATE_EMBED_URL} without the Deny "
                    f"statements that limit quicksight:AllowedEmbeddingDomains to tenant "
                    f"{tenant.tenant}'s embedding.allowed_domains ({domains}); without them the "
                    "app may let any site frame the console",
                    None,
                )

    return ResourceValidationPolicy(
        name="iam-embed-role-allowed-domains",
        description="An embed role generates console URLs only for its tenant's "
        "embedding.allowed_domains (quicksight:AllowedEmbeddingDomains).",
        enforcement_level=MANDATORY,
        validate=validate,
    )


def _frozen(conditions: Mapping[str, Mapping[str, tuple[str, ...]]]) -> frozenset[Any]:
    return frozenset(
        (op, key.lower(), frozenset(values))
        for op, block in conditions.items()
        for key, values in block.items()
    )


# -- trust policies ------------------------------------------------------------------------


def _trusted(stmt: Statement) -> Iterator[tuple[str, str]]:
    for kind, values in stmt.principals.items():
        for value in values:
            yield kind, value


def _trust_no_wildcard(args: ResourceValidationArgs, report: ReportViolation) -> None:
    for doc, stmt in _checked_statements(args, "trust"):
        if stmt.not_principals:
            report(
                f"{_where(doc, stmt)}: NotPrincipal in an Allow statement trusts every "
                "principal not listed; list the app's exact role ARNs in Principal",
                None,
            )
        for kind, value in _trusted(stmt):
            if "*" in value or kind == "*":
                who = "any AWS principal" if value == "*" else f"every principal matching {value}"
                report(
                    f"{_where(doc, stmt)}: trusts {kind} {value!r} ({who}); list the app's "
                    "exact role ARNs in the tenant's embedding.app_principals",
                    None,
                )


trust_no_wildcard_principal = ResourceValidationPolicy(
    name="iam-trust-no-wildcard-principal",
    description="No role trusts '*' (Principal '*', AWS '*', wildcard ARNs or NotPrincipal).",
    enforcement_level=MANDATORY,
    validate=_trust_no_wildcard,
)


def _trust_root_condition(args: ResourceValidationArgs, report: ReportViolation) -> None:
    for doc, stmt in _checked_statements(args, "trust"):
        if stmt.conditions:
            continue
        roots = [v for k, v in _trusted(stmt) if k == "AWS" and ROOT_PRINCIPAL.match(v)]
        for root in roots:
            report(
                f"{_where(doc, stmt)}: trusts the whole account {root} with no Condition, so "
                "any role of that account an admin allows can assume it; require "
                "sts:ExternalId (embedding.external_id) or trust the app's exact role ARN",
                None,
            )


trust_account_root_needs_condition = ResourceValidationPolicy(
    name="iam-trust-account-root-needs-condition",
    description="Trusting a whole account (root) needs a Condition such as sts:ExternalId.",
    enforcement_level=MANDATORY,
    validate=_trust_root_condition,
)


def trust_tenant_principals_only(index: TenantIndex) -> ResourceValidationPolicy:
    """Embed roles trust exactly their tenant file's embedding.app_principals."""

    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        for doc, stmt in _checked_statements(args, "trust"):
            if not is_embed_role_name(doc.role_name):
                continue
            tenant = index.by_role(str(doc.role_name))
            if tenant is None:
                report(
                    f"{doc.where}: no tenant file declares the embed role {doc.role_name}, so "
                    "its principals cannot be checked",
                    None,
                )
                return
            listed = set(tenant.embedding.app_principals)
            for kind, value in _trusted(stmt):
                if kind == "AWS" and value in listed:
                    continue
                report(
                    f"{_where(doc, stmt)}: trusts {kind} {value!r}, which tenant "
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


def _external_ids(stmt: Statement) -> set[str]:
    return {
        v
        for block in stmt.conditions.values()
        for key, values in block.items()
        if key.lower() == EXTERNAL_ID_KEY
        for v in values
    }


def _allows_assume_role(stmt: Statement) -> bool:
    return any(
        a.lower() == "sts:assumerole" or (is_wildcard(a) and "sts:AssumeRole" in expand(a))
        for a in stmt.actions
    )


def trust_requires_external_id(index: TenantIndex) -> ResourceValidationPolicy:
    """A tenant with embedding.external_id gets a trust policy that requires exactly it."""

    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        for doc, stmt in _checked_statements(args, "trust"):
            tenant = index.by_role(str(doc.role_name))
            secret = tenant.embedding.external_id if tenant else None
            if tenant is None or secret is None or not _allows_assume_role(stmt):
                continue
            found = _external_ids(stmt)
            # The messages never repeat the external id: it is a secret of the tenant file.
            if not found:
                report(
                    f"{_where(doc, stmt)}: allows sts:AssumeRole without the sts:ExternalId "
                    f"condition tenant {tenant.tenant} sets in embedding.external_id",
                    None,
                )
            elif found != {secret.get_secret_value()}:
                report(
                    f"{_where(doc, stmt)}: requires an sts:ExternalId other than tenant "
                    f"{tenant.tenant}'s embedding.external_id",
                    None,
                )

    return ResourceValidationPolicy(
        name="iam-trust-requires-external-id",
        description="When a tenant sets embedding.external_id, its role requires it.",
        enforcement_level=MANDATORY,
        validate=validate,
    )


def _pinned_session_names(stmt: Statement) -> set[str] | None:
    """The session names a StringEquals condition allows; None when nothing pins them."""
    found: set[str] | None = None
    for key, values in stmt.conditions.get("StringEquals", {}).items():
        if key.lower() == SESSION_NAME_KEY:
            found = (found or set()) | set(values)
    return found


def trust_session_names_pinned(index: TenantIndex) -> ResourceValidationPolicy:
    """IAM identity: the role session name is the QuickSight user, so the trust policy allows
    only the tenant file's user names as session names."""

    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        for doc, stmt in _checked_statements(args, "trust"):
            tenant = _tenant_of(index, doc)
            if tenant is None or tenant.embedding.identity != "iam":
                continue
            if not _allows_assume_role(stmt):
                continue
            users = {u.name for u in tenant.users}
            pinned = _pinned_session_names(stmt)
            if pinned is None:
                report(
                    f"{_where(doc, stmt)}: allows sts:AssumeRole with any session name, and with "
                    f"IAM identity the session name is the QuickSight user: pin "
                    f"sts:RoleSessionName with StringEquals to tenant {tenant.tenant}'s users "
                    f"({_listed(users)})",
                    None,
                )
            elif pinned - users:
                report(
                    f"{_where(doc, stmt)}: sts:RoleSessionName allows {_listed(pinned - users)}, "
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
        for doc, stmt in _checked_statements(args, "trust"):
            if not is_embed_role_name(doc.role_name):
                continue
            tenant = index.by_role(str(doc.role_name))
            owner = tenant.tenant if tenant else ""
            for kind, value in _trusted(stmt):
                account = root_account(value) if kind == "AWS" else None
                found = neighbours_in(account, apps, besides=owner) if account else []
                if found:
                    report(f"{_where(doc, stmt)}: {root_neighbour_message(value, found)}", None)

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
        for doc, stmt in _checked_statements(args, "trust"):
            tenant = _tenant_of(index, doc)
            if tenant is None or tenant.account_id is None or _external_ids(stmt):
                continue
            for kind, value in _trusted(stmt):
                account = (
                    (root_account(value) or principal_account(value)) if kind == "AWS" else None
                )
                if account is not None and account != tenant.account_id:
                    report(
                        f"{_where(doc, stmt)}: trusts {value} of account {account}, not tenant "
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


# -- managed policies ----------------------------------------------------------------------


def _is_admin_policy(arn: str) -> bool:
    name = arn.rsplit("/", 1)[-1]
    lowered = name.lower()
    return name in ADMIN_POLICY_NAMES or ("quicksight" in lowered and "fullaccess" in lowered)


def _attached(args: ResourceValidationArgs) -> tuple[str | None, list[str]]:
    """(role name, managed policy ARNs) a resource attaches."""
    props = args.props
    if args.resource_type == ROLE:
        return text(props, "name"), strings(props, "managedPolicyArns")
    if args.resource_type == ROLE_POLICY_ATTACHMENT:
        role = text(props, "role") or ""
        return role_name_of_arn(role) or role, strings(props, "policyArn")
    if args.resource_type == ROLE_POLICY_ATTACHMENTS_EXCLUSIVE:
        return text(props, "roleName"), strings(props, "policyArns")
    return None, []


def _no_admin_policies(args: ResourceValidationArgs, report: ReportViolation) -> None:
    role, arns = _attached(args)
    if not is_embed_role_name(role):
        return
    for arn in arns:
        if _is_admin_policy(arn):
            report(
                f"role {role}: managed policy {arn} grants far more than embedding; an embed "
                "role carries only its inline embedding policy",
                None,
            )


no_admin_managed_policies = ResourceValidationPolicy(
    name="iam-no-admin-managed-policies",
    description="Embed roles carry no AdministratorAccess, PowerUserAccess, IAMFullAccess or "
    "QuickSight *FullAccess managed policy.",
    enforcement_level=MANDATORY,
    validate=_no_admin_policies,
)


# -- session duration ----------------------------------------------------------------------


def _max_session(props: Mapping[str, Any]) -> int:
    value = props.get("maxSessionDuration")
    # Numbers cross the engine as protobuf doubles.
    return int(value) if isinstance(value, int | float) else IAM_DEFAULT_MAX_SESSION_SECONDS


def _session_limit(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != ROLE:
        return
    seconds = _max_session(args.props)
    if seconds > MAX_SESSION_LIMIT_SECONDS:
        report(
            f"role {role_display(args.props, args.name)}: maxSessionDuration {seconds} s is "
            f"above IAM's maximum of {MAX_SESSION_LIMIT_SECONDS} s (12 h)",
            None,
        )


session_duration_limit = ResourceValidationPolicy(
    name="iam-session-duration-limit",
    description="Role sessions last at most 12 h (IAM's maximum).",
    enforcement_level=MANDATORY,
    validate=_session_limit,
)


def _session_embedding(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != ROLE or not is_embed_role_name(text(args.props, "name")):
        return
    seconds = _max_session(args.props)
    if EMBED_ROLE_SESSION_SECONDS < seconds <= MAX_SESSION_LIMIT_SECONDS:
        report(
            f"role {text(args.props, 'name')}: maxSessionDuration {seconds} s; embedding needs "
            f"at most {EMBED_ROLE_SESSION_SECONDS} s (the embedder refreshes credentials), and "
            "longer sessions keep leaked credentials useful longer",
            None,
        )


session_duration_embedding = ResourceValidationPolicy(
    name="iam-session-duration-embedding",
    description="Embed role sessions last at most 1 h; embedding needs no more.",
    enforcement_level=ADVISORY,
    validate=_session_embedding,
)

STATIC_RULES = [
    no_wildcard_actions,
    embed_role_embedding_actions_only,
    resource_star_only_where_required,
    trust_no_wildcard_principal,
    trust_account_root_needs_condition,
    no_admin_managed_policies,
    session_duration_limit,
    session_duration_embedding,
]


def rules(index: TenantIndex) -> list[ResourceValidationPolicy]:
    return [
        *STATIC_RULES,
        embed_role_tenant_users_only(index),
        trust_tenant_principals_only(index),
        trust_requires_external_id(index),
        trust_session_names_pinned(index),
        trust_root_without_neighbours(index),
        trust_other_account_external_id(index),
        embed_role_register_user_opt_in(index),
        embed_role_allowed_domains(index),
    ]
