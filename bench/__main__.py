"""`make bench`: run every benchmark, print each figure against its goal, exit 1 on a miss.

Usage: python -m bench [NAME ...]   (names: the modules below; default: all)
"""

from __future__ import annotations

import importlib
import os
import platform
import sys
import time

BENCHMARKS = ("config_load", "emulator_lifecycle")


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
    missed = 0
    for name in names:
        print(f"-- {name} ...", flush=True)
        start = time.perf_counter()
        for result in importlib.import_module(f"bench.{name}").run():
            print(result.line(), flush=True)
            missed += not result.met
        print(f"   ({time.perf_counter() - start:.1f} s)")
    print("all goals met" if not missed else f"{missed} goal(s) missed")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
