"""Goal 3: under concurrency, each role session is assumed once per credential lifetime.

8 threads x 500 mints across the 10 users of one iam-identity tenant (one role session per
user), stub transport, fake clock. Half-way the threads meet and the clock jumps 55 minutes,
into the last 10 minutes of the credentials' hour, where every caller must wait for a fresh
set: the run spans two credential lifetimes, so each session may be assumed at most twice,
once per lifetime, however many threads want it at the same moment.
"""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

from bench.harness import Result, run_threads
from bench.stub import StubAws
from bench.tenants import tenant, user_names
from embedder import Embedder
from embedder.clients import ClientPool

THREADS = 8
MINTS_PER_THREAD = 500
USERS = 10
LIFETIMES = 2
JUMP = timedelta(minutes=55)


class FakeClock:
    """The time the Embedder and the stub both read; moved only by `advance`."""

    def __init__(self) -> None:
        self.now = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


def run() -> list[Result]:
    clock = FakeClock()
    stub = StubAws(clock)
    config = tenant("globex", identity="iam", users=USERS)
    users = user_names(config)
    embedder = Embedder(config, session=stub.session(), clock=clock, client_pool=ClientPool())
    # Every thread waits here half-way; the last to arrive moves the clock, then all go on.
    halfway = threading.Barrier(THREADS, action=lambda: clock.advance(JUMP))
    errors: Counter[str] = Counter()
    errors_lock = threading.Lock()

    def mint(offset: int) -> None:
        for i in range(MINTS_PER_THREAD):
            if i == MINTS_PER_THREAD // 2:
                halfway.wait()
            try:
                embedder.session_embed_url(users[(offset + i) % USERS])
            except Exception as e:
                with errors_lock:
                    errors[type(e).__name__] += 1

    elapsed = run_threads(mint, THREADS)

    calls = stub.assume_role_calls
    most = max(calls.values(), default=0)
    mints = THREADS * MINTS_PER_THREAD
    # Exactly one per lifetime: fewer would mean a session signed with expired credentials.
    met = set(calls) == set(users) and set(calls.values()) == {LIFETIMES} and not errors
    failed = f"; errors: {dict(errors)}" if errors else ""
    return [
        Result(
            f"sts: AssumeRole per role session, {THREADS} threads x {MINTS_PER_THREAD} mints, "
            f"{USERS} users, {LIFETIMES} credential lifetimes",
            f"at most {most} per session ({sum(calls.values())} for {len(calls)} sessions; "
            f"{mints / elapsed:.0f} mints/s{failed})",
            f"one per session per lifetime ({LIFETIMES}), no errors",
            met,
        )
    ]
