"""Goal 6: the Pulumi program's time grows linearly with the tenants.

The whole program (`infra.program.run_program`: load and check the tenant files, declare one
TenantStack per tenant) runs in-process under Pulumi's mocks, the way `qs-embed plan` and the
tests run it (`infra.offline.run_offline` with `infra.plan_mocks.PlanMocks`), for 500 and
1,000 tenants: 1,000 must take <= 2.2x the time of 500.

Runs of 15-40 s on a shared machine whose speed varies by 2x from one second to the next
cannot be compared one after the other (measured 2.0x and 2.3x for the same code). So the two
sizes run side by side, each in its own process, both on one CPU (`harness.pin_foreground`;
on two CPUs, each meets its own neighbours: 1.89x and 2.16x), started at the same moment: one
runs the program for 500 tenants twice while the other runs it for 1,000 once, the same work
if the program is linear, at the same moments. Each process times its runs in its own CPU
time (all its threads: the mocks answer on Pulumi's executor threads); the collection of a
run's garbage (the runner defers it to the end of the run) is part of it.
"""

from __future__ import annotations

import gc
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.config_load import write_tenants
from bench.harness import Result, pin_foreground

SMALL, LARGE = 500, 1000
GOAL = 2.2


def run() -> list[Result]:
    with tempfile.TemporaryDirectory() as tmp:
        dirs = {n: Path(tmp, str(n)) for n in (SMALL, LARGE)}
        for n, directory in dirs.items():
            directory.mkdir()
            write_tenants(directory, n)
        jobs = {SMALL: 2, LARGE: 1}
        children = {
            n: subprocess.Popen(
                [sys.executable, "-m", "bench.program", str(dirs[n]), str(runs)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            for n, runs in jobs.items()
        }
        times: dict[int, list[float]] = {}
        try:
            for child in children.values():  # each warmed up: imports and a small program
                assert child.stdout is not None
                if child.stdout.readline().strip() != "ready":
                    raise RuntimeError("a program child failed to start")
                pin_foreground(child.pid)
            for child in children.values():
                assert child.stdin is not None
                child.stdin.write("go\n")
                child.stdin.flush()
            for n, child in children.items():
                out, _ = child.communicate()
                times[n] = json.loads(out)["cpu_s"]
        finally:
            for child in children.values():
                if child.poll() is None:
                    child.kill()
    small = sum(times[SMALL]) / len(times[SMALL])
    (large,) = times[LARGE]
    ratio = large / small
    return [
        Result(
            f"program: {LARGE:,} tenants vs {SMALL} under mocks, side by side (CPU time)",
            f"{ratio:.2f}x ({large:.1f} s vs {small:.1f} s; "
            f"{large / LARGE * 1000:.0f} ms per tenant)",
            f"<= {GOAL}x",
            ratio <= GOAL,
        )
    ]


def _child(directory: Path, runs: int) -> None:
    from embedder.loader import load_tenants
    from infra.offline import run_offline
    from infra.plan_mocks import PlanMocks
    from infra.program import run_program

    def timed(tenants_dir: Path) -> float:
        mocks = PlanMocks(load_tenants([tenants_dir]))
        gc.collect()
        began = time.process_time()
        run_offline(lambda: run_program(tenants_dir), mocks)
        gc.collect()
        return time.process_time() - began

    with tempfile.TemporaryDirectory() as tmp:
        write_tenants(Path(tmp), 10)
        timed(Path(tmp))
    print("ready", flush=True)
    sys.stdin.readline()
    print(json.dumps({"cpu_s": [timed(directory) for _ in range(runs)]}))


if __name__ == "__main__":
    _child(Path(sys.argv[1]), int(sys.argv[2]))
