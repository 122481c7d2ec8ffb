"""A tenant file read for its names only: the names that must be unique across a directory.

A sharded stack validates its own shard's files in full, and reads every other file of the
directory only for what `tenant_file.loader.tenant_set_problems` checks across tenants
(tenant, namespace, region, account, profile keys, app principals), so a mistake inside one
of them is that file's own shard's to refuse. The file is read by the loader's one guarded
reader (`read_tenant_bytes`: a regular file of at most MAX_FILE_BYTES) and its parse events
are held to the same node budget (MAX_YAML_NODES) as a full read: a FIFO, a link to
/dev/zero or a file too large is refused whichever shard it falls in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import yaml

from tenant_file.config import TenantConfig, TenantNames
from tenant_file.errors import ConfigError, Problem
from tenant_file.loader import (
    MAX_YAML_NODES,
    load_tenant,
    node_budget_problem,
    read_tenant_bytes,
    tenant_files,
    tenant_set_problems,
    too_many_nodes,
)
from tenant_file.names import embed_role_name, profile_physical_name

_NameLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_selected_files(
    tenants_dir: str | Path, selected: Callable[[str], bool]
) -> list[tuple[Path, TenantConfig]]:
    """The tenant files whose stem is `selected` (one shard's), each validated in full, and
    checked for clashes with the names of every other tenant of the directory; ConfigError
    lists every problem.

    The other files are read only for the names that must be unique across tenants (tenant,
    namespace, role and profile names, as `tenant_file.loader.tenant_set_problems` checks
    them): a mistake inside one of them is its own shard's to refuse, so a typo in one
    tenant's edit holds back one shard, not every deploy. A file the guarded reader refuses
    (not a regular file, too large, too many nodes) is refused here too: its names cannot be
    known, and reading it must not hang or exhaust memory.
    """
    files = tenant_files([tenants_dir])
    if not files:
        raise ConfigError([Problem(str(tenants_dir), "", "holds no tenant files")])
    problems: list[Problem] = []
    loaded: list[tuple[Path, TenantConfig]] = []
    names: list[tuple[Path, TenantNames]] = []
    for f in files:
        try:
            if selected(f.stem):
                loaded.append((f, load_tenant(f)))
            else:
                found = read_tenant_names(f)
                if found is not None:
                    names.append((f, found))
        except ConfigError as e:
            problems.extend(e.problems)
    # The selected files last: a clash is reported on the later file, and the selected files
    # are the ones this stack can refuse (two other files clashing is their shards').
    mine = {str(f) for f, _ in loaded}
    problems += [p for p in tenant_set_problems([*names, *loaded]) if p.source in mine]
    if problems:
        raise ConfigError(problems)
    return loaded


def read_tenant_names(path: Path) -> NamesOnlyTenant | None:
    """The names-only mode of the guarded reader: a tenant file's unique names, unvalidated
    (None when its content does not yield them: its own shard's full read says why).

    The bytes come from `tenant_file.loader.read_tenant_bytes` (ConfigError for a file that is
    not a regular file or is too large), and the node budget holds (ConfigError past
    MAX_YAML_NODES). The names are read from libyaml's parse events (in C when available)
    without building the document: only what `tenant_file.loader.tenant_set_problems` reads
    is kept (the top-level `tenant`, `namespace`, `region`, `account_id`, the keys of
    `permission_profiles` and the items of `embedding.app_principals`), so a tenant's users
    and profiles are never constructed. Anything unusual on the way (anchors, aliases, merge
    keys, several documents) is read in full instead, under the full read's node budget.
    """
    data = read_tenant_bytes(path)
    try:
        names = _top_level_names(data)
    except _OverBudget as e:
        mark = e.mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        raise ConfigError([Problem(str(path), where, too_many_nodes(aliased=False))]) from None
    except yaml.YAMLError:
        return None
    if names is _UNUSUAL:
        return _names_fully(path, data)
    if names is None or names[0].get("tenant") != path.stem:
        return None
    scalars, profiles, principals = names
    return _names(scalars, profiles, principals)


class _OverBudget(Exception):
    """More than MAX_YAML_NODES nodes were seen (`mark`: where the budget ran out)."""

    def __init__(self, mark: Any) -> None:
        super().__init__("over the node budget")
        self.mark = mark


_UNUSUAL: Any = object()
_SCALARS = frozenset({"tenant", "namespace", "region", "account_id"})
_WANTED = _SCALARS | {"permission_profiles", "embedding"}
_EMPTY = frozenset({"", "~", "null", "Null", "NULL"})
_STARTS = frozenset({yaml.MappingStartEvent, yaml.SequenceStartEvent})
_ENDS = frozenset({yaml.MappingEndEvent, yaml.SequenceEndEvent})
_NODES = _STARTS | {yaml.ScalarEvent}
_UNUSUAL_NODES = -1


def _skip_value(events: Iterator[yaml.Event]) -> int:
    """Consume the rest of a collection whose start event was just read (most of a tenant file
    is its users: nothing of them is kept, so only their nesting is followed); the number of
    nodes consumed (an alias is unusual: `_UNUSUAL_NODES`)."""
    level = 1
    nodes = 0
    for event in events:
        kind = type(event)
        if kind in _STARTS:
            level += 1
            nodes += 1
        elif kind is yaml.ScalarEvent:
            nodes += 1
        elif kind in _ENDS:
            level -= 1
            if level == 0:
                return nodes
        elif kind is yaml.AliasEvent:
            return _UNUSUAL_NODES
    return nodes


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
    nodes = 0
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
        nodes += 1
        if nodes > MAX_YAML_NODES:
            raise _OverBudget(event.start_mark)
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
            skipped = _skip_value(events)  # users, ...: nothing is kept, only their nesting
            if skipped == _UNUSUAL_NODES:
                return _UNUSUAL
            nodes += skipped
            if nodes > MAX_YAML_NODES:
                raise _OverBudget(event.start_mark)
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


def _names_fully(path: Path, raw: bytes) -> NamesOnlyTenant | None:
    """The names of a file with anchors, aliases or several documents: its text held to the
    full read's node budget (aliases expanded: ConfigError past it), then built."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    over = node_budget_problem(text, str(path))
    if over is not None:
        raise ConfigError([over])
    try:
        data: Any = yaml.load(text, Loader=_NameLoader)  # noqa: S506 - safe loader
    except yaml.YAMLError:
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
class NamesOnlyTenant:
    """A tenant file read for its names only, as the checks of the directory as a whole read it
    (`tenant_file.config.TenantNames`), unvalidated: its own shard validates it in full."""

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


def _names(scalars: dict[str, str], profiles: list[str], principals: list[str]) -> NamesOnlyTenant:
    tenant = scalars["tenant"]
    return NamesOnlyTenant(
        tenant=tenant,
        namespace=scalars.get("namespace", tenant),
        region=scalars.get("region", _DEFAULT_REGION),
        account_id=scalars.get("account_id"),
        permission_profiles=dict.fromkeys(profiles),
        embedding=_Apps(tuple(principals)),
    )
