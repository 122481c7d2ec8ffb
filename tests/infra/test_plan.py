"""The machine-readable plan (`qs-embed plan --json`): resources in reading order, never the
external id, counted as `qs-embed check` counts."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pytest

from infra.offline import run_offline
from infra.offline_mocks import OfflineMocks
from infra.plan import REDACTED_EXTERNAL_ID, build_plan, resource_count
from infra.program import declare_tenants
from tenant_file.config import TenantConfig
from tests.tenant_files import example, example_tenants


def plan_of(tenants: Sequence[TenantConfig]) -> dict[str, Any]:
    run = run_offline(lambda: declare_tenants(tenants), OfflineMocks(tenants))
    return build_plan(tenants, run)


@pytest.mark.parametrize(
    ("counts", "text"),
    [
        ((1, 1, 0), "1 resource in 1 tenant component"),
        ((15, 2, 0), "15 resources in 2 tenant components"),
        ((15, 2, 1), "15 resources in 2 tenant components and 1 outside them"),
    ],
)
def test_resource_count(counts: tuple[int, int, int], text: str) -> None:
    assert resource_count(*counts) == text


def test_the_plan_summarises_and_orders_each_tenants_resources() -> None:
    plan = plan_of(example_tenants())
    assert plan["offline"] is True
    assert plan["summary"] == {"tenants": 2, "resources": 15, "components": 2}
    globex = plan["tenants"][1]
    assert (globex["tenant"], globex["identity"], globex["embedRole"]) == (
        "globex",
        "iam",
        "qs-embed-globex",
    )
    assert globex["component"]["name"] == "globex"
    types = [r["type"].rsplit(":", 1)[-1] for r in globex["resources"]]
    assert types == ["Role", "RolePolicy", "Namespace", "CustomPermissions", "User", "User", "User"]


def test_the_external_id_is_never_in_the_plan() -> None:
    globex = example("globex")
    assert globex.embedding.external_id is not None
    secret = globex.embedding.external_id.get_secret_value()
    plan = plan_of([globex])
    assert secret not in json.dumps(plan)
    trust = plan["tenants"][0]["policies"]["trust"]
    [statement] = trust["Statement"]
    assert statement["Condition"]["StringEquals"]["sts:ExternalId"] == REDACTED_EXTERNAL_ID
    [role] = [r for r in plan["tenants"][0]["resources"] if r["type"] == "aws:iam/role:Role"]
    assert role["secretInState"] == ["assumeRolePolicy"]


def test_policies_are_documents_and_whole_numbers_are_ints() -> None:
    [acme] = plan_of([example("acme")])["tenants"]
    assert acme["policies"]["permissions"]["Version"] == "2012-10-17"
    [role] = [r for r in acme["resources"] if r["type"] == "aws:iam/role:Role"]
    assert isinstance(role["properties"]["assumeRolePolicy"], dict)
    assert role["properties"]["maxSessionDuration"] == 3600
    assert type(role["properties"]["maxSessionDuration"]) is int
    assert "secretInState" not in role  # acme has no external id
