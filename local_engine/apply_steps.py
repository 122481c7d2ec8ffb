"""The local engine's apply: each declared resource made so as the program registers it
(created, updated in place, replaced, imported or left alone), leftovers deleted dependents
first, every step recorded durably, the first failure carrying what was applied before it."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable

from pulumi.runtime.mocks import MockResourceArgs

from infra.offline import (
    DYNAMIC_PROVIDER_KEY,
    DeclaredResource,
    Properties,
    plain_properties,
    unwrap_secrets,
)
from infra.quicksight_user import UserConflictError
from local_engine.engine_core import EngineCore, T, provider_olds
from local_engine.engine_resources import ResourceHandler
from local_engine.outcome import ApplyFailed, ResourceChange, as_failure, failure_reason
from local_engine.preview import import_problem, import_read
from local_engine.provider_semantics import split_import_id
from local_engine.state import StateResource, is_sealed
from tenant_file.errors import ConfigError


class ApplySteps(EngineCore):
    """`apply_one` (called as the program registers each resource) and the deletes."""

    def _saving_state(self, changes: Callable[[], T]) -> T:
        """Make `changes`; the state records what was applied, whether they all succeed or one
        fails (that failure raised as the engine's own, see `_failure`)."""
        try:
            return changes()
        except BaseException as e:
            # Steps already running when one failed finish first (Pulumi's step executor
            # drains them too): each is recorded, and listed among what was applied.
            with self._idle:
                self._idle.wait_for(lambda: self._in_flight == 0)
            failure = self._failure(e)
            if failure is e:
                raise
            raise failure from e
        finally:
            self.state.save()

    def apply_one(self, args: MockResourceArgs) -> tuple[str, Properties]:
        """Make one declared resource so (called as the program registers it)."""
        with self._lock:
            if self._failed is not None:
                raise self._failed  # like Pulumi: no new step starts after one failed
            self._in_flight += 1
        try:
            resource_id, outputs = self._apply_one(args)
        finally:
            with self._idle:
                self._in_flight -= 1
                self._idle.notify_all()
        visible = {k: v for k, v in outputs.items() if not is_sealed(v)}
        return resource_id, {**args.inputs, **visible, "id": resource_id}

    def _apply_one(self, args: MockResourceArgs) -> tuple[str, Properties]:
        handler = self._handler(args.typ, args.name)
        inputs, secret = plain_properties(args.inputs)
        if DYNAMIC_PROVIDER_KEY in args.inputs:
            # The serialized provider goes to the provider host; it is a secret on the wire
            # (pulumi/dynamic/dynamic.py serialize_as_secret_always), so the state seals it.
            inputs[DYNAMIC_PROVIDER_KEY], _ = unwrap_secrets(args.inputs[DYNAMIC_PROVIDER_KEY])
            secret = secret | {DYNAMIC_PROVIDER_KEY}
        declared = self._declared.get((args.typ, args.name))
        if declared is None:  # the second run declared something the preview did not
            raise ApplyFailed(args.name, args.typ, "not declared by the preview of this run")
        old = self.state.by_name().get((args.typ, args.name))
        try:
            return self._step(handler, declared, old, inputs, secret)
        except ApplyFailed as e:
            self._fail(e)
            raise
        except Exception as e:
            failure = ApplyFailed(args.name, args.typ, failure_reason(e))
            self._fail(failure)
            raise failure from e

    def _step(
        self,
        handler: ResourceHandler,
        declared: DeclaredResource,
        old: StateResource | None,
        inputs: Properties,
        secret: frozenset[str],
    ) -> tuple[str, Properties]:
        kind, name = declared.type, declared.name
        if old is None and declared.import_id:
            problem = import_problem(handler, declared, inputs)
            if problem:
                raise ApplyFailed(name, kind, problem)
            found = import_read(handler, declared.import_id) or {}
            outputs = {k: v for k, v in found.items() if k not in inputs}
            resource_id, _ = split_import_id(declared.import_id)
            return self._record(declared, resource_id, inputs, secret, outputs, "import")
        if old is None:
            return self._create(handler, declared, inputs, secret, "create")
        decision = self.diff(old, kind, inputs, set(secret))
        if decision.replaces:
            detail = decision.detail
            if declared.delete_before_replace or old.delete_before_replace:
                self._delete_one(old, replaced=True)
                return self._create(handler, declared, inputs, secret, "replace", detail)
            pending = old.with_options(urn=f"{old.urn}#replaced", pending_delete=True)
            self.state.put(pending)
            self.state.remove(old.urn)
            self._boundary("recorded", declared.name)
            return self._create(handler, declared, inputs, secret, "replace", detail)
        if decision.changed:
            self.state.begin("updating", old)
            self._boundary("begun", old.name)
            outputs = handler.update(old.id, provider_olds(old), inputs)
            self._boundary("made", old.name)
            detail = decision.detail
            return self._record(declared, old.id, inputs, secret, outputs, "update", detail)
        with self._lock:
            self._unchanged += 1
        return self._record(declared, old.id, inputs, secret, dict(old.outputs), None)

    def _create(
        self,
        handler: ResourceHandler,
        declared: DeclaredResource,
        inputs: Properties,
        secret: frozenset[str],
        op: str,
        detail: str = "",
    ) -> tuple[str, Properties]:
        being_made = self._state_resource(declared, inputs, secret)
        self.state.begin("creating", being_made)
        self._boundary("begun", declared.name)
        try:
            resource_id, outputs = handler.create(inputs)
        except UserConflictError as e:
            raise ApplyFailed(declared.name, declared.type, str(e)) from None
        self._boundary("made", declared.name)
        if outputs.get("adopted"):
            detail = "adopted the existing user" + (f"; {detail}" if detail else "")
            op = "import" if op == "create" else op  # counted as adopted, not created
        return self._record(declared, resource_id, inputs, secret, outputs, op, detail)

    def _record(
        self,
        declared: DeclaredResource,
        resource_id: str,
        inputs: Properties,
        secret: frozenset[str],
        outputs: Properties,
        op: str | None,
        detail: str = "",
    ) -> tuple[str, Properties]:
        resource = self._state_resource(declared, inputs, secret, (resource_id, outputs))
        old = self.state.resources.get(resource.urn)
        if op is not None or old != resource:
            self.state.put(resource)
        with self._lock:
            if op is not None:
                self._note(ResourceChange(op, declared.type, declared.name, detail))
        if op is not None:
            self._boundary("recorded", declared.name)
        return resource_id, dict(resource.outputs)

    def _state_resource(
        self,
        declared: DeclaredResource,
        inputs: Properties,
        secret: frozenset[str],
        made: tuple[str, Properties] = ("", {}),
    ) -> StateResource:
        """The state's record of `declared` with the id and outputs it was `made` with (none
        yet: being made), its secrets sealed."""
        resource_id, outputs = made
        sealer = self.state.sealer
        return StateResource(
            urn=declared.urn,
            type=declared.type,
            name=declared.name,
            id=resource_id,
            inputs=sealer.seal(inputs, secret),
            outputs=sealer.seal(outputs, declared.additional_secret_outputs),
            secret_inputs=secret,
            dependencies=declared.dependencies,
            retain_on_delete=declared.retain_on_delete,
            delete_before_replace=declared.delete_before_replace,
        )

    # -- delete ---------------------------------------------------------------------------

    def _delete(self, doomed: list[StateResource]) -> None:
        """Dependents first: a resource goes once nothing left in `doomed` depends on it."""
        remaining = list(doomed)
        while remaining:
            needed = {d for r in remaining for d in r.dependencies}
            ready = [r for r in remaining if r.urn.removesuffix("#replaced") not in needed]
            if not ready:  # a cycle cannot come from a program; delete in state order
                ready = remaining[:1]
            for resource in ready:
                self._delete_one(resource, replaced=resource.pending_delete)
                remaining.remove(resource)

    def _delete_one(self, resource: StateResource, *, replaced: bool) -> None:
        op, detail = "delete", "replaced" if replaced else ""
        if resource.retain_on_delete:
            op, detail = "forget", "retain_on_delete: kept in AWS, no longer managed"
        else:
            handler = self._handler(resource.type, resource.name)
            self.state.begin("deleting", resource)
            self._boundary("begun", resource.name)
            try:
                handler.delete(resource.id, provider_olds(resource))
            except Exception as e:
                raise ApplyFailed(resource.name, resource.type, failure_reason(e)) from e
            self._boundary("made", resource.name)
        self.state.remove(resource.urn)
        with self._lock:
            self._note(ResourceChange(op, resource.type, resource.name, detail))
        self._boundary("recorded", resource.name)

    # -- bookkeeping ----------------------------------------------------------------------

    def _boundary(self, step: str, name: str) -> None:
        """One step done: `step` (begun, made, recorded) of the resource `name` (see
        KILL_AFTER_STEPS and KILL_AT)."""
        if self._kill_at is not None and self._kill_at == f"{step}:{name}":
            os.kill(os.getpid(), signal.SIGKILL)
        if self._kill_after is None:
            return
        with self._lock:
            self._steps += 1
            if self._steps >= self._kill_after:
                os.kill(os.getpid(), signal.SIGKILL)

    def _fail(self, failure: ApplyFailed) -> None:
        with self._lock:
            if self._failed is None:
                self._failed = failure

    def _failure(self, error: BaseException) -> BaseException:
        """The first failure, carrying what was applied before it."""
        failure = self._failed
        if failure is None:
            if not isinstance(error, Exception) or isinstance(error, ConfigError):
                return error
            failure = error if isinstance(error, ApplyFailed) else as_failure(error)
        failure.applied = list(self._changes)
        return failure
