"""A sharded stack declares its shard's tenants; the whole directory is still checked."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest
import yaml

from infra.offline import run_offline
from infra.offline_mocks import OfflineMocks
from infra.program import TenantsRefused
from policies.project import TENANT_STACK
from policies.shards import shard_of
from tests import ROOT
from tests.tenant_files import tenant_data, write_tenant

NAMES = [f"tenant-{i:02d}" for i in range(12)]


def _stack(tenants_dir: Path, **config: str) -> list[str]:
    qualified = {f"quicksight-embedding:{k}": v for k, v in config.items()}
    qualified["quicksight-embedding:tenantsDir"] = str(tenants_dir)
    run = run_offline(
        lambda: runpy.run_path(str(ROOT / "__main__.py")), OfflineMocks([]), config=qualified
    )
    return [c.name for c in run.of_type(TENANT_STACK)]


@pytest.fixture(scope="module")
def twelve(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("tenants")
    for name in NAMES:
        data = tenant_data(name, permission_profiles={})
        del data["users"][0]["profile"]
        write_tenant(directory, data)
    return directory


def test_the_shards_of_a_stack_set_declare_every_tenant_once(twelve: Path) -> None:
    declared = {k: _stack(twelve, shardCount="3", shard=str(k)) for k in range(3)}
    assert sorted(n for names in declared.values() for n in names) == NAMES
    for k, names in declared.items():
        assert names == [n for n in NAMES if shard_of(n, 3) == k]
        assert names, "12 tenants over 3 shards leave none empty"


def test_an_unsharded_stack_declares_everyone_with_the_declared_defaults(twelve: Path) -> None:
    # Pulumi.yaml's defaults: shardCount 1, shard -1 (not set).
    project = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())["config"]
    defaults = {key: str(project[key]["default"]) for key in ("shardCount", "shard")}
    assert defaults == {"shardCount": "1", "shard": "-1"}
    assert _stack(twelve, **defaults) == NAMES
    assert _stack(twelve) == NAMES


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (
            {"shardCount": "3", "shard": "-1"},
            "Pulumi config: quicksight-embedding:shard: is required when "
            "quicksight-embedding:shardCount is 3: which shard this is, 0..2",
        ),
        (
            {"shardCount": "3", "shard": "3"},
            "quicksight-embedding:shard: must be 0..2 (quicksight-embedding:shardCount is 3)",
        ),
        ({"shardCount": "0"}, "quicksight-embedding:shardCount: must be at least 1"),
    ],
)
def test_bad_shard_config_refuses_the_stack_with_what_is_allowed(
    twelve: Path, config: dict[str, str], message: str
) -> None:
    with pytest.raises(TenantsRefused) as refused:
        _stack(twelve, **config)
    assert "1 problem in the stack's config; no resource was declared" in str(refused.value)
    assert message in str(refused.value)


def test_a_clash_across_shards_refuses_every_shard(tmp_path: Path) -> None:
    # Two tenants in different shards claiming one namespace: each shard alone looks fine.
    first, second = "acme", "globex"
    assert shard_of(first, 2) != shard_of(second, 2)
    write_tenant(tmp_path, tenant_data(first, namespace="shared"))
    write_tenant(tmp_path, tenant_data(second, namespace="shared"))
    for k in range(2):
        with pytest.raises(TenantsRefused, match="namespace 'shared' is already used by"):
            _stack(tmp_path, shardCount="2", shard=str(k))


def test_a_mistake_in_one_tenants_file_holds_back_its_shard_alone(twelve: Path) -> None:
    broken = twelve / "tenant-04.yaml"
    good = broken.read_text()
    broken.write_text(good.replace("role: AUTHOR", "role: READER"))
    try:
        own = shard_of("tenant-04", 3)
        for k in range(3):
            if k == own:
                with pytest.raises(TenantsRefused, match=r"tenant-04\.yaml: users"):
                    _stack(twelve, shardCount="3", shard=str(k))
            else:
                assert _stack(twelve, shardCount="3", shard=str(k)) == [
                    n for n in NAMES if shard_of(n, 3) == k
                ]
        with pytest.raises(TenantsRefused, match=r"tenant-04\.yaml: users"):
            _stack(twelve)  # unsharded: one stack, one blast radius
    finally:
        broken.write_text(good)
