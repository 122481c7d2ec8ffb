"""Refusals that need the deploying account, before any change: a tenant file's `account_id`
must be the deploying account, or the embed role lands in one account while its policy and
QuickSight ARNs name another. (One identity region per account is a check of the directory as
a whole: `tenant_file.loader.region_problems`.)"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from tenant_file.config import TenantConfig
from tenant_file.errors import Problem


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
