"""What a tenant edit changes versus a git ref, for the reviewer of the pull request.

Each change is one line with a tag: `REMOVED` for users who leave (their QuickSight user, and
with `retain_users_on_delete: false` everything they own, goes with them), `review` for edits
that widen access, replace users or do in AWS something other than the YAML suggests (a
removed profile line leaves the profile applied), `change` for the rest. External ids are
secrets: a change is reported, never the value.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from policies.embed_role import ACCOUNT_PLACEHOLDER
from tenant_file.config import TenantConfig

CHANGE, REVIEW, REMOVED = "change", "review", "REMOVED"


@dataclass(frozen=True)
class TenantChange:
    """One line of what an edit changes, for the reviewer (`REMOVED acme: user bob removed`)."""

    tag: str
    tenant: str
    message: str

    def __str__(self) -> str:
        return f"{self.tag} {self.tenant}: {self.message}"


# -- comparing -----------------------------------------------------------------------------


def tenant_changes(
    before: dict[str, TenantConfig], after: Sequence[TenantConfig]
) -> list[TenantChange]:
    """What going from the configs `before` (by tenant name) to `after` changes, tenant by
    tenant: a name only before is removed, only after is added."""
    now = {t.tenant: t for t in after}
    changes: list[TenantChange] = []
    for name in sorted(before.keys() - now.keys()):
        old = before[name]
        users = ", ".join(u.name for u in old.users)
        message = f"tenant removed with its users {users}; {_fate(old)}"
        changes.append(TenantChange(REMOVED, name, message))
    for name in sorted(now.keys() - before.keys()):
        t = now[name]
        changes.append(
            TenantChange(
                REVIEW,
                name,
                f"tenant added: {len(t.users)} users, trusts "
                f"{', '.join(t.embedding.app_principals)}",
            )
        )
    for name in sorted(now.keys() & before.keys()):
        changes += [TenantChange(tag, name, msg) for tag, msg in _compare(before[name], now[name])]
    return changes


def _fate(t: TenantConfig) -> str:
    if t.retain_users_on_delete:
        return (
            "the QuickSight users and their assets are kept (retain_users_on_delete: true), "
            "but no longer managed"
        )
    return (
        "the QuickSight users are DELETED with every analysis and dashboard they own "
        "(retain_users_on_delete: false)"
    )


def _user_fate(t: TenantConfig) -> str:
    # The deleted resource's options come from the last deployment's state: the base file.
    if t.retain_users_on_delete:
        return (
            "the QuickSight user and their assets are kept (retain_users_on_delete: true), "
            "but no longer managed"
        )
    return (
        "the QuickSight user is DELETED with every analysis and dashboard they own "
        "(retain_users_on_delete: false)"
    )


def _unattached(old: TenantConfig, user: str) -> str:
    """What removing a user's profile line does in AWS, which is not what it does in YAML.

    The profile attachment (UserCustomPermission) is retained on delete with the users
    (infra.tenant_stack), and a deleted resource's options come from the last deployment's
    state, that is from the base file.
    """
    if not old.retain_users_on_delete:
        return (
            "its UserCustomPermission is deleted (retain_users_on_delete: false), so the "
            "profile's restrictions are lifted"
        )
    command = (
        f"aws quicksight delete-user-custom-permission --aws-account-id "
        f"{old.account_id or ACCOUNT_PLACEHOLDER} --region {old.region} --namespace "
        f"{old.namespace} --user-name {old.quicksight_user_name(user)}"
    )
    return (
        "the profile STAYS APPLIED in QuickSight: its UserCustomPermission is retained on delete "
        "(retain_users_on_delete: true), so the user keeps every restriction of the profile "
        f"until someone runs `{command}` (or the tenant deploys retain_users_on_delete: false "
        "before removing the profile line)"
    )


def _compare(old: TenantConfig, new: TenantConfig) -> Iterator[tuple[str, str]]:
    yield from _identity_changes(old, new)
    yield from _user_changes(old, new)
    yield from _profile_changes(old, new)
    yield from _principal_changes(old, new)


def _identity_changes(old: TenantConfig, new: TenantConfig) -> Iterator[tuple[str, str]]:
    if old.namespace != new.namespace:
        yield (
            REVIEW,
            (
                f"namespace {old.namespace} -> {new.namespace}: every user is registered anew in "
                f"{new.namespace}; the users in {old.namespace} are left behind ({_fate(old)})"
            ),
        )
    if old.embedding.identity != new.embedding.identity:
        yield (
            REVIEW,
            (
                f"identity {old.embedding.identity} -> {new.embedding.identity}: every user is "
                f"replaced ({_fate(old)})"
            ),
        )
    if old.retain_users_on_delete and not new.retain_users_on_delete:
        yield (
            REVIEW,
            (
                "retain_users_on_delete turned off: users removed from this file from now on are "
                "deleted with every analysis and dashboard they own"
            ),
        )
    elif new.retain_users_on_delete and not old.retain_users_on_delete:
        yield CHANGE, "retain_users_on_delete turned on: removed users will be kept"


def _user_changes(old: TenantConfig, new: TenantConfig) -> Iterator[tuple[str, str]]:
    before = {u.name: u for u in old.users}
    after = {u.name: u for u in new.users}
    for name in sorted(before.keys() - after.keys()):
        yield REMOVED, f"user {name} removed: {_user_fate(old)}"
    for name in sorted(after.keys() - before.keys()):
        u = after[name]
        profile = f"profile {u.profile}" if u.profile else "no profile"
        yield CHANGE, f"user {name} added ({u.role}, {profile})"
    for name in sorted(after.keys() & before.keys()):
        a, b = before[name], after[name]
        if a.role != b.role:
            yield REVIEW, f"user {name} role {a.role} -> {b.role}"
        if a.profile is not None and b.profile is None:
            yield REVIEW, f"user {name} profile {a.profile} -> none: {_unattached(old, name)}"
        elif a.profile != b.profile:
            yield CHANGE, f"user {name} profile {a.profile or 'none'} -> {b.profile}"
        if a.email != b.email:
            yield CHANGE, f"user {name} email changed"


def _profile_changes(old: TenantConfig, new: TenantConfig) -> Iterator[tuple[str, str]]:
    before, after = old.permission_profiles, new.permission_profiles
    for key in sorted(before.keys() - after.keys()):
        yield REVIEW, f"profile {key} removed"
    for key in sorted(after.keys() - before.keys()):
        yield CHANGE, f"profile {key} added (denies {', '.join(after[key].deny)})"
    for key in sorted(after.keys() & before.keys()):
        lifted = sorted(set(before[key].deny) - set(after[key].deny))
        added = sorted(set(after[key].deny) - set(before[key].deny))
        if lifted:
            yield REVIEW, f"profile {key} no longer denies {', '.join(lifted)}"
        if added:
            yield CHANGE, f"profile {key} now also denies {', '.join(added)}"


def _principal_changes(old: TenantConfig, new: TenantConfig) -> Iterator[tuple[str, str]]:
    before, after = set(old.embedding.app_principals), set(new.embedding.app_principals)
    for arn in sorted(after - before):
        yield REVIEW, f"app principal added: {arn} may now assume {new.role_name}"
    for arn in sorted(before - after):
        yield CHANGE, f"app principal removed: {arn}"
    old_id, new_id = old.embedding.external_id, new.embedding.external_id
    if old_id is not None and new_id is None:
        yield REVIEW, "embedding.external_id removed: assuming the role no longer needs it"
    elif old_id is None and new_id is not None:
        yield CHANGE, "embedding.external_id added"
    elif (
        old_id is not None
        and new_id is not None
        and old_id.get_secret_value() != new_id.get_secret_value()
    ):
        yield REVIEW, "embedding.external_id changed: the apps must send the new one"
