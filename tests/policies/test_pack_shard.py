"""The pack of a sharded stack checks the stack's shard: the tenants the stack declares."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from policies.pack import (
    SHARD_COUNT_ENV,
    SHARD_ENV,
    build_policies,
    pack_index,
    run_pack,
)
from policies.shards import ShardSelection, select_shard, shard_of
from policies.tenant_index import TENANTS_DIR_ENV, index_of
from review.declared import declare_program
from tenant_file.config import TenantConfig
from tenant_file.loader import load_tenants
from tests.tenant_files import tenant_data, write_tenant

NAMES = ["acme", "globex", "initech", "umbrella"]


@pytest.fixture(scope="module")
def tenants_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("tenants")
    for name in NAMES:
        write_tenant(directory, tenant_data(name))
    return directory


@pytest.fixture
def pack_dir(tenants_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(TENANTS_DIR_ENV, str(tenants_dir))
    monkeypatch.delenv(SHARD_COUNT_ENV, raising=False)
    monkeypatch.delenv(SHARD_ENV, raising=False)
    return Path("policies")


def _lookup(config: dict[str, str]) -> Callable[[str], str | None]:
    """The stack's config as the pack reads it (`pulumi.runtime.get_config`)."""
    return config.get


def test_the_stacks_shard_config_selects_the_index(pack_dir: Path) -> None:
    for k in range(2):
        config = {"quicksight-embedding:shardCount": "2", "quicksight-embedding:shard": str(k)}
        index = pack_index(pack_dir, config.get)
        assert index.problems == ()
        assert [t.tenant for t in index.tenants] == [n for n in NAMES if shard_of(n, 2) == k]


def test_the_environment_comes_first(pack_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SHARD_COUNT_ENV, "2")
    monkeypatch.setenv(SHARD_ENV, "1")
    index = pack_index(pack_dir, _lookup({"quicksight-embedding:shardCount": "7"}))
    assert [t.tenant for t in index.tenants] == [n for n in NAMES if shard_of(n, 2) == 1]


def test_unsharded_by_default(pack_dir: Path) -> None:
    assert [t.tenant for t in pack_index(pack_dir, _lookup({})).tenants] == NAMES
    defaults = {"quicksight-embedding:shardCount": "1", "quicksight-embedding:shard": "-1"}
    assert [t.tenant for t in pack_index(pack_dir, _lookup(defaults)).tenants] == NAMES


def test_bad_shard_settings_refuse_the_stack_with_the_reason(
    pack_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SHARD_COUNT_ENV, "2")
    index = pack_index(pack_dir, _lookup({}))
    assert index.tenants == ()
    assert [str(p) for p in index.problems] == [
        f"environment: {SHARD_ENV}: is required when {SHARD_COUNT_ENV} is 2: which shard "
        "this is, 0..1"
    ]
    violations = run_pack(build_policies(index), [])
    assert any(v.mandatory and SHARD_ENV in v.message for v in violations)


def test_a_shards_stack_passes_its_shards_pack_and_not_the_whole_directorys(
    tenants_dir: Path,
) -> None:
    everyone: list[TenantConfig] = load_tenants([tenants_dir])
    shard = ShardSelection(shard_of("acme", 2), 2)
    mine = select_shard(everyone, shard)
    declared = declare_program(mine)
    assert not [v for v in run_pack(build_policies(index_of(mine)), declared) if v.mandatory]
    whole = [v for v in run_pack(build_policies(index_of(everyone)), declared) if v.mandatory]
    assert {v.policy for v in whole} == {"stack-one-embed-role-per-tenant"}
