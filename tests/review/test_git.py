"""Reading the base ref's tenant files (`review.git`)."""

from __future__ import annotations

import pytest

from review.git import base_tree
from tenant_file.errors import ConfigError
from tests.repos import Repo


def test_a_base_file_that_is_not_utf8_is_refused_naming_it_at_the_ref(repo: Repo) -> None:
    path = repo.tenants / "tenant-02.yaml"
    path.write_bytes(path.read_bytes().replace(b"ann", b"ann\xe9"))  # Latin-1, not UTF-8
    repo.commit("latin-1")
    tree = base_tree(repo.tenants, "HEAD")
    with pytest.raises(ConfigError) as refused:
        tree.texts(["tenant-02"])
    assert str(refused.value).startswith("HEAD:tenants/tenant-02.yaml: is not UTF-8 text")
    assert "tenant-03" in tree.texts(["tenant-03"])
