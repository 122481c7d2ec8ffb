"""The emulator's clock (``sandbox.clock``): real time plus an offset that only grows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sandbox.clock import AdjustableClock


def test_adjustable_clock_moves_only_forward() -> None:
    start = datetime(2025, 1, 1, tzinfo=UTC)
    clock = AdjustableClock(lambda: start)

    assert clock.advance(90) == start + timedelta(seconds=90)
    assert clock.now() == start + timedelta(seconds=90)
    for bad in (-1, float("nan")):
        with pytest.raises(ValueError, match="only moves forward"):
            clock.advance(bad)
