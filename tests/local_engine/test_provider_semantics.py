"""pulumi-aws's semantics from pulumi-aws (local_engine.provider_semantics): every input the program
passes is an argument of the installed SDK's resource, options a provider ignores are refused,
import ids carry the region as pulumi-aws 7 reads it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml

from infra.offline import OfflineRun, run_offline
from infra.offline_mocks import OfflineMocks
from infra.program import declare_tenants
from infra.tenant_stack import TenantStack
from local_engine.engine import LocalEngine
from local_engine.engine_resources import Clients
from local_engine.provider_semantics import (
    args_class,
    import_problems,
    input_problems,
    option_problems,
    split_import_id,
)
from local_engine.state import LocalState
from policies.project import QS_DYNAMIC_USER
from policies.resources import QS_CUSTOM_PERMISSIONS, QS_NAMESPACE, ROLE
from tenant_file.config import TenantConfig
from tenant_file.errors import ConfigError
from tenant_file.loader import load_tenant, parse_tenant
from tests.tenant_files import tenant_data

ROOT = Path(__file__).resolve().parents[2]


def _adopting_run() -> OfflineRun[Any]:
    data = tenant_data("acme", adopt_namespace=True)
    data["permission_profiles"]["analyst"]["adopt"] = True
    tenants = [parse_tenant(yaml.safe_dump(data), "acme.yaml")]
    return run_offline(lambda: declare_tenants(tenants), OfflineMocks(tenants, None))


def test_every_input_and_option_of_the_program_is_pulumi_aws_s(
    example_run: OfflineRun[dict[str, TenantStack]],
) -> None:
    declared = [*example_run.resources, *_adopting_run().resources]
    checked = {r.type for r in declared if r.custom and r.type.startswith("aws:")}
    assert {QS_NAMESPACE, QS_CUSTOM_PERMISSIONS, ROLE} <= checked
    for resource in declared:
        if not resource.custom:
            continue
        assert input_problems(resource.type, resource.inputs) == [], resource.name
        assert option_problems(resource.type, resource.custom_timeouts) == [], resource.name
        assert import_problems(resource.type, resource.import_id) == [], resource.name


def test_an_input_the_sdk_does_not_have_is_found_nested_too() -> None:
    assert args_class(QS_NAMESPACE).__name__ == "NamespaceArgs"  # type: ignore[union-attr]
    typo = input_problems(QS_NAMESPACE, {"namespace": "acme", "timeout": {"create": "20m"}})
    assert typo
    assert "input timeout is not an argument of NamespaceArgs" in typo[0]
    nested = input_problems(QS_NAMESPACE, {"namespace": "acme", "timeouts": {"read": "5m"}})
    assert nested
    assert "timeouts.read is not an argument of NamespaceTimeoutsArgs" in nested[0]
    assert input_problems(QS_DYNAMIC_USER, {"anything": 1}) == []  # its provider's check


def test_custom_timeouts_are_refused_where_the_bridge_ignores_them() -> None:
    (problem,) = option_problems(QS_NAMESPACE, {"create": "20m"})
    assert "issue 827" in problem
    assert "timeouts" in problem
    assert option_problems(QS_DYNAMIC_USER, {"create": "5m"})
    assert option_problems(QS_NAMESPACE, {}) == []


@pytest.mark.parametrize(
    ("import_id", "expected"),
    [
        ("111122223333,acme@us-west-2", ("111122223333,acme", "us-west-2")),
        ("111122223333,acme@eu-central-1", ("111122223333,acme", "eu-central-1")),
        ("111122223333,acme", ("111122223333,acme", None)),
        ("111122223333,acme@west", ("111122223333,acme@west", None)),  # not a region
    ],
)
def test_import_ids_are_split_as_pulumi_aws_7_reads_them(
    import_id: str, expected: tuple[str, str | None]
) -> None:
    assert split_import_id(import_id) == expected


def test_an_import_id_of_another_form_is_refused() -> None:
    assert import_problems(QS_NAMESPACE, "acme@us-east-1")
    assert import_problems(QS_CUSTOM_PERMISSIONS, "111122223333,,@us-east-1")
    assert import_problems(ROLE, "qs-embed-acme")  # the engine imports no roles
    assert import_problems(QS_NAMESPACE, "111122223333,acme@us-east-1") == []


sandbox = pytest.importorskip("sandbox")


@pytest.mark.emulator
def test_the_engine_refuses_custom_timeouts_before_any_change(
    emulator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    opts = TenantStack._opts

    def with_timeouts(self: TenantStack, **kwargs: Any) -> pulumi.ResourceOptions:
        return opts(self, custom_timeouts=pulumi.CustomTimeouts(create="20m"), **kwargs)

    monkeypatch.setattr(TenantStack, "_opts", with_timeouts)
    tenant: TenantConfig = load_tenant(ROOT / "tenants" / "acme.yaml")
    engine = LocalEngine(Clients(emulator.admin_session()), LocalState(), out=lambda _: None)
    with engine, pytest.raises(ConfigError) as e:
        engine.up([(Path("acme.yaml"), tenant)])
    text = str(e.value)
    assert "custom_timeouts is ignored" in text
    assert "issue 827" in text
    assert engine.state.resources == {}
    roles = emulator.admin_session().client("iam").list_roles()["Roles"]
    assert "qs-embed-acme" not in {r["RoleName"] for r in roles}
