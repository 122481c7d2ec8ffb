"""Fixtures shared by the tests: fake time, a fake AWS, a private client pool."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from embedder.clients import ClientPool
from tenant_file.config import TenantConfig
from tests import profiles, tenant_files  # noqa: F401 (profiles: registered before pytest loads one)
from tests.fakes import FakeAws, FakeClock, skip_retry_sleeps

if TYPE_CHECKING:
    from infra.offline import OfflineRun
    from infra.tenant_stack import TenantStack

pytest_plugins = ["tests.emulators"]


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
    skip_retry_sleeps(monkeypatch, slept)
    return slept


@pytest.fixture(scope="session")
def example_tenants() -> list[TenantConfig]:
    return list(tenant_files.example_tenants())


@pytest.fixture(scope="session")
def example_run(example_tenants: list[TenantConfig]) -> OfflineRun[dict[str, TenantStack]]:
    """The whole program (load, check, declare, export) over tenants/, once per session."""
    from infra.offline import run_offline
    from infra.offline_mocks import OfflineMocks
    from infra.program import run_program

    return run_offline(lambda: run_program(tenant_files.EXAMPLES), OfflineMocks(example_tenants))
