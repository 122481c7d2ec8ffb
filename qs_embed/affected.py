"""What a tenant edit touches: the tenants changed since a git ref, their shards, and the
review of only those shards (`affected_check`, what `qs-embed check --base` runs when sharded).

Changed tenants are found by content, not by git's idea of the working tree: each tenant
file's git blob hash (`sha1("blob <size>\\0" + bytes)`, what `git hash-object` computes) is
compared with the ref's (`git ls-tree`), so untracked, staged and unstaged edits all count,
in one git call however many tenants there are. Files whose bytes differ are then compared
as tenant configs (the ref's versions read in one `git cat-file --batch`): an edit of
comments or formatting changes nothing deployed and touches no shard.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from embedder.adoption import AdoptionAllowList
from embedder.config import TenantConfig
from embedder.errors import ConfigError
from embedder.loader import parse_tenant, tenant_files
from embedder.shards import ShardSelection, shard_of
from embedder.wording import plural
from policies.tenant_diff import base_repository, run_git

TENANT_SUFFIXES = (".yaml", ".yml")
EXIT_OK, EXIT_REFUSED = 0, 2


@dataclass(frozen=True)
class TenantChanges:
    """The tenants whose deployed shape differs between a git ref and the directory now."""

    base: str
    added: frozenset[str] = frozenset()
    removed: frozenset[str] = frozenset()
    edited: frozenset[str] = frozenset()
    before: dict[str, TenantConfig] = field(default_factory=dict)
    """The ref's config of each edited or removed tenant (when it parsed)."""
    unreadable_base: frozenset[str] = frozenset()
    """Tenants whose file at the ref was not a valid tenant file (counted as edited)."""

    @property
    def tenants(self) -> frozenset[str]:
        return self.added | self.removed | self.edited

    def shards(self, shard_count: int) -> list[int]:
        """The shards whose stacks the change touches, sorted."""
        return sorted({shard_of(name, shard_count) for name in self.tenants})


