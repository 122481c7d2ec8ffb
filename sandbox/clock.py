"""The emulator's clock: wall time plus an offset tests move forward instead of sleeping."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol


class ExpiryClock(Protocol):
    """What embed URL expiry is judged by: anything with ``now()`` (``AdjustableClock`` in the
    emulator, a fake in tests). Not ``embedder.credentials.Clock``, a callable."""

    def now(self) -> datetime: ...


def _utcnow() -> datetime:
    return datetime.now(UTC)


class AdjustableClock:
    """Real time keeps flowing, so a demo left open still sees URLs expire; ``advance`` only
    ever moves forward because expiry decisions already made must not be undone."""

    def __init__(self, source: Callable[[], datetime] = _utcnow) -> None:
        self._source = source
        self._offset = timedelta()
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._source() + self._offset

    def advance(self, seconds: float) -> datetime:
        if not seconds >= 0:  # also refuses NaN
            raise ValueError(f"the clock only moves forward; got {seconds!r} seconds")
        with self._lock:
            self._offset += timedelta(seconds=seconds)
            return self._source() + self._offset
