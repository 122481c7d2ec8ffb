"""`qs-embed shards --count N [--tenants DIR] [--base REF] [--from M] [--json]`.

Which stack (shard) declares each tenant, how many each holds; with `--base`, the shards a
change since a git ref touches (a CI matrix); with `--from M`, the tenants that move when the
shard count goes from M to N and the `pulumi state move` commands that carry each one's
resources (its TenantStack component, and with it every child) to its new stack.

`add_shard_options` and `shard_from_args` give other commands the same `--shard K
--shard-count N` selection as the stack config.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any, TextIO

from policies.project import PROJECT, TENANT_STACK
from policies.shards import ShardSelection, assignment, moves, shard_selection, shard_sizes
from qs_embed.exit_codes import ExitCode
from tenant_file.loader import load_tenant_files

DEFAULT_STACK_NAME = "shard-{shard}"


def cmd_shards(args: argparse.Namespace) -> int:
    count = shard_selection(args.count, None if args.count == 1 else 0, source="--count").count
    from_count = None
    if args.from_count is not None:
        from_count = shard_selection(args.from_count, 0, source="--from").count
    report = shard_report(
        Path(args.tenants), count, base=args.base, from_count=from_count, stack=args.stack
    )
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        render(report, sys.stdout)
    return ExitCode.OK


def shard_report(
    tenants_dir: Path,
    count: int,
    *,
    base: str | None = None,
    from_count: int | None = None,
    stack: str = DEFAULT_STACK_NAME,
) -> dict[str, Any]:
    """The assignment of the directory's tenants (validated as a whole: ConfigError), with
    the shards a change since `base` touches and the moves from `from_count` shards."""
    loaded = load_tenant_files([tenants_dir])
    tenants = [t for _, t in loaded]
    names = [t.tenant for t in tenants]
    assigned = assignment(names, count)
    report: dict[str, Any] = {
        "shardCount": count,
        "tenants": assigned,
        "sizes": shard_sizes(assigned, count),
    }
    if base is not None:
        from review.affected import changes_since

        changes = changes_since(tenants_dir, base, tenants)
        report["affected"] = changes.shards(count)
        report["changed"] = {
            "added": sorted(changes.added),
            "edited": sorted(changes.edited),
            "removed": sorted(changes.removed),
        }
    if from_count is not None:
        moved = moves(names, from_count, count)
        report["from"] = from_count
        report["moves"] = [{"tenant": m.tenant, "from": m.source, "to": m.dest} for m in moved]
        report["commands"] = state_move_commands(
            [(m.tenant, m.source, m.dest) for m in moved], stack
        )
    return report


def stack_name(template: str, shard: int) -> str:
    return template.replace("{shard}", str(shard))


def tenant_urn(stack: str, tenant: str) -> str:
    """The URN of a tenant's TenantStack component in `stack` (its parent is the stack)."""
    short = stack.rsplit("/", 1)[-1]  # org/project/stack: the URN names the stack alone
    return f"urn:pulumi:{short}::{PROJECT}::{TENANT_STACK}::{tenant}"


def state_move_commands(moved: list[tuple[str, int, int]], template: str) -> list[str]:
    """One `pulumi state move` per (source stack, destination stack): the moved tenants'
    component URNs; Pulumi moves each resource's children with it."""
    by_pair: dict[tuple[int, int], list[str]] = defaultdict(list)
    for tenant, source, dest in moved:
        by_pair[(source, dest)].append(tenant)
    commands = []
    for (source, dest), tenants in sorted(by_pair.items()):
        source_stack, dest_stack = stack_name(template, source), stack_name(template, dest)
        urns = [tenant_urn(source_stack, t) for t in sorted(tenants)]
        words = ["pulumi", "state", "move", "--source", source_stack, "--dest", dest_stack]
        commands.append(" ".join(shlex.quote(w) for w in [*words, *urns]))
    return commands


def render(report: dict[str, Any], out: TextIO) -> None:
    count, sizes = report["shardCount"], report["sizes"]
    tenants: dict[str, int] = report["tenants"]
    mean = len(tenants) / count
    largest = f"largest {max(sizes)} = {max(sizes) / mean:.2f}x the mean" if tenants else "empty"
    print(f"{len(tenants)} tenants over {count} shards ({largest})", file=out)
    print("shard  tenants", file=out)
    for shard, size in enumerate(sizes):
        print(f"{shard:<5}  {size}", file=out)
    print("", file=out)
    width = max((len(n) for n in tenants), default=6)
    print(f"{'tenant':<{width}}  shard", file=out)
    for name, shard in sorted(tenants.items()):
        print(f"{name:<{width}}  {shard}", file=out)
    if "affected" in report:
        changed = report["changed"]
        print("", file=out)
        kinds = [f"{kind} {', '.join(changed[kind])}" for kind in changed if changed[kind]]
        print(f"changed: {'; '.join(kinds) or 'nothing'}", file=out)
        print(f"affected shards: {' '.join(map(str, report['affected'])) or 'none'}", file=out)
    if "moves" in report:
        moved = report["moves"]
        print("", file=out)
        print(
            f"from {report['from']} to {count} shards: {len(moved)} of {len(tenants)} tenants move",
            file=out,
        )
        for m in moved:
            print(f"  {m['tenant']}: shard {m['from']} -> shard {m['to']}", file=out)
        if report["commands"]:
            print("", file=out)
            print("# carry each moved tenant's resources to its new stack:", file=out)
            for command in report["commands"]:
                print(command, file=out)


# -- the --shard K --shard-count N options of plan, check, local up and demo -----------------


def add_shard_options(parser: argparse.ArgumentParser) -> None:
    """`--shard K --shard-count N`: the same selection as a stack's shard and shardCount."""
    parser.add_argument(
        "--shard-count",
        metavar="N",
        help="how many shards the tenants are split over (default 1: unsharded)",
    )
    parser.add_argument(
        "--shard", metavar="K", help="only the tenants of shard K, 0..N-1 (needs --shard-count)"
    )


def shard_from_args(args: argparse.Namespace) -> ShardSelection:
    """The selection of `add_shard_options`' flags; ConfigError (exit 2) naming the flag."""
    return shard_selection(
        args.shard_count,
        args.shard,
        source="command line",
        count_field="--shard-count",
        shard_field="--shard",
    )


def shard_count_from_args(args: argparse.Namespace) -> int:
    """`--shard-count` alone (for `check --base`, which picks the shards an edit touches)."""
    return shard_selection(
        args.shard_count, "0", source="command line", count_field="--shard-count"
    ).count


def add_parser_arguments(parser: argparse.ArgumentParser, default_tenants: str) -> None:
    """The arguments of `qs-embed shards`."""
    parser.add_argument(
        "--count", required=True, type=int, metavar="N", help="the number of shards (stacks)"
    )
    parser.add_argument(
        "--tenants",
        default=default_tenants,
        metavar="DIR",
        help=f"directory of tenant files (default: {default_tenants})",
    )
    parser.add_argument(
        "--base", metavar="GIT_REF", help="also list the shards a change since this ref touches"
    )
    parser.add_argument(
        "--from",
        dest="from_count",
        type=int,
        metavar="M",
        help="also list the tenants that move from M shards to N, with the pulumi state move "
        "commands",
    )
    parser.add_argument(
        "--stack",
        default=DEFAULT_STACK_NAME,
        metavar="NAME",
        help="the stacks' names, {shard} standing for the shard number (default: shard-{shard})",
    )
    parser.add_argument("--json", action="store_true", help="print JSON")
