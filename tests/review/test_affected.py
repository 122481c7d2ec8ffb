"""`check --base REF --shard-count N`: the whole directory validated, only the touched shards'
program run."""

from __future__ import annotations

import io

import pytest

from policies.shards import shard_of
from qs_embed.check import run_check
from tenant_file.errors import ConfigError
from tests.repos import NAMES, Repo, lean
from tests.tenant_files import tenant_data, write_tenant

COUNT = 4


def _check(repo: Repo) -> tuple[int, str]:
    out = io.StringIO()
    code = run_check(repo.tenants, "HEAD", out, affected_of=COUNT)
    return code, out.getvalue()


def test_a_one_tenant_edit_runs_only_its_shard(repo: Repo) -> None:
    edited = "tenant-07"
    data = lean(edited)
    data["users"].append({"name": "ben", "email": "ben@x.example", "role": "AUTHOR"})  # type: ignore[attr-defined]
    write_tenant(repo.tenants, data)
    code, out = _check(repo)
    shard = shard_of(edited, COUNT)
    in_shard = [n for n in NAMES if shard_of(n, COUNT) == shard]
    assert code == 0, out
    # Each lean tenant declares a role, its policy, a namespace and a user per user.
    resources = 4 * len(in_shard) + 1
    assert out.splitlines()[-1] == (
        f"ok: {len(in_shard)} of {len(NAMES)} tenants (shards {shard} of {COUNT}, touched since "
        f"HEAD), {resources} resources in {len(in_shard)} tenant components: 0 mandatory, "
        "0 advisory, 0 lint (0 above LOW), 1 change since HEAD (0 removals)"
    )
    assert f"change {edited}: user ben added (AUTHOR, no profile) (shard {shard})" in out


def test_a_removed_user_is_called_out_with_its_shard(repo: Repo) -> None:
    write_tenant(
        repo.tenants,
        lean("tenant-02", users=[])
        | {"users": [{"name": "zoe", "email": "zoe@x.example", "role": "AUTHOR"}]},
    )
    code, out = _check(repo)
    assert code == 0
    assert "REMOVED tenant-02: user ann removed" in out
    assert f"(shard {shard_of('tenant-02', COUNT)})" in out
    assert "(1 removal)" in out


def test_nothing_changed_runs_no_program(repo: Repo) -> None:
    code, out = _check(repo)
    assert code == 0
    assert out.splitlines() == [
        f"ok: 0 of {len(NAMES)} tenants (shards none of {COUNT}, touched since HEAD), "
        "0 resources in 0 tenant components: 0 mandatory, 0 advisory, 0 lint (0 above LOW), "
        "0 changes since HEAD (0 removals)"
    ]


def test_a_clash_with_a_tenant_of_another_shard_is_still_refused(repo: Repo) -> None:
    # The edited tenant's shard alone would pass; the directory as a whole does not.
    other = next(n for n in NAMES if shard_of(n, COUNT) != shard_of("tenant-07", COUNT))
    write_tenant(repo.tenants, tenant_data("tenant-07", namespace=other))
    with pytest.raises(ConfigError, match=f"namespace '{other}' is already used by"):
        _check(repo)
