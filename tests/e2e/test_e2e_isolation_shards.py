"""Isolation across shards: a problem of the directory as a whole fails every shard it involves.

The review's high finding, reproduced as it was found: `rooted` (shard 0 of 2) trusts the
whole account 111122223333 with an ExternalId; `nextdoor` (shard 1) trusts an app of another
account. Both are committed and shard 0 deployed; then nextdoor's file gains an app of account
111122223333. A sharded `check --base HEAD` said ok and `local up --shard 1` deployed it, after
which nextdoor's app could assume rooted's role (the ExternalId is in the repository) and mint
for rooted's user `rosa`. Now both refuse, naming nextdoor's file and why.

The other shards' files are read by the one guarded reader: a FIFO, a link to /dev/zero or a
committed link in another shard is refused with exit 2, never a hang.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from policies.shards import shard_of
from qs_embed.cli import main
from sandbox import Emulator
from tests.e2e.support import ACCOUNT, REGION

pytestmark = pytest.mark.emulator

ROOT = f"arn:aws:iam::{ACCOUNT}:root"
NEXTDOOR_APP = f"arn:aws:iam::{ACCOUNT}:role/nextdoor-app"
PARTNER_APP = "arn:aws:iam::444455556666:role/nextdoor-partner"
ROOTED_EXTERNAL_ID = "rooted-ext-4f1a"


def tenant(name: str, user: str, principals: list[str], **embedding: Any) -> dict[str, Any]:
    return {
        "tenant": name,
        "account_id": ACCOUNT,
        "region": REGION,
        "embedding": {"identity": "quicksight", "app_principals": principals, **embedding},
        "users": [{"name": user, "email": f"{user}@{name}.example", "role": "AUTHOR"}],
    }


class Repo:
    """A git repository of tenant files, and the CLI run on it against the emulator."""

    def __init__(self, root: Path, emulator: Emulator) -> None:
        self.root = root
        self.tenants = root / "tenants"
        self.tenants.mkdir(parents=True)
        self.emulator = emulator
        self.git("init", "-q", "-b", "main")
        self.git("config", "user.email", "ci@example.com")
        self.git("config", "user.name", "CI")

    def git(self, *args: str) -> None:
        subprocess.run(["git", *args], cwd=self.root, capture_output=True, check=True)

    def write(self, document: dict[str, Any]) -> None:
        (self.tenants / f"{document['tenant']}.yaml").write_text(yaml.safe_dump(document))

    def commit(self) -> None:
        self.git("add", "-A")
        self.git("commit", "-qm", "tenants")

    def run(self, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
        code = main(list(args))
        captured = capsys.readouterr()
        return code, captured.out + captured.err

    def up(self, capsys: pytest.CaptureFixture[str], shard: int) -> tuple[int, str]:
        return self.run(
            capsys,
            *("local", "up", "--tenants", str(self.tenants)),
            *("--shard", str(shard), "--shard-count", "2"),
            *("--endpoint-url", self.emulator.endpoint_url),
            *("--state", str(self.root / f"state-{shard}.json")),
        )


@pytest.fixture
def repo(emulator_env: Emulator, tmp_path: Path) -> Repo:
    return Repo(tmp_path, emulator_env)


def test_the_two_tenants_are_in_different_shards() -> None:
    assert (shard_of("rooted", 2), shard_of("nextdoor", 2)) == (0, 1)


def test_an_edit_in_one_shard_cannot_become_a_root_trusted_neighbour_of_another(
    repo: Repo, emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write(tenant("rooted", "rosa", [ROOT], external_id=ROOTED_EXTERNAL_ID))
    repo.write(tenant("nextdoor", "ned", [PARTNER_APP]))
    repo.commit()
    assert repo.up(capsys, 0)[0] == 0
    repo.write(tenant("nextdoor", "ned", [PARTNER_APP, NEXTDOOR_APP]))
    nextdoor_file = repo.tenants / "nextdoor.yaml"
    why = (
        f"{nextdoor_file}: embedding.app_principals[1]: lives in account {ACCOUNT}, whose root "
        "tenant rooted trusts as a whole"
    )

    code, out = repo.run(
        capsys, "check", "--tenants", str(repo.tenants), "--base", "HEAD", "--shard-count", "2"
    )
    assert code == 2, out
    assert why in out
    assert ROOTED_EXTERNAL_ID not in out

    code, out = repo.up(capsys, 1)
    assert code == 2, out
    assert why in out
    iam = emulator.admin_session().client("iam")
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_role(RoleName="qs-embed-nextdoor")

    # The rooted tenant's own shard is refused as well: the problem involves both files.
    code, out = repo.up(capsys, 0)
    assert code == 2, out
    assert f"{repo.tenants / 'rooted.yaml'}: embedding.app_principals[0]: trusts" in out
    # Unsharded, both files are named.
    code, out = repo.run(capsys, "check", "--tenants", str(repo.tenants))
    assert code == 2
    assert why in out
    assert "rooted.yaml: embedding.app_principals[0]" in out

    # The control, one step back: the app of another account alone is nobody's neighbour.
    repo.write(tenant("nextdoor", "ned", [PARTNER_APP]))
    assert repo.up(capsys, 1)[0] == 0


# -- other shards' files are read by the guarded reader ---------------------------------------


def other_shard_name(prefix: str) -> str:
    """A tenant name of shard 1 of 2 (the shard the command does not run)."""
    return next(f"{prefix}{i}" for i in range(100) if shard_of(f"{prefix}{i}", 2) == 1)


MEMORY_GUARD = 3 << 30
"""Address space of the CLI's process: a read of /dev/zero fails there, not on the machine."""


