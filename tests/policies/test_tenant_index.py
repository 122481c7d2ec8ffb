"""The tenant files as the policy pack sees them: look-ups from AWS names to a tenant."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from policies.tenant_index import (
    TENANTS_DIR_ENV,
    index_of,
    is_embed_role_name,
    load_index,
    tenants_dir_for_pack,
)
from tenant_file.config import TenantConfig
from tests import ROOT
from tests.tenant_files import example_tenants, tenant_data, write_tenant


def test_tenants_dir_for_the_pack(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    pack = ROOT / "policies"
    monkeypatch.delenv(TENANTS_DIR_ENV, raising=False)
    monkeypatch.delenv("PULUMI_CONFIG", raising=False)
    assert tenants_dir_for_pack(pack) == ROOT / "tenants"
    monkeypatch.setenv("PULUMI_CONFIG", json.dumps({"quicksight-embedding:tenantsDir": "prod"}))
    assert tenants_dir_for_pack(pack) == ROOT / "prod"
    monkeypatch.setenv(TENANTS_DIR_ENV, str(tmp_path))
    assert tenants_dir_for_pack(pack) == tmp_path


def test_tenant_config_is_what_the_pack_indexes() -> None:
    index = index_of(example_tenants())
    acme = index.by_role("qs-embed-acme")
    assert isinstance(acme, TenantConfig)
    assert index.by_namespace("globex") is not None
    assert index.by_profile_name("acme-viewer-author") == (acme, "viewer-author")


def test_a_bad_directory_becomes_problems_never_an_error(tmp_path: Path) -> None:
    """The pack must start with broken files, to refuse the stack with the reason."""
    write_tenant(tmp_path, {**tenant_data("acme"), "region": "nowhere"})
    index = load_index(tmp_path)
    assert index.tenants == ()
    assert [p.location for p in index.problems] == ["region"]
    assert index.by_role("qs-embed-acme") is None


def test_a_good_directory_is_indexed_by_every_aws_name() -> None:
    index = load_index(ROOT / "tenants")
    assert [t.tenant for t in index.tenants] == ["acme", "globex"]
    assert index.problems == ()
    assert index.whole_directory == index.tenants
    assert index.by_namespace("nowhere") is None
    assert index.by_profile_name("acme-no-such-profile") is None


@pytest.mark.parametrize(
    ("name", "embed_role"),
    [("qs-embed-acme", True), ("qs-embed", False), ("ci-deployer", False), (None, False)],
)
def test_is_embed_role_name(name: object, embed_role: bool) -> None:
    assert is_embed_role_name(name) is embed_role
