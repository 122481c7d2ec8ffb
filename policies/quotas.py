"""AWS's per-account quotas on what the stack creates, checked over the whole tenant set.

Every tenant of an account adds an IAM role (`qs-embed-<tenant>`) and, unless it lives in
`default`, a QuickSight namespace. AWS refuses the one past the quota halfway through a
deployment (LimitExceededException, LimitExceeded), so a tenant set that needs more than an
account allows is refused before anything is declared, naming the count and the quota. A
platform whose quota AWS raised declares it once, in `platform.yaml` (`policies.platform`).

Counted over every tenant of the directory, not one shard's: the shards of a directory deploy
into the same accounts. Only the stack's own resources are counted; namespaces and roles the
account already holds for other purposes use the same quota.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from policies.platform import (
    DEPLOYING_ACCOUNT,
    PLATFORM_FILE,
    AccountQuotas,
    PlatformSettings,
    load_platform,
)
from policies.resources import DEFAULT_NAMESPACE
from tenant_file.config import TenantNames
from tenant_file.errors import ConfigError, Problem

NAMESPACES_PER_ACCOUNT = 100
"""CreateNamespace: "By default, there is a limit of 100 namespaces per AWS account. To increase
your limit, create a ticket with AWS Support."
https://docs.aws.amazon.com/quicksight/latest/APIReference/API_CreateNamespace.html"""
NAMESPACES_SOURCE = (
    "https://docs.aws.amazon.com/quicksight/latest/APIReference/API_CreateNamespace.html"
)

ROLES_PER_ACCOUNT = 1000
"""IAM and STS quotas, IAM object quotas: "Roles in an AWS account: 1,000" (adjustable).
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html"""
ROLES_SOURCE = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html"


@dataclass(frozen=True)
class Quota:
    """One per-account quota: what it limits, its default, where AWS says so."""

    key: str  # the platform.yaml key that raises it
    what: str
    default: int
    source: str

    def of(self, raised: AccountQuotas) -> int:
        value: int | None = getattr(raised, self.key)
        return self.default if value is None else value


NAMESPACES = Quota("namespaces", "QuickSight namespaces", NAMESPACES_PER_ACCOUNT, NAMESPACES_SOURCE)
ROLES = Quota("roles", "IAM roles", ROLES_PER_ACCOUNT, ROLES_SOURCE)


def account_usage(
    tenants: Sequence[TenantNames], deploying_account: str | None = None
) -> dict[str | None, dict[str, int]]:
    """Per account (None: the deploying account when unknown), how many namespaces and roles
    the tenants create: one role per tenant, one namespace per distinct non-`default` name."""
    namespaces: dict[str | None, set[str]] = {}
    roles: dict[str | None, int] = {}
    for tenant in tenants:
        account = tenant.account_id or deploying_account
        roles[account] = roles.get(account, 0) + 1
        names = namespaces.setdefault(account, set())
        if tenant.namespace != DEFAULT_NAMESPACE:
            names.add(tenant.namespace.lower())  # QuickSight: Acme and acme are one name
    return {
        account: {NAMESPACES.key: len(namespaces[account]), ROLES.key: roles[account]}
        for account in roles
    }


def quota_problems(
    tenants: Sequence[TenantNames],
    platform: PlatformSettings,
    *,
    source: str,
    deploying_account: str | None = None,
) -> list[Problem]:
    """One Problem per account and quota the tenant set exceeds, naming count and quota.

    `source` names the tenant set (the directory); `deploying_account`, when known, is the
    account of tenants whose file names none (else they are counted as one unknown account,
    with the quotas of `deploying_account` in platform.yaml)."""
    problems: list[Problem] = []
    for account, usage in account_usage(tenants, deploying_account).items():
        raised = _raised(platform, account, deploying_account)
        for quota in (NAMESPACES, ROLES):
            count, allowed = usage[quota.key], quota.of(raised)
            if count > allowed:
                problems.append(Problem(source, "", _message(quota, account, count, allowed)))
    return problems


def refuse_over_quota(
    tenants: Sequence[TenantNames], tenants_dir: str | Path, deploying_account: str | None = None
) -> None:
    """ConfigError (exit 2) when the tenant set of `tenants_dir` exceeds an account's quota,
    with the raised quotas of the platform.yaml beside it."""
    problems = quota_problems(
        tenants,
        load_platform(tenants_dir),
        source=str(tenants_dir),
        deploying_account=deploying_account,
    )
    if problems:
        raise ConfigError(problems)


def _raised(
    platform: PlatformSettings, account: str | None, deploying_account: str | None
) -> AccountQuotas:
    """The account's own entry; for the deploying account, else the `deploying_account` one."""
    if account is not None and account in platform.quotas:
        return platform.quotas[account]
    if account is None or account == deploying_account:
        return platform.account_quotas(None)
    return AccountQuotas()


def _message(quota: Quota, account: str | None, count: int, allowed: int) -> str:
    where = f"account {account}" if account else "the deploying account (no account_id)"
    key = f'"{account}"' if account else DEPLOYING_ACCOUNT
    raised = "" if allowed == quota.default else f" (raised in {PLATFORM_FILE})"
    return (
        f"the tenants need {count} {quota.what} in "
        f"{where}; its quota is {allowed}{raised} (AWS's default {quota.default}: "
        f"{quota.source}). Spread the tenants over several accounts (account_id), or have AWS "
        f"raise the quota and declare it in {PLATFORM_FILE}: "
        f"quotas: {{{key}: {{{quota.key}: N}}}}. Resources the account already holds for "
        "other uses count too"
    )
