"""The small harness every benchmark uses: a result with its goal, and ways to time code side
by side on a shared, noisy machine (compare ratios measured together, never absolute times)."""

from __future__ import annotations

import gc
import math
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
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


def interleaved(
    fns: dict[str, Callable[[], object]], *, repeat: int = 5, settle: bool = False
) -> dict[str, float]:
    """Best-of times of several functions, run alternately so that noise hits them alike.

    settle: collect the cyclic garbage before each run (untimed), so that no run pays for a
    full collection of what an earlier run left behind; each run then does exactly its own
    collections.
    """
    best = dict.fromkeys(fns, float("inf"))
    for _ in range(repeat):
        for name, fn in fns.items():
            if settle:
                gc.collect()
            start = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - start)
    return best


class GcCount:
    """How many collections of each generation the cyclic GC made while installed."""

    def __init__(self) -> None:
        self.by_generation = [0, 0, 0]

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "stop":
            self.by_generation[info["generation"]] += 1

    @property
    def total(self) -> int:
        return sum(self.by_generation)


@contextmanager
def gc_counted() -> Iterator[GcCount]:
    count = GcCount()
    gc.callbacks.append(count)
    try:
        yield count
    finally:
        gc.callbacks.remove(count)


@contextmanager
def gc_paused() -> Iterator[None]:
    """The cyclic GC off for the block (from a settled heap), and its backlog collected after."""
    enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
        gc.collect()


def side_by_side(
    jobs: dict[str, Sequence[Callable[[], object]]], *, switch_interval: float = 0.0002
) -> dict[str, list[float]]:
    """Each job's calls, in order, in its own thread, all jobs at the same time.

    For runs of a second or more on a shared machine, whose speed varies by 2x from one second
    to the next: the interpreter switches between the threads every `switch_interval`
    seconds, so every job sees the same machine at the same moments, and each call is timed
    in its own thread's CPU time (a thread waiting for its turn is not counted). Give the
    jobs equal work where the code scales as it should, so they overlap from start to end.

    The cyclic GC is paused meanwhile: a collection is paid by whichever thread triggers it
    and scans every thread's objects, which would move time from one job to another.
    """
    times: dict[str, list[float]] = {name: [] for name in jobs}
    start = threading.Barrier(len(jobs))

    def work(name: str, calls: Sequence[Callable[[], object]]) -> None:
        start.wait()
        for call in calls:
            began = time.thread_time()
            call()
            times[name].append(time.thread_time() - began)

    threads = [threading.Thread(target=work, args=item) for item in jobs.items()]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(switch_interval)
    try:
        with gc_paused():
            for t in threads:
                t.start()
            for t in threads:
                t.join()
    finally:
        sys.setswitchinterval(interval)
    return times


def alternated(
    fns: dict[str, Callable[[], object]], *, calls: int, warmup: int = 50
) -> dict[str, list[float]]:
    """Per-call times of several functions called in turn, one call each, `calls` rounds.

    For calls of well under a millisecond: neighbouring calls share the machine's state
    (load from other processes, caches, CPU frequency), so comparing the medians of the
    per-call times cancels most of it, and a call that was pre-empted is only an outlier.
    The order is reversed every other round, so neither function always runs second.
    """
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    times: dict[str, list[float]] = {name: [] for name in fns}
    forward = list(fns.items())
    backward = forward[::-1]
    clock = time.perf_counter
    for i in range(calls):
        for name, fn in forward if i % 2 == 0 else backward:
            start = clock()
            fn()
            times[name].append(clock() - start)
    return times


def batched(
    fns: dict[str, Callable[[], object]], *, rounds: int, batch: int, warmup: int = 50
) -> dict[str, list[float]]:
    """Per-call times of several functions, in alternating batches of `batch` calls each, for
    `rounds` rounds (the order turned every round, so none always runs first).

    For code paths that differ in what they bring into the CPU's caches (an instrumented call
    and the same call without its instrumentation): calls alternated one by one would each pay
    for evicting the other's code and data, which hides part of the difference. Batches of a
    few dozen calls keep each path warm as it would be alone, and still share the machine's
    load, which changes over seconds, not milliseconds. Compare the medians.
    """
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    times: dict[str, list[float]] = {name: [] for name in fns}
    order = list(fns.items())
    clock = time.perf_counter
    for i in range(rounds):
        turn = i % len(order)
        for name, fn in order[turn:] + order[:turn]:
            kept = times[name]
            for _ in range(batch):
                start = clock()
                fn()
                kept.append(clock() - start)
    return times


def run_threads(target: Callable[[int], object], count: int) -> float:
    """Run `target(n)` for n in 0..count-1, each in its own thread; the wall time for all."""
    threads = [threading.Thread(target=target, args=(n,)) for n in range(count)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - began


def percentile(samples: list[float], pct: float) -> float:
    """The `pct` percentile (0..100) of `samples`, by nearest rank."""
    ordered = sorted(samples)
    rank = min(len(ordered) - 1, max(0, math.ceil(pct / 100 * len(ordered)) - 1))
    return ordered[rank]


def _cpus() -> list[int]:
    return sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []


def pin_foreground(pid: int) -> None:
    """Run process `pid` on the first CPU this process may use (no-op with fewer than two):
    processes timed side by side then share one CPU, switched every few milliseconds, as
    threads are by `side_by_side`, instead of each meeting its own CPU's neighbours."""
    cpus = _cpus()
    if len(cpus) > 1:
        os.sched_setaffinity(pid, {cpus[0]})


def rss_mb() -> float:
    """This process's resident memory, in MB (the memory benchmarks' measure)."""
    import psutil

    return float(psutil.Process().memory_info().rss) / 2**20
