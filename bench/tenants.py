"""Tenant configs for the benchmarks: valid, alike, and as many as a benchmark needs."""

from __future__ import annotations

from typing import Any, Literal

from bench.stub import ACCOUNT, REGION
from tenant_file.config import TenantConfig

Identity = Literal["quicksight", "iam"]

TENANTS_PER_ACCOUNT = 100
"""Tenants of one account in a benchmark's directory: every tenant adds a QuickSight namespace
and an IAM role to its account, and AWS holds 100 namespaces (by default) and 1,000 roles
(5,000 at most, raised) per account (`policies.quotas`), so a large directory is spread over
accounts as a real platform's is; each tenant's app principal lives in its own account."""


def account_of(index: int) -> str:
    """The account of a benchmark's tenant number `index`: ACCOUNT for the first 100, then one
    more for each next 100 (`111122223333`, `111122223334`, ...)."""
    return f"{int(ACCOUNT) + index // TENANTS_PER_ACCOUNT:012d}"


def tenant_data(
    name: str, identity: Identity = "quicksight", users: int = 3, account: str = ACCOUNT
) -> dict[str, Any]:
    """A tenant file's content: `users` AUTHOR users `u000`, `u001`, ... (profile analyst)."""
    return {
        "tenant": name,
        "account_id": account,
        "region": REGION,
        "namespace": name,
        "embedding": {
            "identity": identity,
            "app_principals": [f"arn:aws:iam::{account}:role/{name}-portal"],
            "default_entry_point": "/start/dashboards",
            "allowed_entry_points": ["/start", "/start/dashboards", "/dashboards/*"],
            "session_lifetime_minutes": 120,
        },
        "permission_profiles": {"analyst": {"deny": ["ExportToCsv", "ShareDashboards"]}},
        "users": [
            {
                "name": f"u{i:03d}",
                "email": f"u{i:03d}@{name}.example",
                "role": "AUTHOR",
                "profile": "analyst",
            }
            for i in range(users)
        ],
    }


def tenant(
    name: str, identity: Identity = "quicksight", users: int = 3, account: str = ACCOUNT
) -> TenantConfig:
    return TenantConfig.model_validate(tenant_data(name, identity, users, account))


def user_names(config: TenantConfig) -> list[str]:
    return [u.name for u in config.users]


DASHBOARD = "sales-2030"
ANONYMOUS_DASHBOARD = "public-kpis"


def experience_tenant(name: str) -> TenantConfig:
    """`tenant(name)` whose users may also open a dashboard, with anonymous readers of
    another, tagged by region and a fixed tenant id."""
    data = tenant_data(name)
    data["embedding"].update(experiences=["console", "dashboard"], dashboards=[DASHBOARD])
    data["anonymous"] = {
        "dashboards": [ANONYMOUS_DASHBOARD],
        "session_tags": {"keys": ["region"], "fixed": {"tenant_id": name}},
    }
    return TenantConfig.model_validate(data)
