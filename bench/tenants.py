"""Tenant configs for the benchmarks: valid, alike, and as many as a benchmark needs."""

from __future__ import annotations

from typing import Any, Literal

from bench.stub import ACCOUNT, REGION
from tenant_file.config import TenantConfig

Identity = Literal["quicksight", "iam"]


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


def tenant(name: str, identity: Identity = "quicksight", users: int = 3) -> TenantConfig:
    return TenantConfig.model_validate(tenant_data(name, identity, users))


def user_names(config: TenantConfig) -> list[str]:
    return [u.name for u in config.users]
