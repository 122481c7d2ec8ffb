"""What the Pulumi program would declare for a set of tenants, as the policy engine sees it.

The program runs offline under the program's own mocks (`infra.offline.run_offline` with
`infra.offline_mocks.OfflineMocks`, the path `qs-embed plan` uses); each recorded registration
becomes a `Declared` for `policies.pack.run_pack`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pulumi_policy import PolicyCustomTimeouts, PolicyResource, PolicyResourceOptions

from infra.offline import DeclaredResource, OfflineRun, run_offline
from infra.offline_mocks import OfflineMocks
from infra.program import declare_tenants
from policies.pack import Declared, proxied
from tenant_file.config import TenantConfig


def declare_program(
    tenants: Sequence[TenantConfig], extra: Callable[[], object] | None = None
) -> list[Declared]:
    """Run the program for `tenants` under mocks; `extra` declares more resources (tests)."""

    def program() -> None:
        declare_tenants(tenants)
        if extra is not None:
            extra()

    return declared_from_run(run_offline(program, OfflineMocks(tenants)))


def declared_from_run(run: OfflineRun[Any]) -> list[Declared]:
    """Registrations -> what `Analyze` (inputs) and `AnalyzeStack` (outputs, parents) get."""
    by_urn: dict[str, PolicyResource] = {}
    declared: list[Declared] = []
    for r in run.resources:
        resource = PolicyResource(
            r.type,
            proxied(_state(r, run)),
            r.urn,
            r.name,
            _options(r),
            None,
            None,
            [],
            {},
        )
        by_urn[r.urn] = resource
        declared.append(Declared(resource, r.inputs))
    for r in run.resources:
        by_urn[r.urn].parent = by_urn.get(r.parent_urn)
    return declared


def _state(r: DeclaredResource, run: OfflineRun[Any]) -> Mapping[str, Any]:
    if r.custom:
        return r.outputs
    # A component's state is what it registered with register_outputs; the recorder does not
    # keep that, but the program exports each TenantStack's outputs under its name.
    exported = run.outputs.get(r.name)
    return exported if isinstance(exported, Mapping) else {}


def _options(r: DeclaredResource) -> PolicyResourceOptions:
    return PolicyResourceOptions(
        protect=r.protect,
        ignore_changes=[],
        delete_before_replace=r.delete_before_replace,
        aliases=[],
        custom_timeouts=PolicyCustomTimeouts(0, 0, 0),
        additional_secret_outputs=[],
        parent=r.parent_urn or None,
    )
