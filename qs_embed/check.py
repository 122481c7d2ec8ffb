"""`qs-embed check [--tenants DIR] [--base GIT_REF]`: the CI review of tenant edits.

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
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from embedder.wording import plural
from infra.plan import resource_count
from infra.program import load_checked_tenants
from policies.lint import lint_declared
from policies.pack import Declared, build_policies, run_pack
from policies.resources import TENANT_STACK
from policies.rules.adoption import adoption_lines
from policies.rules.props import tenant_stack_of
from policies.tenant_diff import REMOVED, Change, base_tenants, tenant_changes
from policies.tenant_index import index_of
from qs_embed.declared import declare_program
from qs_embed.exit_codes import ExitCode


def cmd_check(args: argparse.Namespace) -> int:
    return run_check(Path(args.tenants), args.base, sys.stdout)


def run_check(
    tenants_dir: Path,
    base: str | None,
    out: TextIO,
    extra: Callable[[], object] | None = None,
) -> int:
    """The whole check; `extra` declares more resources next to the program's (tests)."""
    tenants = [t for _, t in load_checked_tenants(tenants_dir)]
    declared = declare_program(tenants, extra)
    violations = sorted(
        run_pack(build_policies(index_of(tenants)), declared),
        key=lambda v: (not v.mandatory, v.policy, v.message),
    )
    lint = lint_declared(declared)
    changes: list[Change] = []
    if base is not None:
        before, notes = base_tenants(tenants_dir, base)
        changes = notes + tenant_changes(before, tenants)

    adoptions = adoption_lines(tenants)
    for line in [*violations, *(f"lint {f}" for f in lint), *changes, *adoptions]:
        print(line, file=out)

    mandatory = sum(v.mandatory for v in violations)
    failing_lint = sum(f.failing for f in lint)
    removed = sum(c.tag == REMOVED for c in changes)
    summary = (
        f"{plural(len(tenants), 'tenant')}, {_counted(declared)}: {mandatory} mandatory, "
        f"{len(violations) - mandatory} advisory, {len(lint)} lint ({failing_lint} above LOW)"
    )
    if base is not None:
        summary += f", {plural(len(changes), 'change')} since {base} ({plural(removed, 'removal')})"
    if adoptions:
        summary += f", {plural(len(adoptions), 'adoption')} to review"
    refused = mandatory or failing_lint
    print(f"{'REFUSED' if refused else 'ok'}: {summary}", file=out)
    return ExitCode.BAD_INPUT if refused else ExitCode.OK


def _counted(declared: list[Declared]) -> str:
    """Counted as `qs-embed plan` counts: AWS resources, in their TenantStack components."""
    resources = [d.resource for d in declared if d.resource.resource_type != TENANT_STACK]
    outside = sum(tenant_stack_of(r) is None for r in resources)
    components = len(declared) - len(resources)
    return resource_count(len(resources) - outside, components, outside)
