"""One emulator for the e2e session, the suite's four tenant files applied to it once.

The emulator (tests/emulators.py, one for the session here) is a dependency of `make venv`:
when it cannot start, the tests that need it fail with the reason rather than skip, so a broken
emulator never passes for green. The offline ones (validate, plan, demo refusals) take no
emulator and carry no `emulator` marker: `make unit` runs them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from infra.offline import OfflineRun
from infra.tenant_stack import TenantStack
from sandbox import Emulator
from tenant_file.config import TenantConfig
from tests.e2e.support import (
    SUITE_TENANTS,
    Apps,
    tenant_document,
)
from tests.emulators import emulator_fixture
from tests.tenant_files import write_tenant

emulator = emulator_fixture(scope="session")


@pytest.fixture
def emulator_env(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> Emulator:
    """The emulator, with its endpoint and admin credentials in the environment (what
    `qs-embed local serve` prints), as the CLI's commands find them."""
    for name, value in emulator.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return emulator


@pytest.fixture(autouse=True)
def _no_test_waits_for_retries(retry_sleeps: list[float]) -> None:
    """Every e2e test records botocore's retry sleeps instead of waiting (`retry_sleeps`)."""


@pytest.fixture(scope="session")
def tenants_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("tenants")
    for spec in SUITE_TENANTS:
        write_tenant(directory, tenant_document(spec))
    return directory


@pytest.fixture(scope="session")
def tenants(tenants_dir: Path) -> dict[str, TenantConfig]:
    from infra.program import load_checked_tenants

    return {config.tenant: config for _, config in load_checked_tenants(tenants_dir)}


@pytest.fixture(scope="session")
def applied(
    emulator: Emulator, tenants: dict[str, TenantConfig]
) -> OfflineRun[dict[str, TenantStack]]:
    """The Pulumi program for the four tenants, applied to the emulator once."""
    from local_engine.local_apply import apply_locally

    return apply_locally(list(tenants.values()), emulator.admin_session())


@pytest.fixture(scope="session")
def apps(emulator: Emulator, applied: OfflineRun[dict[str, TenantStack]]) -> Apps:
    """The tenants' apps (and strangers) acting on the applied emulator."""
    return Apps(emulator)


@pytest.fixture
def faults(emulator: Emulator) -> Iterator[Emulator]:
    """The emulator, with every fault cleared after the test (passed or not)."""
    emulator.faults.clear()
    try:
        yield emulator
    finally:
        emulator.faults.clear()
