"""Tenant files for the tests: the repository's examples, and writing a document as a file."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from tenant_file.config import TenantConfig
from tenant_file.loader import load_tenants
from tests import ROOT

EXAMPLES = ROOT / "tenants"
"""The example tenants: acme (quicksight identity), globex (iam identity)."""


@cache
def example_tenants() -> tuple[TenantConfig, ...]:
    """tenants/*.yaml, loaded and checked once per test session."""
    return tuple(load_tenants([EXAMPLES]))


def example(name: str) -> TenantConfig:
    return next(t for t in example_tenants() if t.tenant == name)


def write_tenant(directory: Path, document: Mapping[str, Any]) -> Path:
    """`document` as `directory/<tenant>.yaml`."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{document['tenant']}.yaml"
    path.write_text(yaml.safe_dump(dict(document), sort_keys=False))
    return path


MINIMAL: dict[str, Any] = {
    "tenant": "acme",
    "embedding": {
        "identity": "quicksight",
        "app_principals": ["arn:aws:iam::111122223333:role/acme-portal"],
    },
    "users": [{"name": "alice", "email": "alice@acme.example", "role": "AUTHOR"}],
}
"""The smallest valid tenant file (acme, quicksight identity, one author): copy it to edit it
(`{**MINIMAL, ...}`)."""


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


def write_many_tenants(directory: Path, count: int, **overrides: Any) -> list[str]:
    """`count` small tenants (one user, no profile), each in its own namespace by default."""
    names = [f"t{i:04d}" for i in range(count)]
    for name in names:
        data = tenant_data(name, permission_profiles={}, **overrides)
        del data["users"][0]["profile"]
        write_tenant(directory, data)
    return names
