"""The findings: each tenant file against what the account holds, then what no file declares.

What no file declares is looked for only where a tenant owns the place: the tenant's own
namespace (every user in it is the tenant's), the `default` namespace's users named after an
embed role (`qs-embed-<tenant>/<session>`, the sessions of iam identity), namespaces and
`qs-embed-*` roles no file declares. Other users of the `default` namespace are the account's,
not drift.

With a shard, the shard's tenants are compared, and what no file declares is reported by the
shard its name falls in (`policies.shards.shard_of`: a role `qs-embed-<x>` or a user of it by
`<x>`, a namespace by its name), so the shards' reports together name each thing once.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator, Sequence
from typing import Any

from embedder.errors import ConfigError, Problem
from infra.drift.documents import compare_documents, shown
from infra.drift.live import LiveAccount, LiveRole
from infra.drift.report import DriftReport, Finding
from policies.embed_role import embed_role_permissions_policy, embed_role_trust_policy
from policies.project import EMBED_POLICY_NAME
from policies.resources import DEFAULT_NAMESPACE, EMBED_ROLE_SESSION_SECONDS
from policies.shards import ShardSelection
from tenant_file.config import TenantConfig
from tenant_file.limits import CAPABILITY_DENY, capability_key
from tenant_file.names import ROLE_NAME_PREFIX, partition_for_region

NAMESPACE_READY = ("CREATED", "QUICKSIGHT")
"""A namespace the stack made: CreationStatus CREATED, IdentityStore QUICKSIGHT."""


def drift_report(
    tenants: Sequence[TenantConfig],
    everyone: Sequence[TenantConfig],
    live: LiveAccount,
    selection: ShardSelection | None = None,
) -> DriftReport:
    """`tenants` (one shard's, or all) against the account; `everyone`: every tenant file of
    the directory, which decides what no file declares."""
    account = live.account_id()
    strangers = [t for t in tenants if t.account_id not in (None, account)]
    if strangers:
        # The files and the credentials disagree: every finding would be a false "missing".
        raise ConfigError(
            [
                Problem(
                    f"tenant {t.tenant}",
                    "account_id",
                    f"is {t.account_id}, but the AWS credentials are of account {account}: "
                    "run drift with credentials of the tenant's account",
                )
                for t in strangers
            ]
        )
    findings = [f for tenant in tenants for f in tenant_findings(tenant, live)]
    findings += undeclared_findings(everyone, live, selection)
    scope = "every tenant" if selection is None or selection.count == 1 else str(selection)
    return DriftReport(tuple(t.tenant for t in tenants), tuple(findings), scope)


def tenant_findings(tenant: TenantConfig, live: LiveAccount) -> Iterator[Finding]:
    yield from role_findings(tenant, live)
    namespace_ok = yield from namespace_findings(tenant, live)
    yield from profile_findings(tenant, live)
    if namespace_ok:
        yield from user_findings(tenant, live)
    elif tenant.namespace not in live.namespaces(tenant.region):
        # Deleting a namespace deletes its users; one that is not CREATED cannot be listed.
        for user in tenant.users:
            name = tenant.quicksight_user_name(user.name)
            yield Finding("user-missing", f"{tenant.namespace}/{name}", tenant.tenant)


# -- the embed role ----------------------------------------------------------------------------


def role_findings(tenant: TenantConfig, live: LiveAccount) -> Iterator[Finding]:
    name, who = tenant.role_name, tenant.tenant
    role = live.role(name)
    if role is None:
        yield Finding("role-missing", name, who)
        return
    external_id = tenant.embedding.external_id
    secret = None if external_id is None else external_id.get_secret_value()
    trust = compare_documents(embed_role_trust_policy(tenant), role.trust)
    if trust:
        yield _document_finding("role-trust", role.arn, who, trust, secret)
    if role.max_session_duration != EMBED_ROLE_SESSION_SECONDS:
        yield Finding(
            "role-session-duration", role.arn, who,
            EMBED_ROLE_SESSION_SECONDS, role.max_session_duration,
        )  # fmt: skip
    yield from _inline_findings(tenant, role, live, secret)
    for policy_arn in role.attached:
        yield Finding("role-attached-policy", role.arn, who, None, policy_arn)


def _inline_findings(
    tenant: TenantConfig, role: LiveRole, live: LiveAccount, secret: str | None
) -> Iterator[Finding]:
    who = tenant.tenant
    for name in sorted(set(role.inline) - {EMBED_POLICY_NAME}):
        yield Finding("role-inline-policy-undeclared", role.arn, who, None, name)
    if EMBED_POLICY_NAME not in role.inline:
        yield Finding("role-policy-missing", role.arn, who, EMBED_POLICY_NAME, None)
        return
    expected = embed_role_permissions_policy(
        tenant,
        partition=partition_for_region(tenant.region),
        account_id=tenant.account_id or live.account_id(),
    )
    diff = compare_documents(expected, role.inline[EMBED_POLICY_NAME])
    if diff:
        yield _document_finding("role-policy", role.arn, who, diff, secret)


def _document_finding(kind: str, arn: str, tenant: str, diff: Any, secret: str | None) -> Finding:
    detail: dict[str, Any] = {
        "added": [shown(s, external_id=secret) for s in diff.added],
        "removed": [shown(s, external_id=secret) for s in diff.removed],
    }
    if diff.version_changed:
        detail["versionChanged"] = True
    return Finding(kind, arn, tenant, detail=detail)


# -- QuickSight ------------------------------------------------------------------------------


def namespace_findings(tenant: TenantConfig, live: LiveAccount) -> Generator[Finding, None, bool]:
    """The namespace's findings; returns whether its users can be listed."""
    if tenant.namespace == DEFAULT_NAMESPACE:
        return True
    found = live.namespaces(tenant.region).get(tenant.namespace)
    if found is None:
        yield Finding("namespace-missing", tenant.namespace, tenant.tenant)
        return False
    state = (found.get("CreationStatus"), found.get("IdentityStore"))
    if state != NAMESPACE_READY:
        yield Finding(
            "namespace-status", found.get("Arn", tenant.namespace), tenant.tenant,
            list(NAMESPACE_READY), list(state),
        )  # fmt: skip
    return found.get("CreationStatus") == "CREATED"


def profile_findings(tenant: TenantConfig, live: LiveAccount) -> Iterator[Finding]:
    profiles = live.profiles(tenant.region)
    for key, profile in tenant.permission_profiles.items():
        name = tenant.profile_name(key)
        found = profiles.get(name)
        if found is None:
            yield Finding("profile-missing", name, tenant.tenant)
            continue
        denied = _denied(found.get("Capabilities") or {})
        expected = sorted(profile.deny, key=capability_key)
        if {capability_key(c) for c in expected} != {capability_key(c) for c in denied}:
            yield Finding(
                "profile-capabilities", found.get("Arn", name), tenant.tenant, expected, denied
            )


def _denied(capabilities: dict[str, Any]) -> list[str]:
    return sorted(
        (c for c, state in capabilities.items() if state == CAPABILITY_DENY), key=capability_key
    )


def user_findings(tenant: TenantConfig, live: LiveAccount) -> Iterator[Finding]:
    namespace, who = tenant.namespace, tenant.tenant
    users = live.users(tenant.region, namespace)
    declared: set[str] = set()
    for user in tenant.users:
        name = tenant.quicksight_user_name(user.name)
        declared.add(name)
        where = f"{namespace}/{name}"
        found = users.get(name)
        if found is None:
            yield Finding("user-missing", where, who)
            continue
        if found.get("Role") != user.role:
            yield Finding("user-role", where, who, user.role, found.get("Role"))
        if found.get("Email") != user.email:
            yield Finding("user-email", where, who, user.email, found.get("Email"))
        profile = None if user.profile is None else tenant.profile_name(user.profile)
        if "CustomPermissionsName" not in found and profile is not None:
            # A list entry may leave the profile out: DescribeUser says for sure.
            found = live.user(tenant.region, namespace, name)
        if found.get("CustomPermissionsName") != profile:
            yield Finding("user-profile", where, who, profile, found.get("CustomPermissionsName"))
        if found.get("Active") is False:
            yield Finding("user-inactive", where, who, True, False)
    for name in sorted(set(users) - declared):
        if namespace != DEFAULT_NAMESPACE or name.startswith(f"{tenant.role_name}/"):
            yield Finding("user-undeclared", f"{namespace}/{name}", who)


# -- what no file declares -----------------------------------------------------------------


def undeclared_findings(
    everyone: Sequence[TenantConfig], live: LiveAccount, selection: ShardSelection | None
) -> Iterator[Finding]:
    def mine(name: str) -> bool:
        return selection is None or selection.holds(name)

    roles = {t.role_name for t in everyone}
    for role in live.embed_role_names():
        if role not in roles and mine(role.removeprefix(ROLE_NAME_PREFIX)):
            yield Finding("role-undeclared", role, None)
    account = live.account_id()
    regions = sorted({t.region for t in everyone if t.account_id in (None, account)})
    declared = {t.namespace.lower() for t in everyone}
    for region in regions:
        for namespace in sorted(live.namespaces(region)):
            if namespace == DEFAULT_NAMESPACE:
                for name in sorted(live.users(region, namespace)):
                    owner, _, session = name.partition("/")
                    tenant = owner.removeprefix(ROLE_NAME_PREFIX)
                    if (
                        session and owner.startswith(ROLE_NAME_PREFIX)
                        and owner not in roles and mine(tenant)
                    ):  # fmt: skip
                        yield Finding("user-retained", f"{namespace}/{name}", None)
            elif namespace.lower() not in declared and mine(namespace):
                yield Finding("namespace-undeclared", namespace, None)
                for name in sorted(live.users(region, namespace)):
                    yield Finding("user-retained", f"{namespace}/{name}", None)
