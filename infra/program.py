"""The Pulumi program's steps, shared by `__main__.py`, `qs-embed plan` and the tests.

Tenant files are read and checked once, as a whole, before any resource is declared: one bad
file refuses the whole program, so a deployment never half-applies a directory of tenants.
A sharded stack (config `shardCount` > 1) declares only its `shard`'s tenants
(`policies.shards`): their files are checked in full, every other file only for the names
that must be unique, so two tenants in different shards cannot claim the same namespace,
role or profile names, while a mistake in one shard's file holds back that shard alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pulumi

from infra.capabilities import provider_problems
from infra.preflight import account_problems
from infra.tenant_stack import TenantStack, TenantStackArgs
from policies.iam_limits import policy_size_problems
from policies.project import (
    CONFIG_SHARD,
    CONFIG_SHARD_COUNT,
    CONFIG_TENANTS_DIR,
    DEFAULT_TENANTS_DIR,
)
from policies.shards import PULUMI_CONFIG, ShardSelection, load_shard_files, pulumi_config_shard
from tenant_file.config import TenantConfig
from tenant_file.errors import ConfigError, Problem
from tenant_file.loader import load_tenant_files


class TenantsRefused(pulumi.RunError):
    """The tenant files are not deployable; Pulumi prints this without a traceback."""

    def __init__(self, error: ConfigError) -> None:
        self.error = error
        count = len(error.problems)
        lines = "\n".join(f"  {p}" for p in error.problems)
        where = "the stack's config" if _from_config(error) else "the tenant files"
        super().__init__(
            f"{count} problem{'s' if count != 1 else ''} in {where}; "
            f"no resource was declared:\n{lines}"
        )


def _from_config(error: ConfigError) -> bool:
    return all(p.source == PULUMI_CONFIG for p in error.problems)


def load_checked_tenants(
    tenants_dir: str | Path, shard: ShardSelection | None = None
) -> list[tuple[Path, TenantConfig]]:
    """Every tenant file with its path, valid and deployable by this provider; or ConfigError.

    With a `shard` of several, only that shard's files (`policies.shards.load_shard_files`:
    validated in full, and checked for clashes with every other tenant's names).
    """
    if shard is None or shard.count == 1:
        loaded = load_tenant_files([tenants_dir])
    else:
        loaded = load_shard_files(tenants_dir, shard)
    problems = deployability_problems(loaded)
    if problems:
        raise ConfigError(problems)
    return loaded


def deployability_problems(loaded: Sequence[tuple[Path, TenantConfig]]) -> list[Problem]:
    """What valid tenant files still cannot deploy: provider capabilities, IAM size quotas."""
    return provider_problems(loaded) + policy_size_problems(loaded)


def declare_tenants(tenants: Sequence[TenantConfig]) -> dict[str, TenantStack]:
    """One TenantStack per tenant; its outputs exported under the tenant's name."""
    stacks: dict[str, TenantStack] = {}
    for tenant in tenants:
        stack = TenantStack(tenant.tenant, TenantStackArgs(tenant))
        pulumi.export(tenant.tenant, stack.exports())
        stacks[tenant.tenant] = stack
    return stacks


def run_program(
    tenants_dir: str | Path, shard: ShardSelection | None = None
) -> dict[str, TenantStack]:
    """The whole program: check all tenant files, then declare the tenants of `shard`
    (default: every tenant)."""
    try:
        loaded = load_checked_tenants(tenants_dir, shard)
        if any(tenant.account_id for _, tenant in loaded):
            account = _deploying_account()
            problems = account_problems(loaded, account) if account else []
            if problems:
                raise ConfigError(problems)
    except ConfigError as e:
        raise TenantsRefused(e) from e
    return declare_tenants([tenant for _, tenant in loaded])


def _deploying_account() -> str:
    """The account of the credentials `pulumi up` runs with (one invoke, before any resource)."""
    import pulumi_aws as aws

    account = str(aws.get_caller_identity().account_id)
    # Offline (qs-embed plan, tests) the mocks answer a placeholder: nothing to compare.
    return account if account.isdigit() else ""


def run_configured_program(config: pulumi.Config) -> dict[str, TenantStack]:
    """`run_program` as the stack's config says: `tenantsDir`, `shardCount`, `shard`."""
    try:
        shard = pulumi_config_shard(config.get(CONFIG_SHARD_COUNT), config.get(CONFIG_SHARD))
    except ConfigError as e:
        raise TenantsRefused(e) from e
    return run_program(config.get(CONFIG_TENANTS_DIR) or DEFAULT_TENANTS_DIR, shard)
