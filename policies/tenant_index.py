"""The tenant files as the policy pack sees them: look-ups from AWS names back to a tenant.

The pack checks a stack against the same files the program was built from, so a rule can say
"this role trusts a principal tenant acme never listed". Every AWS name is deterministic
(`qs-embed-<tenant>`, `<tenant>-<profile>`, the namespace), and the loader refuses files whose
names clash, so each look-up has at most one answer.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from policies.project import CONFIG_TENANTS_DIR, DEFAULT_TENANTS_DIR, config_key
from tenant_file.adoption import NOTHING_ALLOWED, AdoptionAllowList, allow_list_beside
from tenant_file.config import TenantConfig, TenantNames
from tenant_file.errors import ConfigError, Problem
from tenant_file.loader import load_tenants
from tenant_file.names import ROLE_NAME_PREFIX
from tenant_file.trusted_accounts import Neighbour, apps_by_account, roots_by_account

TENANTS_DIR_ENV = "QS_EMBED_TENANTS_DIR"
"""Where `pulumi up --policy-pack policies` finds the tenant files (default: ../tenants)."""
PROJECT_TENANTS_DIR_KEY = config_key(CONFIG_TENANTS_DIR)


@dataclass(frozen=True)
class TenantIndex:
    """Tenants by embed role name, namespace and physical profile name."""

    tenants: tuple[TenantConfig, ...] = ()
    problems: tuple[Problem, ...] = ()
    """Why the tenant files could not be read (then `tenants` is empty)."""
    adoption: AdoptionAllowList = NOTHING_ALLOWED
    """The platform's allow-list of adoptions that reach beyond their tenant."""
    directory: tuple[TenantNames, ...] | None = None
    """Every tenant of the directory, when `tenants` holds one shard's: the checks of the
    directory as a whole (a root trusted by a tenant of another shard) read these."""
    _by_role: dict[str, TenantConfig] = field(init=False, repr=False, compare=False)
    _by_namespace: dict[str, TenantConfig] = field(init=False, repr=False, compare=False)
    _by_profile: dict[str, tuple[TenantConfig, str]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_role", {t.role_name: t for t in self.tenants})
        object.__setattr__(self, "_by_namespace", {t.namespace: t for t in self.tenants})
        profiles = {
            t.profile_name(key): (t, key) for t in self.tenants for key in t.permission_profiles
        }
        object.__setattr__(self, "_by_profile", profiles)

    @property
    def whole_directory(self) -> tuple[TenantNames, ...]:
        return self.directory if self.directory is not None else self.tenants

    @cached_property
    def apps_by_account(self) -> dict[str, list[Neighbour]]:
        """The whole directory's app principals by the account they live in (built once)."""
        return apps_by_account(self.whole_directory)

    @cached_property
    def roots_by_account(self) -> dict[str, list[Neighbour]]:
        """The whole directory's tenants trusting a whole account, by that account (once)."""
        return roots_by_account(self.whole_directory)

    def by_role(self, role_name: str) -> TenantConfig | None:
        return self._by_role.get(role_name)

    def by_namespace(self, namespace: str) -> TenantConfig | None:
        return self._by_namespace.get(namespace)

    def by_profile_name(self, physical_name: str) -> tuple[TenantConfig, str] | None:
        """`<tenant>-<profile>` -> (tenant, profile key)."""
        return self._by_profile.get(physical_name)


def is_embed_role_name(name: object) -> bool:
    return isinstance(name, str) and name.startswith(ROLE_NAME_PREFIX)


def index_of(
    tenants: Sequence[TenantConfig], *, adoption: AdoptionAllowList = NOTHING_ALLOWED
) -> TenantIndex:
    return TenantIndex(tuple(tenants), adoption=adoption)


def load_index(tenants_dir: str | Path) -> TenantIndex:
    """Read a directory of tenant files; a bad directory becomes `problems`, never an error.

    The pack must still start when the files are broken, so that it can refuse the stack with
    the reason instead of crashing the analyzer.
    """
    try:
        return TenantIndex(
            tuple(load_tenants([tenants_dir])), adoption=allow_list_beside(tenants_dir)
        )
    except ConfigError as e:
        return TenantIndex(problems=e.problems)


def tenants_dir_for_pack(pack_dir: Path) -> Path:
    """Where the pack reads the tenant files when the engine runs it.

    $QS_EMBED_TENANTS_DIR first; else the project's `quicksight-embedding:tenantsDir` (the
    engine hands the stack's config to policy packs too), relative to the project root beside
    the pack; else `tenants/` there.
    """
    configured = os.environ.get(TENANTS_DIR_ENV)
    if configured:
        return Path(configured)
    import pulumi.runtime

    project_dir = pack_dir.parent
    return project_dir / (pulumi.runtime.get_config(PROJECT_TENANTS_DIR_KEY) or DEFAULT_TENANTS_DIR)
