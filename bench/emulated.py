"""A local emulator with one tenant deployed, for the benchmarks that talk HTTP to AWS.

The tenant is applied the way `qs-embed demo` does it (`local_engine.local_apply`: the Pulumi
program under mocks creating each resource in the emulator), so the embed role, its policies and the
QuickSight users are the real program's; the app runs as the tenant's app principal.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from bench.tenants import tenant
from local_engine.local_apply import apply_locally
from sandbox import Emulator, EmulatorSession
from tenant_file.config import TenantConfig


@dataclass(frozen=True)
class Deployed:
    emulator: Emulator
    config: TenantConfig
    app: EmulatorSession
    """The tenant's app principal (its first app_principals entry): what assumes the role."""


@contextmanager
def deployed_tenant(users: int = 3) -> Iterator[Deployed]:
    config = tenant("bench", "quicksight", users=users)
    with Emulator() as emulator:
        apply_locally([config], emulator.admin_session())
        app = emulator.principal_session(config.embedding.app_principals[0])
        yield Deployed(emulator, config, app)
