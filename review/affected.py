"""What a tenant edit touches: the tenants changed since a git ref, and their shards.

Changed tenants are found by content, not by git's idea of the working tree: each tenant
file's git blob hash (`sha1("blob <size>\\0" + bytes)`, what `git hash-object` computes) is
compared with the ref's (`git ls-tree`), so untracked, staged and unstaged edits all count,
in one git call however many tenants there are. Files whose bytes differ are then compared
as tenant configs (the ref's versions read in one `git cat-file --batch`, `review.git`): an
edit of comments or formatting changes nothing deployed and touches no shard. The working
tree's files are read by the tenant files' one guarded reader: a FIFO or a link to a device
is refused, never read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from policies.shards import shard_of
from review.changes import CHANGE, TenantChange
from review.git import base_tree, git_blob_hash
from tenant_file.config import TenantConfig
from tenant_file.errors import ConfigError
from tenant_file.loader import (
    TENANT_SUFFIXES,
    load_tenant,
    parse_tenant,
    read_tenant_bytes,
    tenant_files,
)


@dataclass(frozen=True)
class TenantChanges:
    """The tenants whose deployed shape differs between a git ref and the directory now."""

    base: str
    added: frozenset[str] = frozenset()
    removed: frozenset[str] = frozenset()
    edited: frozenset[str] = frozenset()
    before: dict[str, TenantConfig] = field(default_factory=dict)
    """The ref's config of each edited or removed tenant (when it parsed)."""
    unreadable_base: dict[str, str] = field(default_factory=dict)
    """Tenant -> its path at the ref, for files there that were not valid tenant files
    (counted as edited)."""

    @property
    def tenants(self) -> frozenset[str]:
        return self.added | self.removed | self.edited

    def shards(self, shard_count: int) -> list[int]:
        """The shards whose stacks the change touches, sorted."""
        return sorted({shard_of(name, shard_count) for name in self.tenants})

    def notes(self) -> list[TenantChange]:
        """One line per tenant whose file at the ref was not a valid tenant file."""
        return [
            TenantChange(CHANGE, name, f"{self.base}:{path} was not a valid tenant file")
            for name, path in sorted(self.unreadable_base.items())
        ]


def changes_since(
    tenants_dir: Path, base: str, current: Sequence[TenantConfig] | None = None
) -> TenantChanges:
    """The tenants added, removed or edited in `tenants_dir` since git ref `base`.

    `current`: the directory's configs already loaded (and validated as a whole); read here
    when not given. A bad ref or a directory outside a git work tree is a ConfigError.
    """
    tree = base_tree(tenants_dir, base)
    in_base = tree.files
    now = {f.stem: f for f in tenant_files([tenants_dir]) if f.suffix in TENANT_SUFFIXES}
    differing = [
        stem
        for stem, path in now.items()
        if stem in in_base and _blob_now(path) != in_base[stem].blob
    ]
    removed = frozenset(in_base.keys() - now.keys())
    base_texts = tree.texts([*differing, *removed])
    before: dict[str, TenantConfig] = {}
    unreadable: dict[str, str] = {}
    for stem in (*differing, *removed):
        path = in_base[stem].path
        if stem not in base_texts:  # a link or a file too large at the ref: not read
            unreadable[stem] = path
            continue
        try:
            before[stem] = parse_tenant(base_texts[stem], f"{base}:{path}")
        except ConfigError:
            unreadable[stem] = path
    configs = {t.tenant: t for t in current} if current is not None else None
    edited = {
        stem
        for stem in differing
        if stem in unreadable or _config_now(stem, now[stem], configs) != before[stem]
    }
    return TenantChanges(
        base=base,
        added=frozenset(now.keys() - in_base.keys()),
        removed=removed,
        edited=frozenset(edited),
        before={name: before[name] for name in (edited | removed) if name in before},
        unreadable_base=unreadable,
    )


def _blob_now(path: Path) -> str | None:
    """The blob id of a file of the working tree, read by the guarded reader (None: it is
    not a readable tenant file, so it differs from any base; its shard's check says why)."""
    try:
        return git_blob_hash(read_tenant_bytes(path))
    except ConfigError:
        return None


def _config_now(
    stem: str, path: Path, configs: dict[str, TenantConfig] | None
) -> TenantConfig | None:
    if configs is not None:
        return configs.get(stem)
    try:
        return load_tenant(path)
    except ConfigError:
        return None  # edited into something invalid: its shard's check says what