def git_blob_hash(data: bytes) -> str:
    """The id git gives a file's content (`git hash-object`)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def changes_since(
    tenants_dir: Path, base: str, current: Sequence[TenantConfig] | None = None
) -> TenantChanges:
    """The tenants added, removed or edited in `tenants_dir` since git ref `base`.

    `current`: the directory's configs already loaded (and validated as a whole); read here
    when not given. A bad ref or a directory outside a git work tree is a ConfigError.
    """
    top, rel = base_repository(tenants_dir, base)
    in_base = _base_blobs(top, rel, base)
    now = {f.stem: f for f in tenant_files([tenants_dir]) if f.suffix in TENANT_SUFFIXES}
    differing = [
        stem
        for stem, path in now.items()
        if stem in in_base and git_blob_hash(path.read_bytes()) != in_base[stem][1]
    ]
    removed = frozenset(in_base.keys() - now.keys())
    base_texts = _cat_blobs(top, [in_base[s][1] for s in (*differing, *removed)])
    before: dict[str, TenantConfig] = {}
    unreadable: set[str] = set()
    for stem in (*differing, *removed):
        path, blob = in_base[stem]
        try:
            before[stem] = parse_tenant(base_texts[blob], f"{base}:{path}")
        except ConfigError:
            unreadable.add(stem)
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
        unreadable_base=frozenset(unreadable),
    )


def _config_now(
    stem: str, path: Path, configs: dict[str, TenantConfig] | None
) -> TenantConfig | None:
    if configs is not None:
        return configs.get(stem)
    from embedder.loader import load_tenant

    try:
        return load_tenant(path)
    except ConfigError:
        return None  # edited into something invalid: its shard's check says what


# -- git -----------------------------------------------------------------------------------


def _base_blobs(top: Path, rel: str, base: str) -> dict[str, tuple[str, str]]:
    """Tenant stem -> (path, blob id) of the tenant files directly in `rel` at `base`."""
    prefix = f"{rel}/" if rel else ""
    listing = run_git(top, "ls-tree", "-z", base, "--", prefix or ".")
    found: dict[str, tuple[str, str]] = {}
    for record in listing.decode().split("\0"):
        if not record:
            continue
        meta, path = record.split("\t", 1)
        _, kind, blob = meta.split()
        name = path.removeprefix(prefix)
        if kind == "blob" and "/" not in name and name.endswith(TENANT_SUFFIXES):
            found[Path(name).stem] = (path, blob)
    return found


def _cat_blobs(top: Path, blobs: Iterable[str]) -> dict[str, str]:
    """The text of each blob, read in one `git cat-file --batch`."""
    wanted = list(dict.fromkeys(blobs))
    if not wanted:
        return {}
    out = run_git(top, "cat-file", "--batch", stdin="".join(f"{b}\n" for b in wanted).encode())
    texts: dict[str, str] = {}
    at = 0
    for blob in wanted:
        header_end = out.index(b"\n", at)
        _, _, size = out[at:header_end].decode().split()
        start = header_end + 1
        texts[blob] = out[start : start + int(size)].decode("utf-8", errors="replace")
        at = start + int(size) + 1  # the content is followed by a newline
    return texts


# -- the review of the affected shards ------------------------------------------------------


def affected_check(
    tenants_dir: Path,
    base: str,
    shard_count: int,
    out: TextIO,
    *,
    shards: Sequence[int] | None = None,
) -> int:
    """`qs-embed check --base REF` of a sharded directory: the shards a change since `base`
    touches (or `shards`, when given) are each checked as their stack's program checks them
    (their files in full, every other file for clashing names: a bad file is a ConfigError),
    and run under mocks through the policy pack and the IAM lint; the changes are listed for
    the reviewer. The other shards' programs do not run. Exit 2 when a mandatory policy or a
    lint finding above LOW refuses the edit, else 0.
    """
    from infra.program import load_checked_tenants
    from policies.platform_base import adoption_at
    from policies.tenant_diff import REMOVED, tenant_changes

    changes = changes_since(tenants_dir, base)
    adoption = adoption_at(tenants_dir, base)  # an edit cannot approve itself
    checked = list(shards) if shards is not None else changes.shards(shard_count)
    mandatory = advisory = failing_lint = lint_count = resources = 0
    lines: list[str] = []
    now: dict[str, TenantConfig] = {}
    for shard in checked:
        selection = ShardSelection(shard, shard_count)
        mine = [t for _, t in load_checked_tenants(tenants_dir, selection, adoption)]
        now.update((t.tenant, t) for t in mine)
        verdict = _review(mine, adoption)
        mandatory += verdict.mandatory
        advisory += verdict.advisory
        failing_lint += verdict.failing_lint
        lint_count += verdict.lint
        resources += verdict.resources
        lines += [f"shard {shard}: {line}" for line in verdict.lines]
    diff = [
        f"{c} (shard {shard_of(c.tenant, shard_count)})"
        for c in tenant_changes(
            changes.before, [now[name] for name in sorted(changes.tenants) if name in now]
        )
    ]
    diff += [
        f"change {name}: {base} held no valid tenant file for it"
        for name in sorted(changes.unreadable_base)
    ]
    for line in [*lines, *diff]:
        print(line, file=out)
    removals = sum(line.startswith(REMOVED) for line in diff)
    where = ", ".join(map(str, checked)) or "none"
    files = len({f.stem for f in tenant_files([tenants_dir])})
    summary = (
        f"{files} tenants in {shard_count} shards; {len(changes.tenants)} changed since "
        f"{base} ({plural(removals, 'removal')}); checked shards: {where} ({resources} resources): "
        f"{mandatory} mandatory, {advisory} advisory, {lint_count} lint ({failing_lint} above LOW)"
    )
    refused = mandatory or failing_lint
    print(f"{'REFUSED' if refused else 'ok'}: {summary}", file=out)
    return EXIT_REFUSED if refused else EXIT_OK


@dataclass(frozen=True)
class _Verdict:
    lines: list[str]
    mandatory: int
    advisory: int
    lint: int
    failing_lint: int
    resources: int


def _review(tenants: Sequence[TenantConfig], adoption: AdoptionAllowList) -> _Verdict:
    """The program of these tenants under mocks, the pack of these tenants, the IAM lint and
    the adoptions to call out: `qs-embed check`'s own review."""
    if not tenants:
        return _Verdict([], 0, 0, 0, 0, 0)
    from policies.resources import TENANT_STACK
    from qs_embed.check import review

    result = review(tenants, adoption=adoption)
    return _Verdict(
        result.lines(),
        result.mandatory,
        len(result.violations) - result.mandatory,
        len(result.lint),
        result.failing_lint,
        sum(d.resource.resource_type != TENANT_STACK for d in result.declared),
    )
