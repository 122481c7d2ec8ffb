"""`--shard K --shard-count N` on plan, check, local up and demo: the stack's own selection."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from policies.shards import shard_of
from qs_embed.cli import main
from tests.repos import NAMES, Repo, lean
from tests.tenant_files import write_tenant


def test_plan_of_one_shard_declares_that_shards_tenants_only(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    for shard in range(3):
        args = ["plan", "--tenants", str(repo.tenants), "--json"]
        assert main([*args, "--shard", str(shard), "--shard-count", "3"]) == 0
        planned = {t["tenant"] for t in json.loads(capsys.readouterr().out)["tenants"]}
        assert planned == {name for name in NAMES if shard_of(name, 3) == shard}


def test_a_bad_shard_names_the_flag_and_what_is_allowed(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["plan", "--tenants", str(repo.tenants), "--shard", "3", "--shard-count", "3"])
    assert code == 2
    err = capsys.readouterr().err
    assert "--shard" in err
    assert "0..2" in err


def test_check_base_of_a_sharded_directory_checks_the_touched_shard_only(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    edited = NAMES[5]
    document = lean(edited)
    document["users"][0]["email"] = "new@x.example"  # type: ignore[index]
    write_tenant(repo.tenants, document)
    repo.commit("edit one tenant")
    args = ["check", "--tenants", str(repo.tenants), "--base", "HEAD~1", "--shard-count", "4"]
    code = main(args)
    out = capsys.readouterr().out
    assert code == 0, out
    assert f"(shards {shard_of(edited, 4)} of 4, touched since HEAD~1)" in out


def test_check_of_one_shard_with_a_mandatory_violation_elsewhere_passes(
    repo: Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A stack checks its own shard: another shard's refusal is that shard's."""
    count = 2
    bad = next(n for n in NAMES if shard_of(n, count) == 1)
    write_tenant(repo.tenants, lean(bad, retain_users_on_delete=False))
    args = ["check", "--tenants", str(repo.tenants), "--shard-count", str(count)]
    assert main([*args, "--shard", "0"]) == 0
    zero = capsys.readouterr().out
    assert bad not in zero
    main([*args, "--shard", "1"])
    assert bad in capsys.readouterr().out
