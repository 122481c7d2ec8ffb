"""Capabilities: the provider's fields are read from pulumi-aws; the rest are refused."""

from __future__ import annotations

import inspect
from pathlib import Path

import pulumi_aws as aws
import pytest

from infra.capabilities import (
    capabilities_args,
    provider_capability_fields,
    provider_problems,
)
from infra.program import load_checked_tenants
from qs_embed.cli import main
from tenant_file.errors import ConfigError
from tenant_file.limits import service_limits
from tests.tenant_files import tenant_data, write_tenant


def _unexpressible() -> str:
    return sorted(service_limits().capability_names - set(provider_capability_fields()))[0]


def test_every_provider_field_maps_to_a_botocore_capability() -> None:
    init = aws.quicksight.CustomPermissionsCapabilitiesArgs.__init__
    fields = {p for p in inspect.signature(init).parameters if not p.startswith("_")}
    mapping = provider_capability_fields()
    assert set(mapping.values()) == fields
    assert set(mapping) <= service_limits().capability_names
    assert mapping["CreateSPICEDataset"] == "create_spice_dataset"
    assert mapping["ExportToCsv"] == "export_to_csv"
    assert len(mapping) < len(service_limits().capability_names), "the provider is a subset"


def test_capabilities_args_denies_by_provider_field() -> None:
    args = capabilities_args(["ExportToCsv", "ViewAccountSPICECapacity"])
    assert args.export_to_csv == "DENY"
    assert args.view_account_spice_capacity == "DENY"
    assert args.share_dashboards is None
    with pytest.raises(ValueError, match="cannot deny"):
        capabilities_args([_unexpressible()])


def test_unexpressible_capability_is_refused_with_file_and_field(tmp_path: Path) -> None:
    capability = _unexpressible()
    data = tenant_data(
        "initech", permission_profiles={"analyst": {"deny": ["ExportToCsv", capability]}}
    )
    path = write_tenant(tmp_path, data)
    with pytest.raises(ConfigError) as refused:
        load_checked_tenants(tmp_path)
    (problem,) = refused.value.problems
    assert problem.source == str(path)
    assert problem.location == "permission_profiles.analyst.deny[1]"
    assert capability in problem.message
    assert "pulumi-aws" in problem.message
    assert "ExportToCsv" in problem.message, "the message lists what is allowed"


def test_provider_problems_accepts_the_examples(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2] / "tenants"
    loaded = [(p, t) for p, t in load_checked_tenants(root)]
    assert provider_problems(loaded) == []


def test_plan_exits_2_naming_the_field(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capability = _unexpressible()
    data = tenant_data("initech", permission_profiles={"analyst": {"deny": [capability]}})
    write_tenant(tmp_path, data)
    assert main(["plan", "--tenants", str(tmp_path)]) == 2
    captured = capsys.readouterr()
    assert "permission_profiles.analyst.deny[0]" in captured.err
    assert captured.out == ""
