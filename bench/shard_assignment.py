"""Goal: shard assignment at 10,000 tenants is balanced and moves nobody when one is added.

10,000 deterministic tenant names over 64 shards (`policies.shards`, jump consistent hash):
the largest shard at most 1.3x the mean; adding one tenant moves no other tenant (0); and,
for the README's resharding walk-through, how many move from 64 to 80 shards (the minimum is
the new shards' fair share, 20%). Counts, not times.
"""

from __future__ import annotations

from bench.harness import Result
from policies.shards import assignment, moves, shard_sizes

TENANTS = 10_000
SHARDS = 64
GOAL_MAX_OVER_MEAN = 1.3


def run() -> list[Result]:
    names = [f"t{i:05d}" for i in range(TENANTS)]
    assigned = assignment(names, SHARDS)
    sizes = shard_sizes(assigned, SHARDS)
    mean = TENANTS / SHARDS
    spread = max(sizes) / mean
    grown = assignment([*names, "newcomer"], SHARDS)
    moved_by_one = sum(grown[n] != assigned[n] for n in names)
    resharded = len(moves(names, SHARDS, 80))
    return [
        Result(
            f"shards: {TENANTS:,} tenants over {SHARDS} shards, largest / mean",
            f"{spread:.2f}x (largest {max(sizes)}, smallest {min(sizes)}, mean {mean:.1f})",
            f"<= {GOAL_MAX_OVER_MEAN}x",
            spread <= GOAL_MAX_OVER_MEAN,
        ),
        Result(
            "shards: tenants moved by adding one tenant",
            f"{moved_by_one} (64 -> 80 shards moves {resharded:,}, "
            f"{resharded / TENANTS:.1%}; the new shards' fair share is 20%)",
            "0",
            moved_by_one == 0,
        ),
    ]
