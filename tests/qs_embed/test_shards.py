"""`qs-embed shards`: the assignment, the shards a change touches, and resharding moves."""

from __future__ import annotations

import json
import shlex
from typing import Any

import pytest

from infra.offline import run_offline
from infra.offline_mocks import OfflineMocks
from infra.program import run_program
from policies.project import TENANT_STACK
from policies.shards import shard_of
from qs_embed.cli import main
from tests.repos import NAMES, Repo, lean
from tests.tenant_files import write_tenant


def _json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    assert main(["shards", *argv, "--json"]) == 0
    found: dict[str, Any] = json.loads(capsys.readouterr().out)
    return found


def test_json_gives_every_tenants_shard(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    report = _json(capsys, "--count", "4", "--tenants", str(repo.tenants))
    assert report["shardCount"] == 4
    assert report["tenants"] == {name: shard_of(name, 4) for name in NAMES}
    assert "affected" not in report
    assert sum(report["sizes"]) == len(NAMES)


def test_a_one_tenant_edit_affects_exactly_one_shard(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    edited = "tenant-07"
    write_tenant(
        repo.tenants,
        lean(
            edited,
            users=[
                {"name": "ann", "email": "ann@x.example", "role": "AUTHOR"},
                {"name": "ben", "email": "ben@x.example", "role": "AUTHOR"},
            ],
        ),
    )
    report = _json(capsys, "--count", "4", "--tenants", str(repo.tenants), "--base", "HEAD")
    assert report["affected"] == [shard_of(edited, 4)]
    assert report["changed"] == {"added": [], "edited": [edited], "removed": []}


def test_committed_or_not_the_change_is_measured_against_the_ref(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo.tenants / "tenant-03.yaml").unlink()
    write_tenant(repo.tenants, lean("newcomer"))
    repo.commit("swap a tenant")
    report = _json(capsys, "--count", "4", "--tenants", str(repo.tenants), "--base", "HEAD~1")
    assert report["changed"] == {"added": ["newcomer"], "edited": [], "removed": ["tenant-03"]}
    assert report["affected"] == sorted({shard_of("newcomer", 4), shard_of("tenant-03", 4)})
    assert "tenant-03" not in report["tenants"]


def test_an_edit_of_comments_only_affects_no_shard(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    path = repo.tenants / "tenant-05.yaml"
    path.write_text("# reviewed by the platform team\n" + path.read_text())
    report = _json(capsys, "--count", "4", "--tenants", str(repo.tenants), "--base", "HEAD")
    assert report["affected"] == []


def test_a_bad_ref_is_bad_input(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["shards", "--count", "4", "--tenants", str(repo.tenants), "--base", "no-such-ref"]
    assert main(argv) == 2
    assert "error: --base no-such-ref: is not a commit of the repository" in capsys.readouterr().err


def test_a_bad_count_is_bad_input(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["shards", "--count", "0", "--tenants", str(repo.tenants)]) == 2
    assert "--count: shardCount: must be at least 1" in capsys.readouterr().err


def test_resharding_prints_moves_and_state_move_commands_with_the_programs_urns(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    report = _json(capsys, "--count", "4", "--from", "3", "--tenants", str(repo.tenants))
    moved = report["moves"]
    assert moved == [
        {"tenant": n, "from": shard_of(n, 3), "to": shard_of(n, 4)}
        for n in NAMES
        if shard_of(n, 3) != shard_of(n, 4)
    ]
    assert moved, "12 tenants from 3 to 4 shards: some move"
    assert all(m["to"] == 3 for m in moved)
    commands = [shlex.split(c) for c in report["commands"]]
    for words in commands:
        assert words[:4] == ["pulumi", "state", "move", "--source"]
        assert words[5] == "--dest"
    by_source = {words[4]: words[7:] for words in commands}
    # The URNs are the ones the program gives each tenant's component in its old stack, as the
    # engine writes them: it leaves the root stack's type out of a top-level resource's URN
    # (NewURN in pulumi's sdk/go/common/resource/urn.go), which the SDK's mock monitor keeps.
    for source, urns in by_source.items():
        run = run_offline(lambda: run_program(repo.tenants), OfflineMocks([]), stack=source)
        components = {
            r.name: r.urn.replace("::pulumi:pulumi:Stack$", "::") for r in run.of_type(TENANT_STACK)
        }
        moved_here = [m["tenant"] for m in moved if f"shard-{m['from']}" == source]
        assert urns == [components[name] for name in sorted(moved_here)]


def test_text_output_lists_counts_and_commands(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["shards", "--count", "4", "--from", "3", "--tenants", str(repo.tenants)]
    assert main([*argv, "--stack", "acme-org/quicksight-embedding/prod-{shard}"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("12 tenants over 4 shards (largest ")
    assert "shard  tenants" in out
    assert "pulumi state move --source acme-org/quicksight-embedding/prod-" in out
    assert "urn:pulumi:prod-" in out
