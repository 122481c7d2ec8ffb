"""The local emulator starts and stops in under 3 s, so tests and the demo can
start their own. An absolute goal, measured here rather than asserted in a test."""

from __future__ import annotations

import time

from bench.harness import Result
from sandbox import Emulator

GOAL_SECONDS = 3.0


def run() -> list[Result]:
    starts, stops = [], []
    for _ in range(3):
        began = time.perf_counter()
        emulator = Emulator().start()
        starts.append(time.perf_counter() - began)
        began = time.perf_counter()
        emulator.stop()
        stops.append(time.perf_counter() - began)
    worst_start, worst_stop = max(starts), max(stops)
    return [
        Result(
            "emulator: start (worst of 3)",
            f"{worst_start:.2f} s",
            f"< {GOAL_SECONDS:.0f} s",
            worst_start < GOAL_SECONDS,
        ),
        Result(
            "emulator: stop (worst of 3)",
            f"{worst_stop:.2f} s",
            f"< {GOAL_SECONDS:.0f} s",
            worst_stop < GOAL_SECONDS,
        ),
    ]
