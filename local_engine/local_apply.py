"""Apply tenants to an emulator (or AWS) in one call, through the strict local engine.

For the demo, the example portal, benchmarks and tests that set up an emulator: the same
engine as `qs-embed local up` (`local_engine.engine`), so what exists and was not adopted is refused
and every change is what `pulumi up` would make. Give `state` to apply edits over earlier
runs; without it each call starts from an empty state (a fresh stack).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import boto3

from infra.offline import OfflineRun
from infra.tenant_stack import TenantStack
from local_engine.engine import ApplyFailed, EngineResult, LocalEngine
from local_engine.engine_resources import Clients
from local_engine.state import LocalState
from tenant_file.config import TenantConfig

__all__ = ["ApplyFailed", "apply_locally", "engine_up"]


def engine_up(
    loaded: Sequence[tuple[Path, TenantConfig]],
    session: boto3.Session,
    *,
    state: LocalState | None = None,
    endpoint_url: str | None = None,
) -> EngineResult:
    """`local up` for `loaded` (path, tenant) pairs, quietly; raises ConfigError (refused,
    nothing changed) or ApplyFailed (the state holds what was applied)."""
    with LocalEngine(Clients(session, endpoint_url), state or LocalState(), out=_quiet) as engine:
        return engine.up(loaded)


def apply_locally(
    tenants: Sequence[TenantConfig],
    session: boto3.Session,
    *,
    state: LocalState | None = None,
    endpoint_url: str | None = None,
) -> OfflineRun[dict[str, TenantStack]]:
    """Apply `tenants` (from `infra.program.load_checked_tenants`) and return the program's
    run (its outputs: role ARN, user ARNs, ...)."""
    loaded = [(Path(f"{t.tenant}.yaml"), t) for t in tenants]
    result = engine_up(loaded, session, state=state, endpoint_url=endpoint_url)
    if result.run is None:  # up always runs the program; destroy does not
        raise RuntimeError("local up returned no program run")
    return result.run


def _quiet(_line: str) -> None:
    pass
