"""Refusals that need the set of tenant files (and the deploying account), before any change.

- A tenant file's `account_id` must be the deploying account: otherwise the embed role lands
  in one account while its policy and QuickSight ARNs name another.
- QuickSight keeps an account's users in one identity region, so every tenant of an account
  must name the same `region` (a file without `account_id` is in the deploying account).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from embedder.config import TenantConfig
from embedder.errors import Problem

DEPLOYING = "the deploying account"


def account_problems(
    loaded: Sequence[tuple[Path, TenantConfig]], deploying_account: str
) -> list[Problem]:
    """Files whose `account_id` is not the account of the deploying credentials."""
    return [
        Problem(
            str(path),
            "account_id",
            f"is {tenant.account_id}, but the deploying credentials are of account "
            f"{deploying_account}: deploy it with credentials of {tenant.account_id}, "
            "or correct account_id (omit it to mean the deploying account)",
        )
        for path, tenant in loaded
        if tenant.account_id is not None and tenant.account_id != deploying_account
    ]


def region_problems(
    loaded: Sequence[tuple[Path, TenantConfig]], deploying_account: str | None = None
) -> list[Problem]:
    """Tenants of one account that name different identity regions (each file, both named)."""
    by_account: dict[str, list[tuple[Path, TenantConfig]]] = {}
    for path, tenant in loaded:
        account = tenant.account_id or deploying_account or DEPLOYING
        by_account.setdefault(account, []).append((path, tenant))
    problems: list[Problem] = []
    for account, tenants in by_account.items():
        if len({t.region for _, t in tenants}) < 2:
            continue
        for path, tenant in tenants:
            others = [
                f"{other_path} ({other.region})"
                for other_path, other in tenants
                if other.region != tenant.region
            ]
            problems.append(
                Problem(
                    str(path),
                    "region",
                    f"is {tenant.region}, but {', '.join(others)} of the same account "
                    f"({account}) name another: QuickSight keeps an account's users in one "
                    "identity region; every tenant of the account must use it",
                )
            )
    return problems
