"""`qs-embed check [--tenants DIR] [--base GIT_REF] [--shard K --shard-count N]`: the CI
review of tenant edits (of one shard's tenants with --shard; of the shards an edit touches with
--base and --shard-count alone, `qs_embed.affected`).

1. Validate the tenant files as the program does (a bad file: exit 2 via ConfigError).
2. Run the program offline under mocks and the policy pack over what it declares.
3. Lint every IAM document it declares with parliament.
4. With --base, list what the edit changes versus that ref.
5. Call out every adoption (a user, namespace or profile taken over, not created).

One line per finding on stdout, a summary last. Exit 2 on a mandatory violation or a lint
finding above LOW, 0 otherwise (advisories, LOW lint and changes are for the reviewer).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from embedder.adoption import NOTHING_ALLOWED, AdoptionAllowList, allow_list_beside
from embedder.config import TenantConfig
from embedder.shards import ShardSelection
from embedder.wording import plural
from infra.plan import resource_count
from infra.program import load_checked_tenants
from policies.lint import LintFinding, lint_declared
from policies.pack import Declared, Violation, build_policies, run_pack
from policies.platform_base import adoption_at
from policies.resources import TENANT_STACK
from policies.rules.adoption import adoption_lines
from policies.rules.props import tenant_stack_of
from policies.tenant_diff import REMOVED, Change, base_tenants, tenant_changes
from policies.tenant_index import index_of
from qs_embed.declared import declare_program
from qs_embed.exit_codes import ExitCode
from qs_embed.shards import shard_count_from_args, shard_from_args


def cmd_check(args: argparse.Namespace) -> int:
    if args.base is not None and args.shard is None and args.shard_count is not None:
        # A sharded directory's CI review: only the shards the edit touches run.
        from qs_embed.affected import affected_check

        count = shard_count_from_args(args)
        return affected_check(Path(args.tenants), args.base, count, sys.stdout)
    return run_check(Path(args.tenants), args.base, sys.stdout, shard=shard_from_args(args))


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


def review(
    tenants: Sequence[TenantConfig],
    extra: Callable[[], object] | None = None,
    *,
    adoption: AdoptionAllowList = NOTHING_ALLOWED,
) -> Review:
    """Run the program for `tenants` under mocks, then the pack and the lint over what it
    declares; `extra` declares more resources next to the program's (tests)."""
    declared = declare_program(tenants, extra)
    violations = sorted(
        run_pack(build_policies(index_of(tenants, adoption=adoption)), declared),
        key=lambda v: (not v.mandatory, v.policy, v.message),
    )
    return Review(declared, violations, lint_declared(declared), adoption_lines(tenants))


def run_check(
    tenants_dir: Path,
    base: str | None,
    out: TextIO,
    extra: Callable[[], object] | None = None,
    shard: ShardSelection | None = None,
) -> int:
    """The whole check (of one shard's tenants when `shard` is given). With `base`, the
    platform's adoption allow-list is the one at `base`: an edit cannot approve itself."""
    adoption = adoption_at(tenants_dir, base) if base is not None else None
    tenants = [t for _, t in load_checked_tenants(tenants_dir, shard, adoption)]
    result = review(tenants, extra, adoption=adoption or allow_list_beside(tenants_dir))
    changes: list[Change] = []
    if base is not None:
        before, notes = base_tenants(tenants_dir, base)
        if shard is not None:
            before = {name: t for name, t in before.items() if shard.holds(name)}
        changes = notes + tenant_changes(before, tenants)

    for line in [*result.lines(), *changes]:
        print(line, file=out)

    removed = sum(c.tag == REMOVED for c in changes)
    summary = f"{plural(len(tenants), 'tenant')}, {_counted(result.declared)}: {result.verdict()}"
    if base is not None:
        summary += f", {plural(len(changes), 'change')} since {base} ({plural(removed, 'removal')})"
    if result.adoptions:
        summary += f", {plural(len(result.adoptions), 'adoption')} to review"
    print(f"{'REFUSED' if result.refused else 'ok'}: {summary}", file=out)
    return ExitCode.BAD_INPUT if result.refused else ExitCode.OK


def _counted(declared: list[Declared]) -> str:
    """Counted as `qs-embed plan` counts: AWS resources, in their TenantStack components."""
    resources = [d.resource for d in declared if d.resource.resource_type != TENANT_STACK]
    outside = sum(tenant_stack_of(r) is None for r in resources)
    components = len(declared) - len(resources)
    return resource_count(len(resources) - outside, components, outside)