def _limit_memory() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_GUARD, MEMORY_GUARD))


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The CLI in a process of its own: a read that blocks would hang it, not the suite (the
    timeout is a guard against a hang, not a measure of speed)."""
    return subprocess.run(
        [sys.executable, "-m", "qs_embed", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        env={k: v for k, v in os.environ.items() if k != "AWS_PROFILE"},
        preexec_fn=_limit_memory,
    )


@pytest.mark.parametrize("kind", ["fifo", "dev-zero"])
def test_an_unreadable_file_in_another_shard_is_refused_cleanly(kind: str, tmp_path: Path) -> None:
    tenants = tmp_path / "tenants"
    tenants.mkdir()
    (tenants / "rooted.yaml").write_text(
        yaml.safe_dump(tenant("rooted", "rosa", [NEXTDOOR_APP.replace("nextdoor", "rooted")]))
    )
    bad = tenants / f"{other_shard_name('fifo' if kind == 'fifo' else 'zero')}.yaml"
    if kind == "fifo":
        os.mkfifo(bad)
    else:
        bad.symlink_to("/dev/zero")

    done = run_cli(
        "check", "--tenants", str(tenants), "--shard", "0", "--shard-count", "2", cwd=tmp_path
    )

    out = done.stdout + done.stderr
    assert done.returncode == 2, out
    assert f"{bad}: is a {'FIFO (named pipe)' if kind == 'fifo' else 'character device'}" in out
    assert "Traceback" not in out


def test_a_committed_link_in_another_shard_is_refused_by_a_sharded_review(
    tmp_path: Path,
) -> None:
    root = tmp_path / "repo"
    tenants = root / "tenants"
    tenants.mkdir(parents=True)
    git = ["git", "-C", str(root)]
    subprocess.run([*git, "init", "-q", "-b", "main"], check=True)
    subprocess.run([*git, "config", "user.email", "ci@example.com"], check=True)
    subprocess.run([*git, "config", "user.name", "CI"], check=True)
    (tenants / "rooted.yaml").write_text(
        yaml.safe_dump(tenant("rooted", "rosa", [NEXTDOOR_APP.replace("nextdoor", "rooted")]))
    )
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "one tenant"], check=True)
    # One commit edits rooted (shard 0) and adds a link in shard 1: the review of shard 0
    # reads the link for the names that must be unique across the directory.
    link = tenants / f"{other_shard_name('linked')}.yaml"
    link.symlink_to("/dev/zero")
    (tenants / "rooted.yaml").write_text(
        yaml.safe_dump(tenant("rooted", "rory", [NEXTDOOR_APP.replace("nextdoor", "rooted")]))
    )
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "a link"], check=True)

    done = run_cli(
        *("check", "--tenants", str(tenants), "--base", "HEAD~1", "--shard-count", "2"),
        cwd=root,
    )

    out = done.stdout + done.stderr
    assert done.returncode == 2, out
    assert f"{link}: is a character device" in out
    assert "Traceback" not in out
