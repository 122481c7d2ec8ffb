"""What a tenant file may adopt, and the platform's allow-list for the rest.

Adopting takes over something the stack did not create. A tenant file may adopt what can only
be its own; it may not, on its own say, adopt what reaches beyond it:

- a user whose file role is ADMIN or ADMIN_PRO: its app would open an administrator's console
  (who manages every user and asset of the account);
- any user of the `default` namespace: it is the account's own, shared with every team and
  administrator, so the name alone does not say whose user it is;
- an existing CustomPermissions profile: it may be attached to users outside the file, whose
  restrictions the tenant's next edit of `deny` would lift (and offline nobody can tell).

These are refused (`qs-embed validate`, `check`, `local up`, the Pulumi program, and the policy
pack's `quicksight-adoption-owned-only`) unless the platform's allow-list names them: the
`adoption` section of `platform.yaml` (`tenant_file.platform_settings`), a file the tenant's
reviewer cannot change in the same pull request (CODEOWNERS, and `check --base` reads it at the
base ref):

    adoption:
      fin:                        # tenant
        users: [admin]            # user names of its file it may adopt though they reach beyond it
        profiles: [locked]        # permission_profiles keys it may adopt
        reason: INC-1234, the finance console moves to the fin tenant  # required: why

An adopted namespace is not on the list: the embed role is granted the file's users in it by
exact ARN only (`policies.iam.tenant_user_resources`), never the users it already holds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Annotated, Protocol

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from tenant_file.config import TENANT_PATTERN, PermissionProfile, TenantUser
from tenant_file.errors import ConfigError, Problem
from tenant_file.platform_settings import PlatformSettings

SECTION = "adoption"
DEFAULT_NAMESPACE = "default"
ADMIN_ROLE_PREFIX = "ADMIN"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class AllowedAdoption(_Frozen):
    """What one tenant may adopt beyond what it owns, and why."""

    users: tuple[str, ...] = ()
    profiles: tuple[str, ...] = ()
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class AdoptionAllowList(_Frozen):
    tenants: dict[Annotated[str, Field(pattern=TENANT_PATTERN)], AllowedAdoption] = Field(
        default_factory=dict
    )

    def allows_user(self, tenant: str, user: str) -> bool:
        entry = self.tenants.get(tenant)
        return entry is not None and user in entry.users

    def allows_profile(self, tenant: str, profile: str) -> bool:
        entry = self.tenants.get(tenant)
        return entry is not None and profile in entry.profiles


NOTHING_ALLOWED = AdoptionAllowList()


def adoption_allow_list(settings: PlatformSettings, source: str) -> AdoptionAllowList:
    """The `adoption` section of the platform file; ConfigError naming the field."""
    section = settings.get(SECTION)
    if section is None:
        return NOTHING_ALLOWED
    try:
        return AdoptionAllowList.model_validate({"tenants": section})
    except ValidationError as e:
        from tenant_file.loader import dotted

        raise ConfigError(
            [
                Problem(
                    source,
                    dotted([SECTION, *(part for part in err["loc"][1:] if part != "[key]")]),
                    str(err["msg"]).removeprefix("Value error, "),
                )
                for err in e.errors(include_url=False)
            ]
        ) from None


class AdoptingTenant(Protocol):
    """What the rule reads of a tenant file (a `TenantConfig`)."""

    @property
    def tenant(self) -> str: ...
    @property
    def namespace(self) -> str: ...
    @property
    def users(self) -> Sequence[TenantUser]: ...
    @property
    def permission_profiles(self) -> Mapping[str, PermissionProfile]: ...
    def profile_name(self, profile: str) -> str: ...


def user_adoption_problem(tenant: AdoptingTenant, user: TenantUser) -> str | None:
    """Why adopting `user` reaches beyond the tenant (None when it does not, or is not adopted)."""
    if not user.adopt:
        return None
    if tenant.namespace == DEFAULT_NAMESPACE:
        return (
            f"adopts {user.name!r} of the default namespace, the account's own (shared with "
            "every team and administrator): the name alone does not say whose user it is, and "
            "the tenant's app would open its console"
        )
    if user.role.startswith(ADMIN_ROLE_PREFIX):
        return (
            f"adopts {user.name!r} as {user.role}: the tenant's app would open an "
            "administrator's console, which manages every user and asset of the account"
        )
    return None


def profile_adoption_problem(tenant: AdoptingTenant, key: str) -> str | None:
    """Why adopting profile `key` reaches beyond the tenant (None when it is not adopted)."""
    if not tenant.permission_profiles[key].adopt:
        return None
    return (
        f"adopts the existing CustomPermissions {tenant.profile_name(key)}, which may be "
        "attached to users outside this file (QuickSight cannot be asked offline): the "
        "tenant's next edit of deny would change their permissions"
    )


ALLOW_HINT = (
    "; a platform that means it says so in platform.yaml (adoption.{tenant}.{kind}: "
    "[{name}], with a reason), in a pull request of its own"
)


def adoption_problems(
    loaded: Iterable[tuple[Path, AdoptingTenant]], allowed: AdoptionAllowList
) -> list[Problem]:
    """Every adoption of `loaded` that reaches beyond its tenant and `allowed` does not name."""
    problems: list[Problem] = []
    for path, tenant in loaded:
        for i, user in enumerate(tenant.users):
            why = user_adoption_problem(tenant, user)
            if why is not None and not allowed.allows_user(tenant.tenant, user.name):
                hint = ALLOW_HINT.format(tenant=tenant.tenant, kind="users", name=user.name)
                problems.append(Problem(str(path), f"users[{i}].adopt", why + hint))
        for key in tenant.permission_profiles:
            why = profile_adoption_problem(tenant, key)
            if why is not None and not allowed.allows_profile(tenant.tenant, key):
                hint = ALLOW_HINT.format(tenant=tenant.tenant, kind="profiles", name=key)
                problems.append(Problem(str(path), f"permission_profiles.{key}.adopt", why + hint))
    return problems


def allow_list_beside(tenants_dir: str | Path) -> AdoptionAllowList:
    """The allow-list of the platform file beside a tenants directory, as it is on disk."""
    from tenant_file.platform_settings import platform_file_for, read_platform_settings

    path = platform_file_for(tenants_dir)
    return adoption_allow_list(read_platform_settings(path), str(path))
