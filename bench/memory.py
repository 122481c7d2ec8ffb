"""Goal 4: one process minting round-robin for 1,000 tenants stays within bounded memory.

A child process (so the figure is not disturbed by what other benchmarks allocated) makes one
Embedder per tenant with the defaults an app gets (the process-wide client pool, its own STS
client), warms up on one extra tenant (botocore's models loaded, as after any first request),
then mints round-robin: a first round over every tenant fills the client pool (64 clients) and
gives every tenant its role credentials; after a few more pool sizes of mints the pool's mix
and the evicted clients' garbage are steady (RSS noted), and one more full round over every
tenant must not grow the process any further. Stub transport, so only the process's own
memory counts. The tenants are spread over 10 accounts, 100 each, as AWS's per-account quotas
require (100 QuickSight namespaces by default: `policies.quotas`, `bench.tenants.account_of`).

Round-robin over more tenants than the pool holds is the pool's worst case: every mint misses
and makes a client, so the round also shows what a miss costs and how many AssumeRole calls
the misses cost. It runs alone, like every benchmark.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from typing import Any

from bench.harness import Result

TENANTS = 1000
SETTLE_POOLS = 4
"""After the first round, mints of 4 pool sizes before the steady reading: the pool's mix of
clients (STS clients leave it once every tenant's role is assumed) and the level of evicted
clients awaiting the cyclic GC settle within about 2 pool sizes."""
GROWTH_GOAL_MB = 150.0
FLAT_GOAL_MB = 2.0
""""~0" for a second round: within the allocator's noise, far below one client per tenant
(a leak of even 5 KB per mint would show as 5 MB)."""


def run() -> list[Result]:
    child = subprocess.run(
        [sys.executable, "-m", "bench.memory", str(TENANTS)],
        capture_output=True,
        text=True,
        check=False,
    )
    if child.returncode != 0:
        return [Result("memory: child process", child.stderr.strip()[-500:], "runs", False)]
    return _results(json.loads(child.stdout))


def _results(m: dict[str, Any]) -> list[Result]:
    growth = m["after_round_mb"] - m["baseline_mb"]
    flat = m["after_round_mb"] - m["steady_mb"]
    per_mint_ms = m["round_s"] / TENANTS * 1000
    return [
        Result(
            f"memory: RSS growth, {m['mints']:,} mints round-robin over {TENANTS:,} tenants",
            f"{growth:.1f} MB (baseline {m['baseline_mb']:.0f} MB; {m['pool']} pooled clients)",
            f"<= {GROWTH_GOAL_MB:.0f} MB",
            growth <= GROWTH_GOAL_MB,
        ),
        Result(
            f"memory: RSS growth over one more round once full and steady (after "
            f"{TENANTS:,} + {m['settle_mints']} mints)",
            f"{flat:+.1f} MB (after the first round {m['after_first_mb'] - m['baseline_mb']:+.1f} "
            f"MB); every mint a pool miss: {per_mint_ms:.0f} ms/mint, "
            f"{m['assume_role']:,} AssumeRole for {m['mints']:,} mints",
            f"<= {FLAT_GOAL_MB:.0f} MB",
            flat <= FLAT_GOAL_MB,
        ),
    ]


def _measure(tenants: int) -> dict[str, Any]:
    from bench.harness import rss_mb
    from bench.stub import StubAws
    from bench.tenants import account_of, tenant
    from embedder import Embedder
    from embedder.clients import SHARED_POOL

    stub = StubAws()
    session = stub.warmed_session()
    baseline = rss_mb()
    configs = [
        tenant(f"t{i:05d}", "iam" if i % 2 else "quicksight", account=account_of(i))
        for i in range(tenants)
    ]
    embedders = [Embedder(c, session=session) for c in configs]
    minted = 0

    def mint(count: int) -> float:
        nonlocal minted
        began = time.perf_counter()
        for _ in range(count):
            embedders[minted % tenants].session_embed_url("u000")
            minted += 1
        return time.perf_counter() - began

    mint(tenants)
    after_first = rss_mb()
    settle_mints = SETTLE_POOLS * SHARED_POOL.max_size
    mint(settle_mints)
    steady = rss_mb()
    round_s = mint(tenants)
    after_round = rss_mb()
    return {
        "baseline_mb": baseline,
        "after_first_mb": after_first,
        "steady_mb": steady,
        "after_round_mb": after_round,
        "mints": minted,
        "settle_mints": settle_mints,
        "round_s": round_s,
        "pool": len(SHARED_POOL),
        "assume_role": sum(stub.assume_role_calls.values()) - 1,  # less the warm-up's
    }


if __name__ == "__main__":
    print(json.dumps(_measure(int(sys.argv[1]))))
