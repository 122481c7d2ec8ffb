"""A git repository of tenant files, for the commands that compare with a ref (the `repo`
fixture of tests/qs_embed and tests/review, through their conftest)."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.tenant_files import tenant_data, write_tenant

NAMES = [f"tenant-{i:02d}" for i in range(12)]


@dataclass(frozen=True)
class Repo:
    root: Path

    @property
    def tenants(self) -> Path:
        return self.root / "tenants"

    def git(self, *args: str) -> str:
        done = subprocess.run(
            ["git", *args], cwd=self.root, capture_output=True, text=True, check=True
        )
        return done.stdout

    def commit(self, message: str) -> None:
        self.git("add", "-A")
        self.git("commit", "-qm", message)


def lean(name: str, **overrides: object) -> dict[str, object]:
    """A tenant with one user and no profile (a small program under mocks)."""
    data = tenant_data(name, permission_profiles={})
    del data["users"][0]["profile"]
    data.update(overrides)
    return data


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    found = Repo(tmp_path)
    found.git("init", "-q", "-b", "main")
    found.git("config", "user.email", "ci@example.com")
    found.git("config", "user.name", "CI")
    for name in NAMES:
        write_tenant(found.tenants, lean(name))
    (tmp_path / "README").write_text("tenants\n")
    found.commit("tenants")
    return found
