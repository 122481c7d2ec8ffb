"""The one review of tenant edits (`qs-embed check`), and the three ways of choosing the
tenants it reviews.

1. The tenant files are validated as the program validates them (a bad file: ConfigError).
2. The program of the chosen tenants runs offline under mocks, and the policy pack runs over
   what it declares (`review.declared`).
3. Every IAM document it declares is linted with parliament.
4. With a base ref, what the edit changes versus that ref is listed (`review.affected`,
   `review.changes`).
5. Every adoption (a user, namespace or profile taken over, not created) is called out.

The tenants are: every tenant (`check`), one shard's (`check --shard K --shard-count N`), or
the tenants of the shards an edit since a ref touches (`check --base REF --shard-count N`:
each such shard is loaded as its stack's program loads it, its files in full and every other
file for the names that must be unique). One line per finding, then one summary line.
Refused on a mandatory violation or a lint finding above LOW; advisories, LOW lint and
changes are for the reviewer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from infra.plan import resource_count
from infra.program import load_checked_tenants
from policies.lint import LintFinding, lint_declared
from policies.pack import Declared, Violation, build_policies, run_pack
from policies.project import TENANT_STACK
from policies.rules.props import tenant_stack_of
from policies.shards import ShardSelection, shard_of
from policies.tenant_index import index_of
from review.adoptions import adoption_lines
from review.affected import changes_since
from review.changes import REMOVED, TenantChange, tenant_changes
from review.declared import declare_program
from tenant_file.config import TenantConfig
from tenant_file.loader import tenant_files
from tenant_file.wording import plural


@dataclass(frozen=True)
class Review:
    """What the policy pack, the IAM lint and the adoption call-outs say of some tenants, run
    through the program under mocks."""

    declared: list[Declared]
    violations: list[Violation]
    lint: list[LintFinding]
    adoptions: list[str]

    @property
    def mandatory(self) -> int:
        return sum(v.mandatory for v in self.violations)

    @property
    def failing_lint(self) -> int:
        return sum(f.failing for f in self.lint)

    @property
    def refused(self) -> bool:
        return bool(self.mandatory or self.failing_lint)

    def lines(self) -> list[str]:
        return [*map(str, self.violations), *(f"lint {f}" for f in self.lint), *self.adoptions]

    def verdict(self) -> str:
        """`3 mandatory, 1 advisory, 0 lint (0 above LOW)`."""
        return (
            f"{self.mandatory} mandatory, {len(self.violations) - self.mandatory} advisory, "
            f"{len(self.lint)} lint ({self.failing_lint} above LOW)"
        )

    def __add__(self, other: Review) -> Review:
        return Review(
            [*self.declared, *other.declared],
            [*self.violations, *other.violations],
            [*self.lint, *other.lint],
            [*self.adoptions, *other.adoptions],
        )


NOTHING = Review([], [], [], [])


def review(tenants: Sequence[TenantConfig], extra: Callable[[], object] | None = None) -> Review:
    """Run the program for `tenants` under mocks, then the pack and the lint over what it
    declares; `extra` declares more resources next to the program's (tests)."""
    if not tenants and extra is None:
        return NOTHING
    declared = declare_program(tenants, extra)
    violations = sorted(
        run_pack(build_policies(index_of(tenants)), declared),
        key=lambda v: (not v.mandatory, v.policy, v.message),
    )
    return Review(declared, violations, lint_declared(declared), adoption_lines(tenants))


def check(
    tenants_dir: Path,
    out: TextIO,
    *,
    base: str | None = None,
    shard: ShardSelection | None = None,
    affected_of: int | None = None,
    extra: Callable[[], object] | None = None,
) -> Review:
    """The whole review, printed to `out`; the review (`.refused`) is returned.

    The tenants reviewed: every tenant; those of `shard`; or with `affected_of` N (and a
    `base`), those of the shards among N that an edit since `base` touches.
    """
    changes = changes_since(tenants_dir, base) if base is not None else None
    if affected_of is not None and changes is not None:
        chosen: list[ShardSelection | None] = [
            ShardSelection(k, affected_of) for k in changes.shards(affected_of)
        ]
        shards = ", ".join(str(s.shard) for s in chosen if s) or "none"
        where = f" (shards {shards} of {affected_of}, touched since {base})"
    else:
        chosen = [shard]
        where = f" ({shard})" if shard is not None and shard.count > 1 else ""
    result, tenants = NOTHING, []
    lines: list[str] = []
    for selection in chosen:
        mine = [t for _, t in load_checked_tenants(tenants_dir, selection)]
        found = review(mine, extra)
        tenants += mine
        result += found
        prefix = f"shard {selection.shard}: " if affected_of is not None and selection else ""
        lines += [prefix + line for line in found.lines()]
    diff: list[TenantChange] = []
    if changes is not None:
        reviewed = {t.tenant for t in tenants}
        held = shard.holds if shard is not None else (lambda _: True)
        before = {n: t for n, t in changes.before.items() if held(n)}
        if affected_of is not None:
            before = {n: t for n, t in before.items() if n in reviewed or n in changes.removed}
        now = [t for t in tenants if t.tenant in changes.tenants]
        diff = [c for c in changes.notes() if held(c.tenant)] + tenant_changes(before, now)
    if affected_of is not None:
        lines += [f"{c} (shard {shard_of(c.tenant, affected_of)})" for c in diff]
    else:
        lines += map(str, diff)
    for line in lines:
        print(line, file=out)
    print(_summary(tenants_dir, tenants, where, result, base, diff), file=out)
    return result


def _summary(
    tenants_dir: Path,
    tenants: Sequence[TenantConfig],
    where: str,
    result: Review,
    base: str | None,
    changes: Sequence[TenantChange],
) -> str:
    """`ok: 2 tenants, 15 resources in 2 tenant components: 0 mandatory, ...`."""
    counted = plural(len(tenants), "tenant")
    if where:  # some of the directory's tenants: say which
        counted = f"{len(tenants)} of {plural(len(tenant_files([tenants_dir])), 'tenant')}{where}"
    summary = f"{counted}, {_counted(result.declared)}: {result.verdict()}"
    if base is not None:
        removed = sum(c.tag == REMOVED for c in changes)
        summary += f", {plural(len(changes), 'change')} since {base} ({plural(removed, 'removal')})"
    if result.adoptions:
        summary += f", {plural(len(result.adoptions), 'adoption')} to review"
    return f"{'REFUSED' if result.refused else 'ok'}: {summary}"


def _counted(declared: list[Declared]) -> str:
    """Counted as `qs-embed plan` counts: AWS resources, in their TenantStack components."""
    resources = [d.resource for d in declared if d.resource.resource_type != TENANT_STACK]
    outside = sum(tenant_stack_of(r) is None for r in resources)
    components = len(declared) - len(resources)
    return resource_count(len(resources) - outside, components, outside)
