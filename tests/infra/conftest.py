"""Shared fixtures: the example tenants, run once through the real program under mocks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from embedder.config import TenantConfig
from infra.offline import OfflineRun, run_offline
from infra.plan_mocks import PlanMocks
from infra.program import load_checked_tenants, run_program
from infra.tenant_stack import TenantStack

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "tenants"


def write_tenant(directory: Path, data: dict[str, Any]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{data['tenant']}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def tenant_data(name: str, **overrides: Any) -> dict[str, Any]:
    """A valid tenant file's content (quicksight identity, one profiled user)."""
    data: dict[str, Any] = {
        "tenant": name,
        "account_id": "111122223333",
        "embedding": {
            "identity": "quicksight",
            "app_principals": [f"arn:aws:iam::111122223333:role/{name}-app"],
        },
        "permission_profiles": {"analyst": {"deny": ["ExportToCsv"]}},
        "users": [
            {"name": "ann", "email": "ann@x.example", "role": "AUTHOR", "profile": "analyst"}
        ],
    }
    data.update(overrides)
    return data


@pytest.fixture(scope="session")
def example_tenants() -> list[TenantConfig]:
    return [tenant for _, tenant in load_checked_tenants(EXAMPLES)]


@pytest.fixture(scope="session")
def example_run(example_tenants: list[TenantConfig]) -> OfflineRun[dict[str, TenantStack]]:
    """The whole program (load, check, declare, export) over tenants/, once per session."""
    return run_offline(lambda: run_program(EXAMPLES), PlanMocks(example_tenants))
