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
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, cast

import yaml

from embedder.config import TenantConfig, TenantNames
from embedder.errors import ConfigError, Problem
from embedder.loader import load_tenant, tenant_files, tenant_set_problems
from embedder.names import embed_role_name, profile_physical_name

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


ALL_TENANTS = ShardSelection(0, 1)
"""The one shard of an unsharded deployment: every tenant."""


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
PULUMI_SHARD_COUNT_KEY = "quicksight-embedding:shardCount"
PULUMI_SHARD_KEY = "quicksight-embedding:shard"
PULUMI_SHARD_NOT_SET = "-1"
"""Pulumi.yaml's default for `shard`: a key declared with a type but no default is required
of every stack, unsharded ones too, so "not set" is spelled -1 there."""


def pulumi_config_shard(
    count: str | None, shard: str | None, *, source: str = PULUMI_CONFIG
) -> ShardSelection:
    """The stack's shard from its Pulumi config values (`quicksight-embedding:shardCount` and
    `:shard`, as `pulumi.Config().get` gives them), or ConfigError naming the key."""
    if shard is not None and shard.strip() == PULUMI_SHARD_NOT_SET:
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
    (`embedder.loader.load_tenants`: clashes across shards are found there, not here)."""
    if selection is None or selection.count == 1:
        return list(tenants)
    return [t for t in tenants if selection.holds(t.tenant)]


def select_shard_files(
    loaded: Sequence[tuple[Path, TenantConfig]], selection: ShardSelection | None
) -> list[tuple[Path, TenantConfig]]:
    """`select_shard` for `embedder.loader.load_tenant_files`' (path, tenant) pairs."""
    if selection is None or selection.count == 1:
        return list(loaded)
    return [(path, t) for path, t in loaded if selection.holds(t.tenant)]


_NameLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_shard_set(
    tenants_dir: str | Path, selection: ShardSelection
) -> tuple[list[tuple[Path, TenantConfig]], list[tuple[Path, TenantNames]]]:
    """The tenant files of one shard, each validated in full, and checked for clashes with
    the names of every other tenant of the directory; ConfigError lists every problem.
    Returns the shard's tenants and the names read of every other shard's file (for the
    checks of the directory as a whole, such as AWS's per-account quotas).

    The other shards' files are read only for the names that must be unique across tenants
    (tenant, namespace, role and profile names, as `embedder.loader.tenant_set_problems`
    checks them): a mistake inside one of them is its own shard's to refuse, so a typo in one
    tenant's edit holds back one shard, not every deploy. With one shard this is
    `embedder.loader.load_tenant_files`.
    """
    from embedder.loader import load_tenant_files

    if selection.count == 1:
        return load_tenant_files([tenants_dir]), []
    files = tenant_files([tenants_dir])
    if not files:
        raise ConfigError([Problem(str(tenants_dir), "", "holds no tenant files")])
    problems: list[Problem] = []
    loaded: list[tuple[Path, TenantConfig]] = []
    names: list[tuple[Path, TenantNames]] = []
    for f in files:
        if selection.holds(f.stem):
            try:
                loaded.append((f, load_tenant(f)))
            except ConfigError as e:
                problems.extend(e.problems)
        else:
            found = _names_only(f)
            if found is not None:
                names.append((f, found))
    # The shard's own files last: a clash is reported on the later file, and the shard's
    # files are the ones this stack can refuse (two other files clashing is their shards').
    mine = {str(f) for f, _ in loaded}
    problems += [p for p in tenant_set_problems([*names, *loaded]) if p.source in mine]
    if problems:
        raise ConfigError(problems)
    return loaded, names


def _names_only(path: Path) -> OtherShardTenant | None:
    """A tenant file's unique names, unvalidated (None when they cannot be read).

    Read from libyaml's parse events (in C when available) without building the document:
    only what `embedder.loader.tenant_set_problems` reads is kept (the top-level `tenant`,
    `namespace`, `region`, `account_id`, the keys of `permission_profiles` and the items of
    `embedding.app_principals`), so a tenant's users and profiles are never constructed.
    Anything unusual on the way (anchors, aliases, merge keys, several documents) is read in
    full instead.
    """
    try:
        names = _top_level_names(path.read_bytes())
    except (OSError, yaml.YAMLError):
        return None
    if names is _UNUSUAL:
        return _names_fully(path)
    if names is None or names[0].get("tenant") != path.stem:
        return None
    scalars, profiles, principals = names
    return _names(scalars, profiles, principals)


_UNUSUAL: Any = object()
_SCALARS = frozenset({"tenant", "namespace", "region", "account_id"})
_WANTED = _SCALARS | {"permission_profiles", "embedding"}
_EMPTY = frozenset({"", "~", "null", "Null", "NULL"})
_STARTS = frozenset({yaml.MappingStartEvent, yaml.SequenceStartEvent})
_ENDS = frozenset({yaml.MappingEndEvent, yaml.SequenceEndEvent})
_NODES = _STARTS | {yaml.ScalarEvent}


