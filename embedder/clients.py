"""AWS clients for the embedder: their botocore Config, how they are made, and a bounded pool.

A QuickSight client costs tens of milliseconds and about half a megabyte to make (measured by
`make bench`, figures in the README's Benchmarks). Clients are reused across calls and kept in
a bounded pool shared by all Embedders of a process (second-chance eviction, an approximation
of least recently used), so memory stays bounded however many tenants and users it serves.
The role credentials a client signs with are not the pool's: each Embedder keeps them per role
session, so an evicted client is rebuilt without assuming the role again. Size the pool with
`ClientPool(max_size)` (see `Embedder`).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar, cast

import botocore.session
from botocore.config import Config
from botocore.credentials import Credentials

from embedder.credentials import signing_session

if TYPE_CHECKING:
    from botocore.config import _RetryDict
    from mypy_boto3_quicksight import QuickSightClient
    from mypy_boto3_sts import STSClient

T = TypeVar("T")

DEFAULT_MAX_CLIENTS = 64
# Bounded retries on throttling and 5xx (botocore's standard mode: exponential backoff with
# jitter and a retry quota); short timeouts, since a URL is minted while a page waits.
# total_max_attempts counts the first try (botocore's max_attempts counts only retries).
DEFAULT_RETRIES: _RetryDict = {"mode": "standard", "total_max_attempts": 5}
_ATTEMPT_KEYS = frozenset({"max_attempts", "total_max_attempts"})
DEFAULT_CONFIG = Config(
    retries=DEFAULT_RETRIES.copy(),  # botocore normalises a retries dict in place
    connect_timeout=5,
    read_timeout=15,
    user_agent_extra="quicksight-embedding",
)


def client_config(injected: Config | None) -> Config:
    """The defaults above, overridden field by field by the app's Config (retries key by key:
    `Config(retries={"mode": "adaptive"})` keeps the bound of 5 attempts)."""
    if injected is None:
        return DEFAULT_CONFIG
    merged = DEFAULT_CONFIG.merge(injected)
    retries = getattr(injected, "retries", None)
    if retries:
        # The app's bound, when it gives one, replaces ours whichever key it uses.
        ours: dict[str, object] = dict(DEFAULT_RETRIES)
        if _ATTEMPT_KEYS & retries.keys():
            ours = {k: v for k, v in ours.items() if k not in _ATTEMPT_KEYS}
        merged = merged.merge(Config(retries=cast("_RetryDict", {**ours, **retries})))
    return merged


_default_session: botocore.session.Session | None = None
_DEFAULT_SESSION_LOCK = threading.Lock()


def default_session() -> botocore.session.Session:
    """One botocore session per process (environment, profile, instance role), made on demand.

    Sharing it shares the loaded service models, which are the large part of a client.
    """
    global _default_session
    with _DEFAULT_SESSION_LOCK:
        if _default_session is None:
            _default_session = botocore.session.get_session()
        return _default_session


@dataclass(frozen=True)
class RoleSession:
    """One session of a tenant's embed role: the identity QuickSight calls are made as."""

    tenant: str
    role_arn: str
    session_name: str
    region: str
    credentials: Credentials = field(repr=False, compare=False)


ClientFactory = Callable[[RoleSession], "QuickSightClient"]
"""Makes the QuickSight client of a role session (inject one to stub or wrap clients)."""

# botocore sessions are not documented as thread-safe; making clients is serialised (only a
# cache miss pays that cost), using them is not.
_CREATE_LOCK = threading.Lock()


def make_quicksight_client(
    base: botocore.session.Session,
    role: RoleSession,
    *,
    config: Config,
    endpoint_url: str | None,
) -> QuickSightClient:
    """A QuickSight client in the role's region that signs with the role's credentials."""
    with _CREATE_LOCK:
        client = signing_session(base, role.credentials).create_client(
            "quicksight", region_name=role.region, config=config, endpoint_url=endpoint_url
        )
    return cast("QuickSightClient", client)


def make_sts_client(
    base: botocore.session.Session, *, region: str, config: Config, endpoint_url: str | None
) -> STSClient:
    """An STS client with the app's own credentials, on the regional endpoint."""
    with _CREATE_LOCK:
        client = base.create_client(
            "sts", region_name=region, config=config, endpoint_url=endpoint_url
        )
    return cast("STSClient", client)


class _Slot:
    """Makes its value once, on first use; a failed attempt leaves it empty for the next.

    `made` is read only once `ready` is true (set after it, under the lock). `used` is the
    pool's reference bit: set on every hit, cleared by the pool's eviction pass."""

    __slots__ = ("_create", "_lock", "made", "ready", "used")

    def __init__(self, create: Callable[[], Any]) -> None:
        self._create = create
        self._lock = threading.Lock()
        self.made: Any = None
        self.ready = False
        self.used = False

    def value(self) -> Any:
        if not self.ready:
            with self._lock:
                if not self.ready:
                    self.made = self._create()
                    self.ready = True
        return self.made


class ClientPool:
    """A bounded, thread-safe pool of clients keyed by who they act as, evicting the least
    recently used by the second-chance (CLOCK) approximation of LRU.

    `max_size`: how many clients to keep (about half a megabyte each); make it at least the
    number of role sessions in use at once (iam identity: the active users) to avoid rebuilds.

    A hit takes no lock: it reads the dict (atomic under the GIL) and sets the slot's
    reference bit, so the warm path of every mint pays one lookup. A miss takes the pool lock
    to insert; when the pool is full, the oldest slot goes unless it was used since the last
    pass or is still being made, in which case it loses its bit and moves to the newest end (a
    client in use is not evicted while one unused since is there, and one being made is not
    made twice). A client is made under its own slot's lock, so a slow miss for one user never
    blocks calls for another, and concurrent first calls for the same key make one client
    (hence one credentials object, hence one AssumeRole).
    An evicted client is not closed: a thread may still be using it; it is freed when unused.
    """

    def __init__(self, max_size: int = DEFAULT_MAX_CLIENTS) -> None:
        if max_size < 1:
            raise ValueError(f"max_size must be at least 1, got {max_size}")
        self.max_size = max_size
        self._slots: OrderedDict[Hashable, _Slot] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, create: Callable[[], T]) -> T:
        """The client for `key`, made with `create()` on a miss."""
        slot = self._slots.get(key)
        if slot is not None and slot.ready:  # the warm path
            slot.used = True
            return cast(T, slot.made)
        with self._lock:
            slot = self._slots.get(key)
            if slot is None:
                self._evict(self.max_size - 1)
                slot = self._slots[key] = _Slot(create)
            else:
                slot.used = True
        return cast(T, slot.value())

    def _evict(self, size: int) -> None:
        """Down to `size` slots, before a new one goes in (under the lock): the oldest slot
        neither used since the last pass nor still being made goes. A pass clears the bits it
        skips; after two turns of the pool (every slot still being made) the oldest goes
        whatever it is."""
        slots = self._slots
        spared = 0
        while len(slots) > size:
            key, slot = next(iter(slots.items()))
            if (slot.used or not slot.ready) and spared < 2 * len(slots):
                slot.used = False
                slots.move_to_end(key)
                spared += 1
            else:
                del slots[key]

    def __len__(self) -> int:
        return len(self._slots)

    def __repr__(self) -> str:
        return f"ClientPool(max_size={self.max_size}, size={len(self)})"

    def clear(self) -> None:
        with self._lock:
            self._slots.clear()


SHARED_POOL = ClientPool(DEFAULT_MAX_CLIENTS)
"""The process-wide pool Embedders use unless given their own."""
