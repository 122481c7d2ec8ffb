"""Shard assignment: stable, balanced, and moving as few tenants as possible."""

from __future__ import annotations

import pytest

from policies.shards import (
    ShardSelection,
    assignment,
    jump_hash,
    moves,
    select_shard,
    shard_of,
    shard_selection,
    shard_sizes,
)
from tenant_file.errors import ConfigError
from tests.fakes import tenant

NAMES = [f"t{i:05d}" for i in range(10_000)]


def test_the_assignment_never_changes_between_releases() -> None:
    # Every stack's state depends on it: a change here would move tenants between stacks.
    assert assignment(["acme", "globex", "initech", "t00000", "t09999"], 64) == {
        "acme": 26,
        "globex": 59,
        "initech": 16,
        "t00000": 6,
        "t09999": 18,
    }


def test_10000_tenants_over_64_shards_are_balanced() -> None:
    sizes = shard_sizes(assignment(NAMES, 64), 64)
    mean = len(NAMES) / 64
    assert sum(sizes) == len(NAMES)
    assert max(sizes) <= 1.3 * mean
    assert min(sizes) >= 0.7 * mean


def test_adding_or_removing_a_tenant_moves_no_other_tenant() -> None:
    before = assignment(NAMES, 64)
    with_one_more = assignment([*NAMES, "newcomer"], 64)
    without_one = assignment(NAMES[1:], 64)
    assert all(with_one_more[n] == before[n] for n in NAMES)
    assert all(without_one[n] == before[n] for n in NAMES[1:])


def test_growing_the_count_moves_the_fewest_tenants_and_only_to_the_new_shards() -> None:
    moved = moves(NAMES, 64, 80)
    # The minimum: the new shards' fair share, 16/80 of the tenants (within the noise).
    assert 0.18 * len(NAMES) <= len(moved) <= 0.22 * len(NAMES)
    assert all(m.dest >= 64 for m in moved)
    assert {m.tenant for m in moved} == {n for n in NAMES if shard_of(n, 64) != shard_of(n, 80)}


def test_shrinking_the_count_moves_only_the_tenants_of_the_removed_shards() -> None:
    moved = moves(NAMES, 64, 48)
    assert {m.tenant for m in moved} == {n for n in NAMES if shard_of(n, 64) >= 48}
    assert all(m.dest < 48 for m in moved)


def test_one_shard_holds_everyone() -> None:
    assert {shard_of(n, 1) for n in NAMES[:100]} == {0}
    with pytest.raises(ValueError, match="at least 1"):
        jump_hash(1, 0)


def test_select_shard_keeps_the_order_and_only_the_shards_tenants() -> None:
    acme, globex = tenant(), tenant("iam")
    for count in (2, 3, 64):
        shards = [ShardSelection(k, count) for k in range(count)]
        chosen = [select_shard([acme, globex], s) for s in shards]
        assert sorted(t.tenant for part in chosen for t in part) == ["acme", "globex"]
        assert chosen[shard_of("acme", count)][0] is acme
    assert select_shard([acme, globex], None) == [acme, globex]


@pytest.mark.parametrize(
    ("count", "shard", "expected"),
    [(None, None, (0, 1)), ("1", None, (0, 1)), (1, "0", (0, 1)), ("64", "63", (63, 64))],
)
def test_shard_selection_reads_config_values(
    count: object, shard: object, expected: tuple[int, int]
) -> None:
    selection = shard_selection(count, shard, source="Pulumi config")
    assert (selection.shard, selection.count) == expected


@pytest.mark.parametrize(
    ("count", "shard", "field", "message"),
    [
        ("4", None, "shard", "is required when shardCount is 4: which shard this is, 0..3"),
        ("4", "4", "shard", "must be 0..3 (shardCount is 4); got 4"),
        ("4", "-1", "shard", "must be 0..3 (shardCount is 4); got -1"),
        ("0", None, "shardCount", "must be at least 1 (1: unsharded); got 0"),
        ("four", None, "shardCount", "must be a whole number of shards, at least 1; got 'four'"),
        ("4", "1.5", "shard", "must be a shard number, 0..3; got '1.5'"),
        (True, None, "shardCount", "must be a whole number of shards, at least 1; got True"),
    ],
)
def test_bad_shard_values_say_what_is_allowed(
    count: object, shard: object, field: str, message: str
) -> None:
    with pytest.raises(ConfigError) as e:
        shard_selection(count, shard, source="Pulumi config")
    (problem,) = e.value.problems
    assert (problem.source, problem.location, problem.message) == ("Pulumi config", field, message)
