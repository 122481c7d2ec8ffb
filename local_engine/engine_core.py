"""The state of one local-engine run that its parts share (`local_engine.engine`): the clients
and resource handlers, the state file, what the preview declared, the changes made so far, and
the diff of a resource of the state against its declaration.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Self, TypeVar

from infra.offline import DeclaredResource, Properties
from infra.offline_mocks import UnsupportedResourceError
from infra.quicksight_user import IDENTITY as USER_IDENTITY
from infra.quicksight_user import IN_PLACE as USER_IN_PLACE
from local_engine.engine_changes import describe_changes
from local_engine.engine_resources import Clients, ResourceHandler, UserHandler, resource_handlers
from local_engine.outcome import ApplyFailed, ResourceChange
from local_engine.replacement import PropertyDiff, diff_properties
from local_engine.state import AppliedFor, LocalState, StateResource
from policies.project import QS_DYNAMIC_USER

T = TypeVar("T")
Key = tuple[str, str]  # (type token, resource name): unique in the program

KILL_AFTER_STEPS = "QS_EMBED_KILL_AFTER_STEPS"
"""Test hook: the engine SIGKILLs itself after this many steps (an operation recorded as
begun, an AWS call made, its record written), as an OOM or a lost CI runner would end it.
Steps of resources applied at once (in parallel) count in the order they happen."""
KILL_AT = "QS_EMBED_KILL_AT"
"""Test hook: the engine SIGKILLs itself at one named step, `STEP:RESOURCE` (STEP `begun`,
`made` or `recorded`; RESOURCE the resource's name, e.g. `made:acme.role`): the same point of
the run however the parallel steps are ordered."""


class EngineCore:
    """The state and the diff the refresh, the preview and the apply of `LocalEngine` share."""

    def __init__(
        self,
        clients: Clients,
        state: LocalState,
        *,
        out: Callable[[str], None] = print,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._clients = clients
        self.state = state
        self._out = out
        self._handlers = resource_handlers(clients, sleep=sleep, clock=clock)
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._in_flight = 0
        self._caller: Mapping[str, Any] | None = None
        self._declared: dict[Key, DeclaredResource] = {}
        self._changes: list[ResourceChange] = []
        self._unchanged = 0
        self._failed: ApplyFailed | None = None
        kill_after = os.environ.get(KILL_AFTER_STEPS)
        self._kill_after = int(kill_after) if kill_after else None
        self._steps = 0
        self._kill_at = os.environ.get(KILL_AT)

    def close(self) -> None:
        """Stop the provider host the users' provider ran in (if it was started)."""
        for handler in self._handlers.values():
            if isinstance(handler, UserHandler):
                handler.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- entry points ---------------------------------------------------------------------

    def caller(self) -> Mapping[str, Any]:
        """STS GetCallerIdentity of the clients' credentials (asked once)."""
        if self._caller is None:
            self._caller = self._clients("sts").get_caller_identity()
        return self._caller

    def account(self) -> str:
        return str(self.caller()["Account"])

    def target(self, shard: int | None = None, shard_count: int = 1) -> AppliedFor:
        """What a run is for: the account and endpoint the clients reach, the shard."""
        endpoint = self._clients.endpoint("sts")
        return AppliedFor(self.account(), endpoint, shard, shard_count)

    # -- diff -----------------------------------------------------------------------------

    def _handler(self, type_token: str, name: str) -> ResourceHandler:
        handler = self._handlers.get(type_token)
        if handler is None:
            raise UnsupportedResourceError(type_token, name, self._handlers)
        return handler

    def diff(
        self, old: StateResource, type_token: str, inputs: Properties, secret: set[str]
    ) -> Decision:
        """How the resource `old` of the state becomes the one declared with `inputs`: the
        users' provider's own diff (as the engine asks it under `pulumi up`), the replacement
        table (`local_engine.replacement`) for the rest."""
        if type_token == QS_DYNAMIC_USER:
            # The provider's own Diff, asked through the provider host as under `pulumi up`.
            olds = provider_olds(old)
            users = self._handler(type_token, old.name)
            assert isinstance(users, UserHandler)
            result = users.diff(old.id, olds, inputs)
            keys = (*USER_IDENTITY, *USER_IN_PLACE)
            changed = [k for k in keys if olds.get(k) != inputs.get(k)] if result.changes else []
            values = {k: (olds.get(k), inputs.get(k)) for k in changed}
            return Decision(tuple(changed), tuple(result.replaces or ()), values, frozenset())
        sealed = self.state.sealer.seal(inputs, secret | old.secret_inputs)
        found = diff_properties(type_token, old.inputs, sealed)
        values = {k: (old.inputs.get(k), sealed.get(k)) for k in (*found.changed, *found.replaces)}
        return Decision(found.changed, found.replaces, values, secret | old.secret_inputs)

    # -- apply ----------------------------------------------------------------------------
    def _leftovers(self) -> list[StateResource]:
        return [
            r
            for r in self.state.resources.values()
            if r.pending_delete or (r.type, r.name) not in self._declared
        ]

    def _note(self, change: ResourceChange) -> None:
        self._changes.append(change)
        self._out(str(change))


@dataclass(frozen=True)
class Decision(PropertyDiff):
    """A PropertyDiff with the values, old and new, that the change lines show."""

    values: Mapping[str, tuple[Any, Any]] = field(default_factory=dict)
    secret: frozenset[str] | set[str] = frozenset()

    @property
    def detail(self) -> str:
        """What changes, old -> new (secrets named, never shown)."""
        return describe_changes(self.values, self.secret, replaces=self.replaces)


def provider_olds(resource: StateResource) -> Properties:
    """What a provider gets as the old state: the inputs it was given and its outputs."""
    return {**resource.inputs, **resource.outputs}
