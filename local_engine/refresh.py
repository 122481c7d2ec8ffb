"""The local engine's refresh, as `pulumi up --refresh` does: every resource the state holds
is read, and every operation an interrupted run left pending is resolved."""

from __future__ import annotations

from typing import Any

from local_engine.engine_changes import describe_changes
from local_engine.engine_core import EngineCore, provider_olds
from local_engine.outcome import ResourceChange
from local_engine.state import StateResource, is_sealed


class Refresh(EngineCore):
    """`refresh()`: what AWS has is recorded; what was gone or changed is said."""

    def refresh(self) -> None:
        """Read every resource the state holds (`pulumi up --refresh`) and every operation an
        interrupted run left pending; record what AWS has, say what was gone or changed."""
        resolved = set()
        for operation in list(self.state.pending.values()):
            self._resolve_pending(operation.kind, operation.resource)
            resolved.add(operation.resource.urn)
        for resource in list(self.state.resources.values()):
            if resource.urn not in resolved:
                self._refresh_one(resource, pending=None)

    def _resolve_pending(self, kind: str, resource: StateResource) -> None:
        # Pulumi keeps an interrupted create as a pending operation and `pulumi refresh` asks
        # whether to clear it or import it by its id (`--import-pending-creates URN ID`;
        # https://www.pulumi.com/docs/iac/cli/commands/pulumi_refresh/). Every id here is
        # made of names, so the engine looks the create up and adopts it when it is there.
        if kind == "creating":
            handler = self._handler(resource.type, resource.name)
            resource = resource.with_options(id=handler.expected_id(provider_olds(resource)))
        self._refresh_one(resource, pending=kind)

    def _refresh_one(self, resource: StateResource, *, pending: str | None) -> None:
        handler = self._handler(resource.type, resource.name)
        live = handler.refresh(resource.id, provider_olds(resource))
        if live is None:
            self.state.remove(resource.urn)
            if pending == "creating":
                return  # interrupted before AWS made it: nothing to say, the apply creates it
            gone = "deleted before an interrupted run recorded it" if pending else ""
            self._note(
                ResourceChange("gone", resource.type, resource.name, gone or _gone_reason(resource))
            )
            return
        inputs, outputs = dict(resource.inputs), dict(resource.outputs)
        changed: dict[str, tuple[Any, Any]] = {}
        sealer = self.state.sealer
        for key, value in live.items():
            if key in resource.secret_inputs:
                value = sealer.sealed(value)
            if key in inputs:
                if inputs[key] != value and pending != "creating":
                    changed[key] = (inputs[key], value)
                inputs[key] = value
            if (key in outputs or key not in inputs) and not is_sealed(outputs.get(key)):
                outputs[key] = value  # a dynamic provider's outputs repeat its inputs
        refreshed = resource.with_options(inputs=inputs, outputs=outputs)
        made = pending == "creating"
        if made and self.diff(refreshed, resource.type, dict(resource.inputs), set()).replace:
            # Not what was being created (someone else's, made meanwhile): never adopted;
            # the look before changing refuses it as existing.
            self.state.remove(resource.urn)
            return
        if pending == "creating":
            detail = "created by an interrupted run: found in AWS and adopted"
            self._note(ResourceChange("import", resource.type, resource.name, detail))
        elif changed:
            found = describe_changes(changed, resource.secret_inputs)
            self._note(ResourceChange("drift", resource.type, resource.name, found))
        if refreshed != resource or pending:
            self.state.put(refreshed)


def _gone_reason(resource: StateResource) -> str:
    if resource.pending_delete:
        return "the replaced resource is already gone"
    return "not found in AWS (deleted outside this state, or the emulator restarted)"
