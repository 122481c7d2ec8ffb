"""`qs-embed check [--tenants DIR] [--base GIT_REF] [--shard K --shard-count N]`: the CI
review of tenant edits (`review.review`): of every tenant; of one shard's tenants with
--shard; of the shards an edit touches with --base and --shard-count alone.

One line per finding on stdout, a summary last. Exit 2 on a mandatory violation or a lint
finding above LOW, 0 otherwise (advisories, LOW lint and changes are for the reviewer).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from policies.shards import ShardSelection
from qs_embed.exit_codes import ExitCode
from qs_embed.shards import shard_count_from_args, shard_from_args
from review.review import check


def cmd_check(args: argparse.Namespace) -> int:
    if args.base is not None and args.shard is None and args.shard_count is not None:
        # A sharded directory's CI review: only the shards the edit touches run.
        count = shard_count_from_args(args)
        return run_check(Path(args.tenants), args.base, sys.stdout, affected_of=count)
    return run_check(Path(args.tenants), args.base, sys.stdout, shard=shard_from_args(args))


def run_check(
    tenants_dir: Path,
    base: str | None,
    out: TextIO,
    extra: Callable[[], object] | None = None,
    shard: ShardSelection | None = None,
    affected_of: int | None = None,
) -> ExitCode:
    """The review printed to `out`, as an exit code: BAD_INPUT when it refuses the edit."""
    result = check(tenants_dir, out, base=base, shard=shard, affected_of=affected_of, extra=extra)
    return ExitCode.BAD_INPUT if result.refused else ExitCode.OK
