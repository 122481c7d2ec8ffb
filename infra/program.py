"""The Pulumi program's steps, shared by `__main__.py`, `qs-embed plan` and the tests.

Tenant files are read and checked once, as a whole, before any resource is declared: one bad
file refuses the whole program, so a deployment never half-applies a directory of tenants.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pulumi

from embedder.config import TenantConfig
from embedder.errors import ConfigError, Problem
from embedder.loader import load_tenant_files
from infra.capabilities import provider_problems
from infra.preflight import account_problems, region_problems
from infra.tenant_stack import TenantStack, TenantStackArgs
from policies.iam_limits import policy_size_problems

CONFIG_TENANTS_DIR = "tenantsDir"
DEFAULT_TENANTS_DIR = "tenants"


class TenantsRefused(pulumi.RunError):
    """The tenant files are not deployable; Pulumi prints this without a traceback."""

    def __init__(self, error: ConfigError) -> None:
        self.error = error
        count = len(error.problems)
        lines = "\n".join(f"  {p}" for p in error.problems)
        super().__init__(
            f"{count} problem{'s' if count != 1 else ''} in the tenant files; "
            f"no resource was declared:\n{lines}"
        )


def load_checked_tenants(tenants_dir: str | Path) -> list[tuple[Path, TenantConfig]]:
    """Every tenant file with its path, valid and deployable by this provider; or ConfigError."""
    loaded = load_tenant_files([tenants_dir])
    problems = deployability_problems(loaded)
    if problems:
        raise ConfigError(problems)
    return loaded


def deployability_problems(loaded: Sequence[tuple[Path, TenantConfig]]) -> list[Problem]:
    """What valid tenant files still cannot deploy: provider capabilities, IAM size quotas,
    one identity region per account."""
    return provider_problems(loaded) + policy_size_problems(loaded) + region_problems(loaded)


def declare_tenants(tenants: Sequence[TenantConfig]) -> dict[str, TenantStack]:
    """One TenantStack per tenant; its outputs exported under the tenant's name."""
    stacks: dict[str, TenantStack] = {}
    for tenant in tenants:
        stack = TenantStack(tenant.tenant, TenantStackArgs(tenant))
        pulumi.export(tenant.tenant, stack.exports())
        stacks[tenant.tenant] = stack
    return stacks


def run_program(tenants_dir: str | Path) -> dict[str, TenantStack]:
    """The whole program: check all tenant files, then declare every tenant."""
    try:
        loaded = load_checked_tenants(tenants_dir)
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
