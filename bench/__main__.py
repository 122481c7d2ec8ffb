"""`make bench`: run every benchmark, print each figure against its goal, exit 1 on a miss.

Usage: python -m bench [NAME ...]   (names: the modules below; default: all)

A module has `run() -> list[Result]`. The benchmarks run one after the other, each alone:
nothing else of the run (not even the memory benchmark, which times nothing) competes for
the machine while a benchmark measures.
"""

from __future__ import annotations

import importlib
import os
import platform
import sys
import time

from bench.harness import Result

BENCHMARKS = (
    "warm_path",
    "sts",
    "shard_assignment",
    "program",
    "check",
    "config_load",
    "registry",
    "memory",
    "reuse",
    "concurrency",
    "emulator_lifecycle",
    "refresh",
)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"


def main(argv: list[str]) -> int:
    names = argv or list(BENCHMARKS)
    unknown = sorted(set(names) - set(BENCHMARKS))
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")
        return 2
    print(f"machine: {machine()}")
    began = time.perf_counter()
    modules = {name: importlib.import_module(f"bench.{name}") for name in names}
    missed = 0
    for name, module in modules.items():
        print(f"-- {name} ...", flush=True)
        start = time.perf_counter()
        missed += _report(module.run())
        print(f"   ({time.perf_counter() - start:.1f} s)", flush=True)
    print(f"({time.perf_counter() - began:.0f} s in all)")
    print("all goals met" if not missed else f"{missed} goal(s) missed")
    return 1 if missed else 0


def _report(results: list[Result]) -> int:
    for result in results:
        print(result.line(), flush=True)
    return sum(not r.met for r in results)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
