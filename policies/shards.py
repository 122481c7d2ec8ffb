"""Which shard (which Pulumi stack) declares a tenant: by its name alone, stable and balanced.

A directory of 10,000 tenants is too much for one stack (one state file, minutes of program
before AWS is called, one typo blocking every deploy), so the tenants are split over
`shardCount` stacks, each declaring the tenants of its `shard`. The assignment is a pure
function of the tenant's name and the count, so the program, the policy pack, `qs-embed` and
CI all agree without sharing any state.

The algorithm is jump consistent hash (Lamping and Veach, "A Fast, Minimal Memory, Consistent
Hash Algorithm", 2014, https://arxiv.org/abs/1406.2294) over a stable 64-bit hash of the name
(the first 8 bytes of BLAKE2b: Python's `hash()` is salted per process). Chosen over
rendezvous hashing because:

- adding or removing a tenant moves no other tenant (true of any hash of the name alone);
- going from M to N shards moves the fewest tenants possible, |N - M| / max(M, N) of them,
  and only to the new shards (growing) or only off the removed ones (shrinking): shards are
  numbered 0..N-1, and a count change only adds or removes stacks at the end, which is exactly
  how stacks named `shard-<K>` are added and retired;
- it is balanced to within the binomial noise (10,000 tenants over 64 shards: the largest
  shard about 1.2x the mean), needs no table, and costs O(log N) per tenant where rendezvous
  costs O(N) (a hash per shard per tenant).

Rendezvous hashing's one advantage, removing an arbitrary shard from the middle, is not
needed here: stacks are interchangeable and numbered.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from policies.project import CONFIG_SHARD, CONFIG_SHARD_COUNT, SHARD_NOT_SET, config_key
from tenant_file.config import TenantConfig
from tenant_file.errors import ConfigError, Problem
from tenant_file.loader import load_tenant_files
from tenant_file.names_only import load_selected_files

T = TypeVar("T")

_MASK64 = (1 << 64) - 1
_JUMP_MULTIPLIER = 2862933555777941757
"""The 64-bit linear congruential step of the paper's reference implementation."""


def tenant_key(tenant: str) -> int:
    """A stable, well-mixed 64-bit key of a tenant name (the same in every process)."""
    return int.from_bytes(hashlib.blake2b(tenant.encode("utf-8"), digest_size=8).digest(), "big")


def jump_hash(key: int, buckets: int) -> int:
    """Jump consistent hash: the bucket in 0..buckets-1 of a 64-bit `key`."""
    if buckets < 1:
        raise ValueError(f"buckets must be at least 1, got {buckets}")
    b, j = -1, 0
    while j < buckets:
        b = j
        key = (key * _JUMP_MULTIPLIER + 1) & _MASK64
        j = int((b + 1) * ((1 << 31) / ((key >> 33) + 1)))
    return b


def shard_of(tenant: str, shard_count: int) -> int:
    """The 0-based shard of `tenant` among `shard_count` shards."""
    return jump_hash(tenant_key(tenant), shard_count)


def assignment(tenants: Iterable[str], shard_count: int) -> dict[str, int]:
    """Tenant name -> shard, in the order given."""
    return {name: shard_of(name, shard_count) for name in tenants}


def shard_sizes(assigned: dict[str, int], shard_count: int) -> list[int]:
    """How many tenants each shard holds (index = shard)."""
    sizes = [0] * shard_count
    for shard in assigned.values():
        sizes[shard] += 1
    return sizes


@dataclass(frozen=True)
class Move:
    """A tenant whose shard changes when the shard count does."""

    tenant: str
    source: int
    dest: int


def moves(tenants: Iterable[str], from_count: int, to_count: int) -> list[Move]:
    """The tenants that change shard going from `from_count` to `to_count` shards."""
    found = []
    for name in tenants:
        key = tenant_key(name)
        before, after = jump_hash(key, from_count), jump_hash(key, to_count)
        if before != after:
            found.append(Move(name, before, after))
    return found


@dataclass(frozen=True)
class ShardSelection:
    """One shard of `count`: the tenants a stack (or a command) declares."""

    shard: int
    count: int

    def __post_init__(self) -> None:
        if self.count < 1 or not 0 <= self.shard < self.count:
            raise ValueError(f"shard {self.shard} of {self.count} is not a shard")

    def holds(self, tenant: str) -> bool:
        return self.count == 1 or shard_of(tenant, self.count) == self.shard

    def __str__(self) -> str:
        return f"shard {self.shard} of {self.count}"


def shard_selection(
    count: object,
    shard: object,
    *,
    source: str,
    count_field: str = "shardCount",
    shard_field: str = "shard",
) -> ShardSelection:
    """Read a shard count and a 0-based shard as given in config, flags or the environment.

    `count` None means 1 (unsharded); `shard` None means not given, which is allowed only
    with one shard. Values may be ints or their decimal text. Mistakes raise `ConfigError`
    naming `source` and the field, and what is allowed.
    """
    n = _whole(count, source, count_field, "a whole number of shards, at least 1")
    if n is None:
        n = 1
    if n < 1:
        raise _error(source, count_field, f"must be at least 1 (1: unsharded); got {n}")
    k = _whole(shard, source, shard_field, f"a shard number, 0..{n - 1}")
    if k is None:
        if n > 1:
            raise _error(
                source,
                shard_field,
                f"is required when {count_field} is {n}: which shard this is, 0..{n - 1}",
            )
        k = 0
    if not 0 <= k < n:
        raise _error(source, shard_field, f"must be 0..{n - 1} ({count_field} is {n}); got {k}")
    return ShardSelection(k, n)


PULUMI_CONFIG = "Pulumi config"
PULUMI_SHARD_COUNT_KEY = config_key(CONFIG_SHARD_COUNT)
PULUMI_SHARD_KEY = config_key(CONFIG_SHARD)


def pulumi_config_shard(
    count: str | None, shard: str | None, *, source: str = PULUMI_CONFIG
) -> ShardSelection:
    """The stack's shard from its Pulumi config values (`quicksight-embedding:shardCount` and
    `:shard`, as `pulumi.Config().get` gives them), or ConfigError naming the key."""
    if shard is not None and shard.strip() == SHARD_NOT_SET:
        shard = None
    return shard_selection(
        count,
        shard,
        source=source,
        count_field=PULUMI_SHARD_COUNT_KEY,
        shard_field=PULUMI_SHARD_KEY,
    )


def _whole(value: object, source: str, field: str, allowed: str) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise _error(source, field, f"must be {allowed}; got {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value.strip(), 10)
        except ValueError:
            pass
    raise _error(source, field, f"must be {allowed}; got {value!r}")


def _error(source: str, field: str, message: str) -> ConfigError:
    return ConfigError([Problem(source, field, message)])


def select_shard(
    tenants: Sequence[TenantConfig], selection: ShardSelection | None
) -> list[TenantConfig]:
    """The tenants of one shard, in their order, from a set already validated as a whole
    (`tenant_file.loader.load_tenants`: clashes across shards are found there, not here)."""
    if selection is None or selection.count == 1:
        return list(tenants)
    return [t for t in tenants if selection.holds(t.tenant)]


def load_shard_files(
    tenants_dir: str | Path, selection: ShardSelection
) -> list[tuple[Path, TenantConfig]]:
    """The tenant files of one shard, each validated in full, and checked for clashes with
    the names of every other tenant of the directory (`tenant_file.names_only`); ConfigError
    lists every problem. With one shard this is `tenant_file.loader.load_tenant_files`."""
    if selection.count == 1:
        return load_tenant_files([tenants_dir])
    return load_selected_files(tenants_dir, selection.holds)
