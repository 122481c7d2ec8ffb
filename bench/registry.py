"""Goals: a TenantRegistry serving 10,000 tenants stays small, and noticing edits stays cheap.

The 10,000 tenants are spread over 100 accounts, 100 each, as AWS's per-account quotas require
(100 QuickSight namespaces and 1,000 IAM roles by default: `policies.quotas`).

1. Memory: a child process loads a directory of 10,000 tenant files into a `TenantRegistry`
   (the process-wide client pool of 64 clients, one STS client per region) and mints one
   embed URL for every tenant through it (stub transport): its RSS may grow by at most 300 MB
   over the process warmed up by one mint (botocore's models loaded). Every tenant then holds
   its config and its Embedder with role credentials; clients stay bounded by the pool.
2. Refresh: one look at the 10,000 unchanged files (`registry.refresh()`: one stat each, a
   comparison with what was read) against a bare `os.stat` loop over the same paths: at most
   2x. Interleaved, best of 5. The files are an hour old, as a deployed directory's are (a
   file modified in the last 2 s is read again at the next look, see `embedder.registry`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.config_load import write_tenants
from bench.harness import Result, interleaved

TENANTS = 10_000
GROWTH_GOAL_MB = 300.0
SCAN_GOAL = 2.0
AN_HOUR_NS = 3600 * 10**9


def _age(directory: Path) -> list[Path]:
    paths = sorted(directory.iterdir())
    for path in paths:
        st = path.stat()
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns - AN_HOUR_NS))
    return paths


def run() -> list[Result]:
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        write_tenants(directory, TENANTS)
        paths = _age(directory)
        child = subprocess.run(
            [sys.executable, "-m", "bench.registry", str(directory)],
            capture_output=True,
            text=True,
            check=False,
        )
        scan, stat_loop = _scan_vs_stat(directory, paths)
    if child.returncode != 0:
        return [Result("registry: memory child", child.stderr.strip()[-500:], "runs", False)]
    m: dict[str, Any] = json.loads(child.stdout)
    growth = m["after_mb"] - m["baseline_mb"]
    ratio = scan / stat_loop
    return [
        Result(
            f"registry: RSS growth, one mint for each of {TENANTS:,} tenants (stub transport)",
            f"{growth:.0f} MB (configs loaded {m['loaded_mb'] - m['baseline_mb']:.0f} MB; "
            f"{m['pool']} pooled clients; {m['mint_ms']:.1f} ms a first mint, a client made "
            f"for each; {m['assume_role']:,} AssumeRole)",
            f"<= {GROWTH_GOAL_MB:.0f} MB",
            growth <= GROWTH_GOAL_MB,
        ),
        Result(
            f"registry: one refresh of {TENANTS:,} unchanged files vs a bare os.stat loop",
            f"{ratio:.2f}x ({scan * 1000:.0f} ms vs {stat_loop * 1000:.0f} ms)",
            f"<= {SCAN_GOAL:.0f}x",
            ratio <= SCAN_GOAL,
        ),
    ]


def _scan_vs_stat(directory: Path, paths: list[Path]) -> tuple[float, float]:
    from embedder import TenantRegistry

    registry = TenantRegistry.from_dir(directory)
    registry.refresh()  # the first look read every file; this one settles nothing new
    assert len(registry) == TENANTS
    assert not registry.problems
    names = [str(p) for p in paths]

    def stat_loop() -> None:
        for name in names:
            os.stat(name)

    best = interleaved({"scan": registry.refresh, "stat": stat_loop}, repeat=5)
    return best["scan"], best["stat"]


def _measure(directory: Path) -> dict[str, Any]:
    from bench.harness import rss_mb
    from bench.stub import StubAws
    from embedder import TenantRegistry
    from embedder.clients import SHARED_POOL

    stub = StubAws()
    session = stub.warmed_session()
    baseline = rss_mb()
    registry = TenantRegistry.from_dir(directory, session=session)
    loaded = rss_mb()
    began = time.perf_counter()
    for name in registry.tenants:
        registry.session_embed_url(name, "alice")
    elapsed = time.perf_counter() - began
    return {
        "baseline_mb": baseline,
        "loaded_mb": loaded,
        "after_mb": rss_mb(),
        "pool": len(SHARED_POOL),
        "mint_ms": elapsed / TENANTS * 1000,
        "assume_role": sum(stub.assume_role_calls.values()) - 1,
    }


if __name__ == "__main__":
    print(json.dumps(_measure(Path(sys.argv[1]))))
