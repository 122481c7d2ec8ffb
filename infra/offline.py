"""Run a Pulumi program in-process under Pulumi's mocks and record what it declares.

This is Pulumi's own unit-test path (`pulumi.runtime.set_mocks`, then what
`@pulumi.runtime.test` does), usable outside pytest: the program runs inside
`run_pulumi_func`, which returns only once every outstanding RPC (registrations, applies,
invokes) has finished. A recording monitor keeps each registration with its parent and
options, which the mocks alone are not told. Each run gets a fresh `contextvars.Context`, so
the runtime's ambient state (settings, root stack, config) never leaks from one run to the next.
"""

from __future__ import annotations

import asyncio
import contextvars
import gc
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import pulumi
from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockMonitor, Mocks, set_mocks
from pulumi.runtime.settings import SETTINGS
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from policies.project import PROJECT

STACK_TYPE = "pulumi:pulumi:Stack"
_REPORTED = "_reported_by_run_offline"

T = TypeVar("T")

Properties = dict[str, Any]
"""A resource's properties by their wire (camelCase) names: inputs given, outputs answered."""


@dataclass(frozen=True)
class DeclaredResource:
    """One resource registration as the engine would have received it."""

    urn: str
    type: str
    name: str
    parent_urn: str
    id: str
    custom: bool
    inputs: Mapping[str, Any]
    """Input properties by their wire (camelCase) names, secrets unwrapped."""
    outputs: Mapping[str, Any]
    """State the mocks returned (ids, ARNs), secrets unwrapped."""
    secret_inputs: frozenset[str] = frozenset()
    retain_on_delete: bool = False
    protect: bool = False
    delete_before_replace: bool = False
    dependencies: tuple[str, ...] = ()
    """URNs this resource depends on (its inputs' resources and `depends_on`)."""
    import_id: str = ""
    """The `import_` option: adopt the existing resource with this provider id."""
    additional_secret_outputs: frozenset[str] = frozenset()
    custom_timeouts: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class OfflineRun(Generic[T]):
    """What one offline run of a program declared, exported and returned."""

    result: T
    resources: tuple[DeclaredResource, ...]
    outputs: Mapping[str, Any] = field(default_factory=dict)

    def of_type(self, type_token: str) -> list[DeclaredResource]:
        return sorted((r for r in self.resources if r.type == type_token), key=lambda r: r.name)

    def children(self, parent: DeclaredResource) -> list[DeclaredResource]:
        return [r for r in self.resources if r.parent_urn == parent.urn]


def unwrap_secrets(value: Any) -> tuple[Any, bool]:
    """A deserialized property value without Pulumi's secret wrappers, and whether it had any."""
    if rpc.is_rpc_secret(value):
        inner, _ = unwrap_secrets(rpc.unwrap_rpc_secret(value))
        return inner, True
    if isinstance(value, dict):
        pairs = {k: unwrap_secrets(v) for k, v in value.items()}
        return {k: v for k, (v, _) in pairs.items()}, any(s for _, s in pairs.values())
    if isinstance(value, list):
        items = [unwrap_secrets(v) for v in value]
        return [v for v, _ in items], any(s for _, s in items)
    return value, False


DYNAMIC_PROVIDER_KEY = "__provider"
"""A dynamic resource's serialized provider: engine plumbing, not a property of the resource."""


def plain_properties(props: Mapping[str, Any]) -> tuple[dict[str, Any], frozenset[str]]:
    """Properties with secrets unwrapped, and the names of those that held one."""
    plain: dict[str, Any] = {}
    secret: set[str] = set()
    for key, value in props.items():
        if key == DYNAMIC_PROVIDER_KEY:
            continue
        plain[key], is_secret = unwrap_secrets(value)
        if is_secret:
            secret.add(key)
    return plain, frozenset(secret)


