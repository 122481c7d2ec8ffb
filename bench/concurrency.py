"""Goal 7: 8 threads minting against the emulator: no errors, and the Embedder's own overhead.

8 threads share one warm Embedder (the way a threaded web app does) and mint console URLs for
the tenant's users against the local emulator. For every mint, the time inside
`session_embed_url` is split by botocore's own events: from `before-send` (the request is
signed, about to go on the wire) to `before-parse` (the response has been read) is the HTTP
round trip, emulator included; the rest is the overhead of the client side: the Embedder's
checks, the pool and credentials, and botocore's serialising, signing and parsing, plus any
wait for the GIL among the 8 threads.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import Any

from bench.emulated import deployed_tenant
from bench.harness import Result, percentile, run_threads
from embedder import Embedder
from embedder.clients import ClientPool

THREADS = 8
MINTS_PER_THREAD = 40


class RoundTrips:
    """Per thread: seconds spent between `before-send` and `before-parse` since `reset`."""

    def __init__(self) -> None:
        self._local = threading.local()

    def reset(self) -> None:
        self._local.total = 0.0

    @property
    def total(self) -> float:
        return float(self._local.total)

    def sent(self, **_: Any) -> None:
        self._local.sent = time.perf_counter()

    def received(self, **_: Any) -> None:
        self._local.total += time.perf_counter() - self._local.sent


def run() -> list[Result]:
    round_trips = RoundTrips()
    with deployed_tenant() as d:
        events = d.app.events
        events.register("before-send.quicksight.GetSessionEmbedUrl", round_trips.sent)
        events.register("before-parse.quicksight.GetSessionEmbedUrl", round_trips.received)
        embedder = Embedder(
            d.config,
            session=d.app,
            endpoint_url=d.emulator.endpoint_url,
            client_pool=ClientPool(),
        )
        users = [u.name for u in d.config.users]
        round_trips.reset()
        embedder.session_embed_url(users[0])  # warm: client made, role assumed
        overheads: list[float] = []
        round_trip_times: list[float] = []
        errors: Counter[str] = Counter()
        lock = threading.Lock()
        start = threading.Barrier(THREADS)

        def mint(offset: int) -> None:
            mine: list[tuple[float, float]] = []
            start.wait()
            for i in range(MINTS_PER_THREAD):
                round_trips.reset()
                began = time.perf_counter()
                try:
                    embedder.session_embed_url(users[(offset + i) % len(users)])
                except Exception as e:
                    with lock:
                        errors[type(e).__name__] += 1
                    continue
                total = time.perf_counter() - began
                mine.append((total - round_trips.total, round_trips.total))
            with lock:
                overheads.extend(o for o, _ in mine)
                round_trip_times.extend(r for _, r in mine)

        elapsed = run_threads(mint, THREADS)

    mints = THREADS * MINTS_PER_THREAD
    failed = f"errors: {dict(errors)}" if errors else "0 errors"

    def ms(samples: list[float], pct: float) -> str:
        return f"{percentile(samples, pct) * 1000:.1f} ms"

    return [
        Result(
            f"concurrency: {THREADS} threads x {MINTS_PER_THREAD} mints against the emulator",
            f"{failed}, {mints / elapsed:.0f} URLs/s; client-side overhead per mint "
            f"p50 {ms(overheads, 50)}, p99 {ms(overheads, 99)} "
            f"(HTTP round trip p50 {ms(round_trip_times, 50)}, p99 {ms(round_trip_times, 99)})",
            "0 errors; overhead reported",
            not errors and len(overheads) == mints,
        )
    ]
