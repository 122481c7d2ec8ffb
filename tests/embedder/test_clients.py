"""The bounded pool of clients keyed by who they act as, and its default size."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from embedder import (
    ClientPool,
    Embedder,
)
from embedder.clients import DEFAULT_MAX_CLIENTS, SHARED_POOL, RoleSession
from tests.fakes import FakeAws, FakeClock, signing_tokens, tenant

THREADS = 8


def maker(made: list[str]) -> Callable[[str], Callable[[], str]]:
    """`make(key)`: a create function that records `key` in `made` and returns its client."""

    def make(key: str) -> Callable[[], str]:
        def create() -> str:
            made.append(key)
            return f"client-{key}"

        return create

    return make


def test_client_pool_bounds_memory_and_an_evicted_client_keeps_its_credentials(
    aws: FakeAws, clock: FakeClock
) -> None:
    pool = ClientPool(2)
    made: list[str] = []
    emb = Embedder(tenant("iam"), session=aws.session(), clock=clock, client_pool=pool)
    factory = emb._client_factory

    def counting(role: RoleSession) -> Any:
        made.append(role.session_name)
        return factory(role)

    emb._client_factory = counting
    for user in ["dana", "eli", "fatima", "dana"]:
        emb.session_embed_url(user)
        assert len(pool) <= 2
    assert made == ["dana", "eli", "fatima", "dana"], "dana's client was evicted, then rebuilt"
    assert dict(aws.assume_role_count) == {"dana": 1, "eli": 1, "fatima": 1}, (
        "the rebuilt client signs with the credentials dana already had: no second AssumeRole"
    )
    assert signing_tokens(aws)[-1] == "token-dana-1"


def test_the_documented_default_pool_size_is_the_real_one() -> None:
    assert SHARED_POOL.max_size == DEFAULT_MAX_CLIENTS
    assert f"default shared pool holds {DEFAULT_MAX_CLIENTS};" in (Embedder.__doc__ or "")
    assert f"per process of {DEFAULT_MAX_CLIENTS} clients" in (Embedder.__doc__ or "")


def test_a_pool_makes_each_key_once_and_evicts_the_least_recently_used() -> None:
    pool = ClientPool(2)
    made: list[str] = []
    make = maker(made)

    assert pool.get("a", make("a")) == "client-a"
    assert pool.get("b", make("b")) == "client-b"
    assert pool.get("a", make("a")) == "client-a"  # a hit: "a" is now the most recent
    pool.get("c", make("c"))  # one past the bound: "b" goes
    assert len(pool) == 2
    assert repr(pool) == "ClientPool(max_size=2, size=2)"
    pool.get("a", make("a"))
    pool.get("b", make("b"))
    assert made == ["a", "b", "c", "b"]
    pool.clear()
    assert len(pool) == 0


def test_a_failed_make_leaves_the_slot_for_the_next_call() -> None:
    pool = ClientPool(1)
    attempts: list[int] = []

    def flaky() -> str:
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("no client")
        return "client-a"

    with pytest.raises(RuntimeError):
        pool.get("a", flaky)
    assert pool.get("a", flaky) == "client-a"
    assert pool.get("a", flaky) == "client-a"
    assert len(attempts) == 2  # made again after the failure, then kept


def test_concurrent_first_calls_for_one_key_make_one_client() -> None:
    pool = ClientPool(4)
    made: list[int] = []
    barrier = threading.Barrier(THREADS)

    def make() -> object:
        made.append(1)
        return object()

    def first_call(_: int) -> object:
        barrier.wait()
        return pool.get("dana", make)

    with ThreadPoolExecutor(THREADS) as ex:
        clients = set(map(id, ex.map(first_call, range(THREADS))))
    assert len(made) == 1
    assert len(clients) == 1


@pytest.mark.parametrize("size", [0, -1])
def test_a_pool_holds_at_least_one_client(size: int) -> None:
    with pytest.raises(ValueError, match=f"max_size must be at least 1, got {size}"):
        ClientPool(size)


def test_a_client_in_use_outlives_a_stream_of_one_off_users() -> None:
    """Second chance: the app's busy tenant session keeps its client while a crawl of users
    seen once each passes through a small pool."""
    pool = ClientPool(3)
    made: list[str] = []
    make = maker(made)

    for n in range(50):
        assert pool.get("busy", make("busy")) == "client-busy"
        assert pool.get(f"once-{n}", make(f"once-{n}")) == f"client-once-{n}"
        assert len(pool) <= 3
    assert made.count("busy") == 1
    assert len(made) == 51


def client_of(key: int) -> Callable[[], tuple[str, int]]:
    return lambda: ("client", key)


@given(st.lists(st.integers(min_value=0, max_value=9), max_size=200), st.integers(1, 6))
def test_a_pool_answers_each_key_with_its_own_client_within_its_bound(
    keys: list[int], size: int
) -> None:
    pool = ClientPool(size)
    for key in keys:
        assert pool.get(key, client_of(key)) == ("client", key)
        assert len(pool) <= size


def test_hits_and_misses_from_many_threads_keep_the_bound_and_the_right_clients() -> None:
    pool = ClientPool(4)
    errors: list[object] = []
    barrier = threading.Barrier(THREADS)

    def work(thread: int) -> None:
        barrier.wait()
        for n in range(2000):
            key = (thread + n) % 7 if n % 3 else thread
            got = pool.get(key, client_of(key))
            if got != ("client", key) or len(pool) > 4:
                errors.append((key, got, len(pool)))

    with ThreadPoolExecutor(THREADS) as ex:
        list(ex.map(work, range(THREADS)))
    assert errors == []


def test_a_client_being_made_is_not_evicted_and_made_twice_by_the_next_miss() -> None:
    """A second caller for a key whose client is still being made waits for that one, even
    when a miss for another key fills the pool meanwhile (one client, one AssumeRole)."""
    pool = ClientPool(2)
    made: list[str] = []
    gate = threading.Event()

    def make(key: str, *, slow: bool = False) -> Callable[[], str]:
        def create() -> str:
            made.append(key)
            if slow:
                gate.wait(10)
            return f"client-{key}"

        return create

    pool.get("busy", make("busy"))
    pool.get("busy", make("busy"))  # in use: its bit is set
    first = threading.Thread(target=pool.get, args=("k", make("k", slow=True)))
    first.start()
    while "k" not in made:
        time.sleep(0.001)
    pool.get("other", make("other"))  # a miss while k's client is being made
    second = threading.Thread(target=pool.get, args=("k", make("k")))
    second.start()
    gate.set()
    first.join()
    second.join()
    assert made.count("k") == 1, made
