"""platform.yaml: read once, with the tenant files' guards; unknown sections refused."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tenant_file.errors import ConfigError
from tenant_file.platform_settings import (
    PLATFORM_FILE,
    parse_platform_settings,
    platform_file_for,
    read_platform_settings,
)


def test_the_platform_file_is_beside_the_tenants_directory(tmp_path: Path) -> None:
    assert platform_file_for(tmp_path / "tenants") == tmp_path / PLATFORM_FILE
    assert platform_file_for("tenants") == Path(PLATFORM_FILE)


def test_no_file_means_no_sections(tmp_path: Path) -> None:
    assert read_platform_settings(tmp_path / PLATFORM_FILE) == {}
    (tmp_path / PLATFORM_FILE).write_text("# nothing decided yet\n")
    assert read_platform_settings(tmp_path / PLATFORM_FILE) == {}


def test_both_sections_are_read(tmp_path: Path) -> None:
    text = "adoption: {fin: {users: [cfo], reason: why}}\nquotas: {namespaces: 200}\n"
    settings = parse_platform_settings(text, "platform.yaml")
    assert set(settings) == {"adoption", "quotas"}


@pytest.mark.parametrize(
    ("text", "where", "says"),
    [
        ("adoptions: {}\n", "adoptions", "unknown section; allowed: adoption, quotas"),
        ("- adoption\n", "", "must be a mapping of sections"),
        ("adoption: {}\nadoption: {}\n", "line 2, column 1", "duplicate key 'adoption'"),
        ("a: &a [*a]\n", "line 1", "an alias refers to a node that contains it"),
    ],
)
def test_a_bad_platform_file_is_refused_with_where_and_why(
    text: str, where: str, says: str
) -> None:
    with pytest.raises(ConfigError) as refused:
        parse_platform_settings(text, "platform.yaml")
    [problem] = refused.value.problems
    assert problem.source == "platform.yaml"
    assert problem.location.startswith(where)
    assert says in problem.message


@pytest.mark.parametrize("kind", ["fifo", "dev-zero"])
def test_a_platform_file_that_is_not_a_plain_file_is_refused(tmp_path: Path, kind: str) -> None:
    path = tmp_path / PLATFORM_FILE
    if kind == "fifo":
        os.mkfifo(path)
    else:
        path.symlink_to("/dev/zero")
    with pytest.raises(ConfigError, match="not a regular file"):
        read_platform_settings(path)
