"""The bad-file corpus through every reading path: one shard's full read (`plan`/`check
--shard`), another shard's names-only read, and `check --base --shard-count` (added, and a
link committed at the ref). The guarded reader refuses a FIFO, a link to a device and an alias
bomb in every one of them, with one line naming the file, never a hang or a MemoryError."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from policies.shards import shard_of
from qs_embed.cli import main
from tests.corpus import BadTenantCase, bad_tenant_cases

CASES = bad_tenant_cases()
SHARDS = 2
GUARDS = (
    "not a regular file",
    "larger than",
    "YAML nodes",
    "an alias refers to a node that contains it",
)
"""What the guarded reader refuses in both modes (full and names-only): not a regular file,
too large, over the node budget. Any other mistake in a file is its own shard's to refuse."""


def _guarded(case: BadTenantCase) -> bool:
    return any(guard in case.expect for guard in GUARDS)


def _own_shard(case: BadTenantCase) -> int:
    return shard_of(Path(case.file).stem, SHARDS)


def _assert_refused(case: BadTenantCase, path: Path, err: str) -> None:
    assert "Traceback" not in err, err
    assert "this is a bug" not in err, err
    prefix = f"error: {path}: {case.location}" if case.location else f"error: {path}: "
    matching = [line for line in err.splitlines() if line.startswith(prefix)]
    assert any(case.expect in line for line in matching), f"no {prefix!r} {case.expect!r}:\n{err}"


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.case)
@pytest.mark.parametrize("command", ["plan", "check"])
def test_its_own_shard_refuses_it(
    case: BadTenantCase, command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = case.install(tmp_path)
    shard = ["--shard", str(_own_shard(case)), "--shard-count", str(SHARDS)]
    assert main([command, "--tenants", str(tmp_path), *shard]) == 2
    _assert_refused(case, path, capsys.readouterr().err)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.case)
@pytest.mark.parametrize("command", ["plan", "check"])
def test_another_shard_reads_its_names_only_and_refuses_what_the_reader_refuses(
    case: BadTenantCase, command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A FIFO, a link to /dev/zero or an alias bomb in another shard is refused there too
    (its names cannot be known), never read forever; any other mistake is left to its shard."""
    path = case.install(tmp_path)
    shard = ["--shard", str(1 - _own_shard(case)), "--shard-count", str(SHARDS)]
    code = main([command, "--tenants", str(tmp_path), *shard])
    captured = capsys.readouterr()
    if _guarded(case):
        assert code == 2
        _assert_refused(case, path, captured.err)
    else:
        assert code == 0, captured.err


def _repository(root: Path) -> Path:
    for args in (
        ("init", "-q", "-b", "main"),
        ("config", "user.email", "ci@example.com"),
        ("config", "user.name", "CI"),
    ):
        subprocess.run(["git", *args], cwd=root, check=True)
    (root / "README").write_text("tenants\n")
    _commit(root, "start")
    (root / "tenants").mkdir()
    return root / "tenants"


def _commit(root: Path, message: str) -> None:
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    subprocess.run(["git", "commit", "-qm", message], cwd=root, check=True)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.case)
def test_check_base_of_a_sharded_directory_refuses_it_added(
    case: BadTenantCase, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tenants = _repository(tmp_path)
    path = case.install(tenants)
    code = main(["check", "--tenants", str(tenants), "--base", "HEAD", "--shard-count", "2"])
    assert code == 2
    _assert_refused(case, path, capsys.readouterr().err)


@pytest.mark.parametrize(
    "case", [c for c in CASES if c.make.startswith("symlink:")], ids=lambda c: c.case
)
def test_check_base_of_a_sharded_directory_refuses_it_committed(
    case: BadTenantCase, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A link committed at the ref and still there: read through the guard, never followed."""
    tenants = _repository(tmp_path)
    path = case.install(tenants)
    _commit(tmp_path, "a link")
    code = main(["check", "--tenants", str(tenants), "--base", "HEAD~1", "--shard-count", "2"])
    assert code == 2
    _assert_refused(case, path, capsys.readouterr().err)
    code = main(["check", "--tenants", str(tenants), "--base", "HEAD", "--shard-count", "2"])
    assert code == 2
    _assert_refused(case, path, capsys.readouterr().err)
