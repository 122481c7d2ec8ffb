"""Canary: the Pulumi SDK internals `infra.offline` rests on are still where it uses them.

Pulumi's public mocks API (`set_mocks`, `@pulumi.runtime.test`) runs one program per test; an
in-process runner that records registrations and isolates runs needs a little more:
`_sync_await`, `run_pulumi_func`, `SETTINGS.outputs` / `SETTINGS.rpc_manager.rpcs` and
`MockMonitor.RegisterResource` with its `resources` table. pyproject.toml pins pulumi to the
release these were read from (`~=3.272.0`); before widening the pin, run this file on the new
release: a failure names the internal that moved.
"""

from __future__ import annotations

import inspect

import pulumi
import pulumi.runtime.mocks
import pulumi.runtime.settings
import pulumi.runtime.stack
import pulumi.runtime.sync_await
from pulumi.runtime.mocks import MockResourceArgs, Mocks


def test_the_private_functions_still_exist() -> None:
    assert callable(pulumi.runtime.sync_await._sync_await)
    assert list(inspect.signature(pulumi.runtime.stack.run_pulumi_func).parameters) == ["func"]


def test_set_mocks_still_takes_a_monitor() -> None:
    parameters = inspect.signature(pulumi.runtime.mocks.set_mocks).parameters
    assert {"mocks", "project", "stack", "preview", "monitor"} <= set(parameters)


def test_the_settings_still_hold_pending_outputs_and_rpcs() -> None:
    settings = pulumi.runtime.settings.SETTINGS
    assert isinstance(settings.outputs, set)
    assert isinstance(settings.rpc_manager.rpcs, list)


class _Echo(Mocks):
    def new_resource(self, args: MockResourceArgs) -> tuple[str, dict[str, object]]:
        return f"{args.name}-id", {**args.inputs, "arn": f"arn:{args.name}"}

    def call(self, args: object) -> tuple[dict[str, object], list[tuple[str, str]]]:
        return {}, []


def test_the_mock_monitor_still_records_registrations_by_urn() -> None:
    """`RegisterResource` is still the gRPC method the SDK calls, and the monitor still keeps
    each registration's id and state under its URN."""
    from infra.offline import run_offline

    seen = run_offline(lambda: pulumi.CustomResource("test:index:Thing", "t", {"x": 1}), _Echo())
    assert hasattr(pulumi.runtime.mocks.MockMonitor, "RegisterResource")
    (declared,) = seen.resources
    assert (declared.id, declared.inputs, declared.outputs["arn"]) == ("t-id", {"x": 1}, "arn:t")