class _RecordingMonitor(MockMonitor):
    """The mock monitor, keeping every registration with its parent and resource options."""

    def __init__(self, mocks: Mocks) -> None:
        super().__init__(mocks)
        self.declared: list[DeclaredResource] = []
        self.failures: list[Exception] = []

    def RegisterResource(self, request: Any) -> Any:  # the gRPC method's name
        try:
            response = super().RegisterResource(request)  # type: ignore[no-untyped-call]
        except Exception as e:
            self.failures.append(e)
            raise
        if request.type != STACK_TYPE:
            inputs, secret = plain_properties(rpc.deserialize_properties(request.object))
            registered = self.resources[response.urn]
            outputs, _ = plain_properties(registered.state)
            self.declared.append(
                DeclaredResource(
                    urn=response.urn,
                    type=request.type,
                    name=request.name,
                    parent_urn=request.parent,
                    id=registered.id or "",
                    custom=bool(request.custom),
                    inputs=inputs,
                    outputs=outputs,
                    secret_inputs=secret,
                    retain_on_delete=bool(request.retainOnDelete),
                    protect=bool(request.protect),
                    delete_before_replace=bool(request.deleteBeforeReplace),
                    dependencies=tuple(request.dependencies),
                    import_id=str(request.importId or ""),
                    additional_secret_outputs=frozenset(request.additionalSecretOutputs),
                    custom_timeouts=_timeouts(request),
                )
            )
        return response


def _timeouts(request: Any) -> dict[str, str]:
    if not request.HasField("customTimeouts"):
        return {}
    timeouts = request.customTimeouts
    given = {"create": timeouts.create, "update": timeouts.update, "delete": timeouts.delete}
    return {k: v for k, v in given.items() if v}


def run_offline(
    program: Callable[[], T],
    mocks: Mocks,
    *,
    config: Mapping[str, str] | None = None,
    stack: str = "offline",
    project: str = PROJECT,
) -> OfflineRun[T]:
    """Run `program` under `mocks` in this process; return what it declared and exported.

    `config` holds fully qualified keys (`quicksight-embedding:tenantsDir`). An exception
    raised by the program or by the mocks is re-raised once the runtime has settled.
    """

    def run() -> OfflineRun[T]:
        monitor = _RecordingMonitor(mocks)
        set_mocks(mocks, project=project, stack=stack, preview=False, monitor=monitor)
        # set_mocks leaves the set of pending Output tasks shared by every context: a failed
        # run's tasks would be awaited (and re-raise) in the next run.
        SETTINGS.outputs = set()
        pulumi.runtime.set_all_config(dict(config or {}))
        root = pulumi.runtime.get_root_resource()
        returned: list[T] = []
        try:
            _sync_await(run_pulumi_func(lambda: returned.append(program())))
        except BaseException as e:
            _settle_after_failure(e, monitor.failures)
            raise
        exports = _sync_await(_resolve(dict(getattr(root, "outputs", {}))))
        return OfflineRun(returned[0], tuple(monitor.declared), exports)

    # The runtime makes many short-lived reference cycles (futures, Outputs, tasks); leaving
    # them to one collection afterwards roughly halves a large run, for a little memory.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return contextvars.Context().run(run)
    finally:
        if collecting:
            gc.enable()


def _settle_after_failure(error: BaseException, failures: Sequence[BaseException]) -> None:
    """Leave nothing of a failed run behind, and report its failures once, on `error`."""
    _cancel_leftovers()
    chain: list[BaseException] = []
    cause: BaseException | None = error
    while cause is not None and cause not in chain:
        chain.append(cause)
        cause = cause.__cause__ or cause.__context__
    for failure in failures:
        if failure not in chain:
            error.add_note(f"also failed: {failure}")
    _mute_never_retrieved([*chain, *failures])


def _cancel_leftovers() -> None:
    # Nothing of a failed run may go on running later: a local apply would create resources.
    leftovers = [*SETTINGS.outputs, *SETTINGS.rpc_manager.rpcs]
    for future in leftovers:
        future.cancel()
    if leftovers:
        _sync_await(asyncio.gather(*leftovers, return_exceptions=True))


def _mute_never_retrieved(reported: Sequence[BaseException]) -> None:
    """The runtime leaves a failure in the futures of the failed resource's Outputs, which
    asyncio logs as "exception was never retrieved" when collected, long after the caller got
    it raised. Mute exactly those; anything else still reaches the loop's handler."""
    for exception in reported:
        setattr(exception, _REPORTED, True)
    loop = asyncio.get_event_loop()
    previous = loop.get_exception_handler()
    if getattr(previous, _REPORTED, False):
        return

    def handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        if getattr(context.get("exception"), _REPORTED, False):
            return
        if previous is not None:
            previous(loop, context)
        else:
            loop.default_exception_handler(context)

    setattr(handler, _REPORTED, True)
    loop.set_exception_handler(handler)


async def _resolve(exports: dict[str, Any]) -> dict[str, Any]:
    resolved: dict[str, Any] = await pulumi.Output.from_input(exports).future() or {}
    return resolved
