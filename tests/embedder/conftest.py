"""Fixtures of the embedder's tests."""

from __future__ import annotations

import pytest

from tests.embedder.stubbed import StubbedClients


@pytest.fixture
def stubs() -> StubbedClients:
    return StubbedClients()
