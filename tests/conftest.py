"""Fixtures shared by the tests: fake time, a fake AWS, a private client pool."""

from __future__ import annotations

import time
import types

import botocore.endpoint
import pytest

from embedder.clients import ClientPool
from tests.embedder.fakes import FakeAws, FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def aws(clock: FakeClock) -> FakeAws:
    return FakeAws(clock)


@pytest.fixture
def pool() -> ClientPool:
    """A pool per test, so no test reuses another's clients or credentials."""
    return ClientPool(16)


@pytest.fixture
def retry_sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """botocore's retry loop sleeps between attempts: record the delays instead of waiting."""
    slept: list[float] = []
    fake_time = types.SimpleNamespace(**{**vars(time), "sleep": slept.append})
    monkeypatch.setattr(botocore.endpoint, "time", fake_time)
    return slept
