"""The small harness every benchmark uses: best-of-N timing and a result with its goal."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Result:
    """One figure, the goal it is held to, and whether it met it."""

    name: str
    figure: str
    goal: str
    met: bool

    def line(self) -> str:
        mark = "ok  " if self.met else "MISS"
        return f"{mark} {self.name}: {self.figure} (goal {self.goal})"


def best_of(fn: Callable[[], object], *, repeat: int = 5) -> float:
    """The fastest of `repeat` runs: the least disturbed by the rest of the machine."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def interleaved(fns: dict[str, Callable[[], object]], *, repeat: int = 5) -> dict[str, float]:
    """Best-of times of several functions, run alternately so that noise hits them alike."""
    best = dict.fromkeys(fns, float("inf"))
    for _ in range(repeat):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - start)
    return best
