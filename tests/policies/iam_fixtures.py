"""Tenants for the IAM builder tests: the example files, fixture files and a factory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tenant_file.config import TenantConfig
from tenant_file.loader import load_tenant
from tests import ROOT

EXAMPLES = ROOT / "tenants"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
"""Tenant files for cases the examples do not show (umbrella: the default namespace)."""
ACCOUNT = "111122223333"


def example_or_fixture(name: str) -> TenantConfig:
    """tenants/<name>.yaml, or tests/policies/fixtures/<name>.yaml."""
    path = EXAMPLES / f"{name}.yaml"
    return load_tenant(path if path.exists() else FIXTURES / f"{name}.yaml")


def tenant(**overrides: Any) -> TenantConfig:
    """A valid tenant; `embedding` overrides are merged into the default embedding."""
    data: dict[str, Any] = {
        "tenant": "initech",
        "account_id": ACCOUNT,
        "embedding": {
            "identity": "quicksight",
            "app_principals": ["arn:aws:iam::111122223333:role/initech-app"],
        },
        "users": [
            {"name": "peter", "email": "peter@initech.example", "role": "AUTHOR"},
            {"name": "milton", "email": "milton@initech.example", "role": "ADMIN"},
        ],
    }
    embedding = overrides.pop("embedding", {})
    data.update(overrides)
    data["embedding"] = {**data["embedding"], **embedding}
    return TenantConfig.model_validate(data)