def _skip_value(events: Iterator[yaml.Event]) -> None:
    """Consume the rest of a collection whose start event was just read (most of a tenant file
    is its users: nothing of them is kept, so only their nesting is followed)."""
    level = 1
    for event in events:
        kind = type(event)
        if kind in _STARTS:
            level += 1
        elif kind in _ENDS:
            level -= 1
            if level == 0:
                return


def _top_level_names(data: bytes) -> Any:
    """(top-level scalars, profile keys, app principals) from the parse events; None for a
    document that is not a mapping naming its tenant; `_UNUSUAL` when a full read is needed."""
    stack: list[list[bool]] = []  # per open container: [is a mapping, next node is a key]
    key: str | None = None  # the top-level key whose value is being read
    subkey: str | None = None  # the key under `embedding` whose value is being read
    found: dict[str, str] = {}
    profiles: list[str] = []
    principals: list[str] = []
    documents = 0
    events = yaml.parse(data, Loader=_NameLoader)
    for event in events:
        kind = type(event)  # event classes are final: identity tests are the fast ones
        if kind is yaml.AliasEvent:
            return _UNUSUAL
        if kind is yaml.DocumentStartEvent:
            documents += 1
            if documents > 1:
                return _UNUSUAL
            continue
        if kind in _ENDS:
            stack.pop()
            continue
        if kind not in _NODES:
            continue
        if cast(yaml.NodeEvent, event).anchor is not None:
            return _UNUSUAL
        is_key = False
        if stack and stack[-1][0]:
            is_key = stack[-1][1]
            stack[-1][1] = not is_key
        depth = len(stack)
        scalar = cast(yaml.ScalarEvent, event).value if kind is yaml.ScalarEvent else None
        if depth == 0 and kind is not yaml.MappingStartEvent:
            return None
        if depth == 1 and is_key:
            if scalar is None or scalar == "<<":
                return _UNUSUAL
            key = scalar
        elif depth == 1 and key not in _WANTED and kind in _STARTS:
            _skip_value(events)  # users, ...: nothing is kept, only their nesting followed
            continue
        elif depth == 1 and key in _WANTED:
            if key in ("permission_profiles", "embedding"):
                if kind is not yaml.MappingStartEvent and scalar not in _EMPTY:
                    return _UNUSUAL
            elif scalar is None:
                return _UNUSUAL
            else:
                found[key] = scalar
        elif depth == 2 and is_key and key == "permission_profiles":
            if scalar is None or scalar == "<<":
                return _UNUSUAL
            profiles.append(scalar)
        elif depth == 2 and is_key and key == "embedding":
            if scalar is None or scalar == "<<":
                return _UNUSUAL
            subkey = scalar
        elif depth == 2 and key == "embedding" and subkey == "app_principals":
            if kind is not yaml.SequenceStartEvent:
                return _UNUSUAL
        elif depth == 3 and key == "embedding" and subkey == "app_principals":
            if scalar is None:
                return _UNUSUAL
            principals.append(scalar)
        if kind in _STARTS:
            stack.append([kind is yaml.MappingStartEvent, True])
    if "tenant" not in found:
        return None
    return found, profiles, principals


def _names_fully(path: Path) -> OtherShardTenant | None:
    try:
        data: Any = yaml.load(path.read_bytes(), Loader=_NameLoader)  # noqa: S506 - safe loader
    except (OSError, yaml.YAMLError):
        return None
    if not isinstance(data, dict) or data.get("tenant") != path.stem:
        return None
    profiles = data.get("permission_profiles") or {}
    embedding = data.get("embedding") or {}
    principals = embedding.get("app_principals") or [] if isinstance(embedding, dict) else None
    scalars = {k: data[k] for k in _SCALARS if k in data}
    if (
        not isinstance(profiles, dict)
        or not isinstance(principals, list)
        or not all(isinstance(v, str) for v in [*scalars.values(), *principals])
    ):
        return None
    return _names(scalars, [str(k) for k in profiles], principals)


@dataclass(frozen=True)
class _Apps:
    app_principals: tuple[str, ...]


@dataclass(frozen=True)
class OtherShardTenant:
    """A tenant file of another shard as the checks of the directory as a whole read it
    (`embedder.config.TenantNames`), unvalidated: its own shard validates it in full."""

    tenant: str
    namespace: str
    region: str
    account_id: str | None
    permission_profiles: Mapping[str, object]
    embedding: _Apps

    @property
    def role_name(self) -> str:
        return embed_role_name(self.tenant)

    def profile_name(self, profile: str) -> str:
        return profile_physical_name(self.tenant, profile)


_DEFAULT_REGION: str = TenantConfig.model_fields["region"].default


def _names(scalars: dict[str, str], profiles: list[str], principals: list[str]) -> OtherShardTenant:
    tenant = scalars["tenant"]
    return OtherShardTenant(
        tenant=tenant,
        namespace=scalars.get("namespace", tenant),
        region=scalars.get("region", _DEFAULT_REGION),
        account_id=scalars.get("account_id"),
        permission_profiles=dict.fromkeys(profiles),
        embedding=_Apps(tuple(principals)),
    )
