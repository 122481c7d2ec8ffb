"""The platform file at a git ref: what a review trusts, read with the guards of a file."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from review.platform_base import adoption_at, platform_settings_at
from tenant_file.errors import ConfigError

ALLOWANCE = {"adoption": {"acme": {"users": ["alice"], "reason": "INC-1"}}}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "tenants").mkdir()
    (tmp_path / "tenants" / "README").write_text("tenants\n")
    for args in (
        ("init", "-q", "-b", "main"),
        ("config", "user.email", "ci@example.com"),
        ("config", "user.name", "CI"),
    ):
        git(tmp_path, *args)
    commit(tmp_path, "start")
    return tmp_path


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


def commit(root: Path, message: str) -> None:
    git(root, "add", "-A")
    git(root, "commit", "-qm", message)


def test_the_file_at_the_ref_is_read_not_the_one_on_disk(repo: Path) -> None:
    (repo / "platform.yaml").write_text(yaml.safe_dump(ALLOWANCE))
    assert platform_settings_at(repo / "tenants", "HEAD") == {}
    assert not adoption_at(repo / "tenants", "HEAD").allows_user("acme", "alice")
    commit(repo, "allow")
    (repo / "platform.yaml").unlink()
    assert adoption_at(repo / "tenants", "HEAD").allows_user("acme", "alice")
    assert not adoption_at(repo / "tenants", "HEAD~1").allows_user("acme", "alice")


def test_a_committed_link_is_not_a_platform_file(repo: Path) -> None:
    (repo / "platform.yaml").symlink_to("/dev/zero")
    commit(repo, "a link")
    with pytest.raises(ConfigError, match="is not a plain file at HEAD"):
        platform_settings_at(repo / "tenants", "HEAD")


def test_a_huge_committed_file_is_refused_before_it_is_read(repo: Path) -> None:
    (repo / "platform.yaml").write_text("# " + "x" * 1_000_001 + "\n")
    commit(repo, "huge")
    with pytest.raises(ConfigError, match="is larger than 1000000 bytes"):
        platform_settings_at(repo / "tenants", "HEAD")


def test_a_bad_file_at_the_ref_names_the_ref(repo: Path) -> None:
    (repo / "platform.yaml").write_text("adoptions: {}\n")
    commit(repo, "typo")
    with pytest.raises(ConfigError) as refused:
        platform_settings_at(repo / "tenants", "HEAD")
    assert [str(p) for p in refused.value.problems] == [
        "HEAD:platform.yaml: adoptions: unknown section; allowed: adoption, quotas"
    ]
