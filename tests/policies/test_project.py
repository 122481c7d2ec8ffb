"""`policies.project` is the one home of the names shared through strings: equal to what
Pulumi.yaml and PulumiPolicy.yaml say, and to what the program really registers."""

from __future__ import annotations

from pathlib import Path

import yaml

import embedder
from policies import project
from policies.shards import PULUMI_SHARD_COUNT_KEY, PULUMI_SHARD_KEY
from policies.tenant_index import PROJECT_TENANTS_DIR_KEY
from tests import ROOT


def _yaml(path: Path) -> dict[str, object]:
    data = yaml.safe_load(path.read_text())
    assert isinstance(data, dict)
    return data


def test_the_project_name_and_config_keys_are_pulumi_yamls() -> None:
    pulumi_yaml = _yaml(ROOT / "Pulumi.yaml")
    assert pulumi_yaml["name"] == project.PROJECT
    config = pulumi_yaml["config"]
    assert isinstance(config, dict)
    assert sorted(config) == sorted(project.CONFIG_KEYS)
    assert config[project.CONFIG_TENANTS_DIR]["default"] == project.DEFAULT_TENANTS_DIR
    assert str(config[project.CONFIG_SHARD]["default"]) == project.SHARD_NOT_SET
    assert (ROOT / project.DEFAULT_TENANTS_DIR).is_dir()


def test_the_pack_reads_the_programs_config_by_its_qualified_keys() -> None:
    qualified = {PROJECT_TENANTS_DIR_KEY, PULUMI_SHARD_COUNT_KEY, PULUMI_SHARD_KEY}
    assert qualified == {f"{project.PROJECT}:{key}" for key in project.CONFIG_KEYS}


def test_the_pack_file_says_the_packages_version_and_pins_no_virtualenv() -> None:
    pack_yaml = _yaml(ROOT / "policies" / "PulumiPolicy.yaml")
    assert pack_yaml["version"] == embedder.__version__
    runtime = pack_yaml["runtime"]
    assert isinstance(runtime, dict)
    assert runtime["name"] == "python"
    assert "virtualenv" not in runtime.get("options", {})


def test_the_type_tokens_are_what_the_program_registers() -> None:
    from review.declared import declare_program
    from tenant_file.loader import load_tenant

    declared = declare_program([load_tenant(ROOT / "tenants" / "acme.yaml")])
    types = {d.resource.resource_type for d in declared}
    assert {project.TENANT_STACK, project.QS_DYNAMIC_USER} <= types
