"""The local engine: the Pulumi program applied to an emulator (or AWS) as strictly as Pulumi.

`up` is what `pulumi preview` then `pulumi up` do, in this process, without the Pulumi CLI:

1. Refuse before any change: files whose `account_id` is not the deploying account, tenants of
   one account in different identity regions, a state of another account.
2. Preview: run the program under mocks that answer from the state (or predict, for what is
   new), diff every declared resource against the state, and look before creating: a name that
   already exists and is not adopted (the users' provider `check`, a namespace, a profile, a
   role) or an adoption of something missing or different is refused. Nothing has changed yet.
3. Apply: run the program again; as each resource registers (its inputs resolved, so its
   dependencies done) it is created, updated in place, replaced (the new one first, the old one
   deleted at the end, unless the resource asks for delete-before-replace), imported (adopted)
   or left alone. Replacement rules are a table copied by hand from the provider's schemas, one
   source per row (`local_engine.replacement`), and for users their dynamic provider's own
   `diff`. "Already exists" is an error, as on AWS.
4. Resources the program no longer declares are deleted, dependents first, or forgotten when
   they were declared `retain_on_delete`.

Before step 2, and before `destroy`, the engine refreshes what its state holds, as
`pulumi up --refresh` does (pulumi/pulumi `pkg/resource/deploy/step_generator.go`: a refresh
step per resource, the provider's Read): a resource gone from AWS is dropped from the state (and
created again by the apply, or not deleted by destroy), one changed in AWS is recorded as it is
(and put back by the diff). Each finding is printed. Operations an earlier run began and did not
record (it was killed) are resolved there too, as Pulumi's pending operations are: a create is
looked up by the id it would have given and adopted when it exists, an update is refreshed, a
delete is dropped when the resource is gone.

Every change is recorded durably as it completes (`local_engine.state`: an operation is written as
pending before it reaches AWS, and as done after), so a run killed at any point is finished by
the next one; a failure names the resource, the reason and what had already been applied. A
state records what it was applied for (account, endpoint, shard, shard count); a run for
anything else is refused before any change.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from botocore.exceptions import ClientError
from pulumi.runtime.mocks import MockCallArgs, MockResourceArgs, Mocks

from infra.capabilities import capability_names
from infra.offline import (
    DYNAMIC_PROVIDER_KEY,
    DeclaredResource,
    OfflineRun,
    Properties,
    plain_properties,
    run_offline,
    unwrap_secrets,
)
from infra.offline_mocks import OfflineMocks, UnsupportedResourceError
from infra.preflight import account_problems
from infra.program import declare_tenants
from infra.quicksight_user import IDENTITY as USER_IDENTITY
from infra.quicksight_user import IN_PLACE as USER_IN_PLACE
from infra.quicksight_user import UserConflictError
from infra.tenant_stack import TenantStack
from local_engine.engine_changes import describe_changes
from local_engine.engine_resources import Clients, ResourceHandler, UserHandler, resource_handlers
from local_engine.provider_semantics import (
    import_problems,
    input_problems,
    option_problems,
    split_import_id,
)
from local_engine.replacement import PropertyDiff, diff_properties
from local_engine.state import AppliedFor, LocalState, StateResource, is_sealed
from policies.project import QS_DYNAMIC_USER
from policies.resources import CALLER_IDENTITY, QS_CUSTOM_PERMISSIONS, QS_NAMESPACE
from tenant_file.config import TenantConfig
from tenant_file.errors import ConfigError, Problem
from tenant_file.loader import region_problems

STACK = "local"
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

SYMBOLS = {
    "gone": "!",
    "drift": "!",
    "create": "+",
    "import": "=",
    "update": "~",
    "replace": "+-",
    "delete": "-",
    "forget": "-",
}


@dataclass(frozen=True)
class ResourceChange:
    """One change the engine made (a line of its output)."""

    op: str
    type: str
    name: str
    detail: str = ""

    def __str__(self) -> str:
        line = f"{SYMBOLS[self.op]:<2} {self.op:<7} {self.name}  {self.type}"
        return f"{line}  ({self.detail})" if self.detail else line


@dataclass
class EngineResult:
    changes: list[ResourceChange]
    unchanged: int
    run: OfflineRun[dict[str, TenantStack]] | None = None
    preview: bool = False
    """The changes are what `up` would make (`local up --preview`): nothing was changed."""

    def summary(self) -> str:
        counts = {op: sum(c.op == op for c in self.changes) for op in SYMBOLS}
        found = [
            f"{counts['gone']} found gone",
            f"{counts['drift']} found changed in AWS",
        ]
        parts = [
            f"{counts['create']} created",
            f"{counts['import']} adopted",
            f"{counts['update']} updated",
            f"{counts['replace']} replaced",
            f"{counts['delete']} deleted",
            f"{counts['forget']} forgotten (retained)",
            f"{self.unchanged} unchanged",
        ]
        refreshed = f"refresh: {', '.join(found)}; " if counts["gone"] or counts["drift"] else ""
        would = "would be: " if self.preview else ""
        return refreshed + would + ", ".join(parts)


class ApplyFailed(Exception):
    """A change failed; the state holds every change made before it (`applied`)."""

    def __init__(self, resource: str, type_token: str, reason: str) -> None:
        super().__init__(f"{resource} ({type_token}): {reason}")
        self.resource, self.type, self.reason = resource, type_token, reason
        self.applied: list[ResourceChange] = []


@dataclass
class _Where:
    """Which tenant file and field a resource comes from, for refusals."""

    loaded: Sequence[tuple[Path, TenantConfig]]
    by_tenant: dict[str, tuple[Path, TenantConfig]] = field(init=False)

    def __post_init__(self) -> None:
        self.by_tenant = {t.tenant: (p, t) for p, t in self.loaded}

    def problem(self, name: str, message: str) -> Problem:
        tenant, _, rest = name.partition(".")
        path, config = self.by_tenant.get(tenant, (Path(tenant), None))
        location = ""
        if rest == "namespace":
            location = "namespace"
        elif rest.startswith("profile."):
            location = f"permission_profiles.{rest.removeprefix('profile.')}"
        elif rest.startswith("user.") and config is not None:
            user = rest.removeprefix("user.")
            index = next((i for i, u in enumerate(config.users) if u.name == user), None)
            location = f"users[{index}] ({user})" if index is not None else f"users ({user})"
        elif rest == "role":
            location = "tenant"
        return Problem(str(path), location, message)


def _reason(error: BaseException) -> str:
    if isinstance(error, ClientError):
        details = error.response.get("Error", {})
        return f"{details.get('Code', 'error')}: {details.get('Message', '')}"
    return str(error) or type(error).__name__


def import_mismatch(type_token: str, inputs: Mapping[str, Any], found: Mapping[str, Any]) -> str:
    """Why an adoption (Pulumi `import`) fails: the existing resource differs from the file.
    Pulumi refuses an import whose inputs do not match the resource it reads."""
    if found.get("region") and inputs.get("region") and found["region"] != inputs["region"]:
        return (
            f"it was read in region {found['region']}, the file's region is "
            f"{inputs['region']} (the import id names the region: ID@{inputs['region']})"
        )
    if type_token == QS_NAMESPACE:
        wanted = inputs.get("identityStore", "QUICKSIGHT")
        if found.get("identityStore") != wanted:
            return f"its identity store is {found.get('identityStore')}, the file's {wanted}"
    if type_token == QS_CUSTOM_PERMISSIONS:
        wanted_deny = sorted(capability_names(inputs.get("capabilities") or {}))
        if list(found.get("deny", [])) != wanted_deny:
            return (
                f"it denies {', '.join(found.get('deny', [])) or 'nothing'}; the file denies "
                f"{', '.join(wanted_deny)}: make deny equal to what exists to adopt it, then "
                "edit deny in a later change"
            )
    return ""


class LocalEngine:
    """Applies the program for a set of tenant files to the AWS behind `clients`."""

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

    def __enter__(self) -> LocalEngine:
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

    def up(
        self,
        loaded: Sequence[tuple[Path, TenantConfig]],
        *,
        shard: int | None = None,
        shard_count: int = 1,
        preview: bool = False,
    ) -> EngineResult:
        """Refresh, preview, refuse (ConfigError, nothing changed) or apply (ApplyFailed on
        failure); with `preview`, the changes it would make, nothing changed or saved."""
        target = self.target(shard, shard_count)
        account = target.account
        problems = account_problems(loaded, account) + region_problems(loaded, account)
        problems += self._target_problems(target, whole=True)
        if problems:
            raise ConfigError(problems)
        if preview:
            self.state = self.state.detached()
        self.refresh()
        tenants = [tenant for _, tenant in loaded]

        def program() -> dict[str, TenantStack]:
            return declare_tenants(tenants)

        previewed = run_offline(program, _PreviewMocks(self, tenants, account), stack=STACK)
        self._declared = {(r.type, r.name): r for r in previewed.resources if r.custom}
        where = _Where(loaded)
        refusals = self._provider_refusals(where) + self._look_before_changing(where)
        if refusals:
            raise ConfigError(refusals)
        if preview:
            return EngineResult(self._planned(), self._unchanged, preview=True)
        self.state.record_target(target)

        def apply() -> OfflineRun[dict[str, TenantStack]]:
            run = run_offline(program, _ApplyMocks(self), stack=STACK)
            self._delete(self._leftovers())
            return run

        run = self._saving_state(apply)
        return EngineResult(list(self._changes), self._unchanged, run)

    def destroy(self) -> EngineResult:
        """Delete everything in the state (retained resources are forgotten, not deleted);
        what is already gone from AWS is said so and dropped, not reported deleted."""
        problems = self._target_problems(self.target(), whole=False)
        if problems:
            raise ConfigError(problems)

        def destroy() -> None:
            self.refresh()
            self._delete(list(self.state.resources.values()))

        self._saving_state(destroy)
        return EngineResult(list(self._changes), 0)

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

    # -- preview --------------------------------------------------------------------------

    def _target_problems(self, target: AppliedFor, *, whole: bool) -> list[Problem]:
        """A state applied for another account, endpoint or shard is refused: its resources
        are not this run's to delete (a shard run on an unsharded state would delete every
        other shard's tenants). `whole` False (destroy) compares account and endpoint only."""
        where = str(self.state.path or "<state>")
        recorded = self.state.applied_for
        if recorded is None:  # a version 1 state: the account only
            if self.state.account in (None, target.account):
                return []
            recorded = AppliedFor(str(self.state.account), target.endpoint, None, 1)
        if not (self.state.resources or self.state.pending):
            return []  # nothing applied yet: this run decides what the state is for
        compared = target if whole else AppliedFor(target.account, target.endpoint)
        mine = recorded if whole else AppliedFor(recorded.account, recorded.endpoint)
        if compared == mine:
            return []
        return [
            Problem(
                where,
                "",
                f"was applied for {mine.describe()}; this run is for {compared.describe()}: "
                "run with what the state was applied for, or give another --state FILE",
            )
        ]

    def _provider_refusals(self, where: _Where) -> list[Problem]:
        """What `pulumi up` would refuse or silently ignore: inputs that are no argument of the
        installed pulumi-aws resource, options the resource's provider ignores, import ids in
        another form than pulumi-aws reads (`local_engine.provider_semantics`, sources there)."""
        return [
            where.problem(d.name, f"{d.type}: {message}")
            for d in self._declared.values()
            for message in (
                input_problems(d.type, d.inputs)
                + option_problems(d.type, d.custom_timeouts)
                + import_problems(d.type, d.import_id)
            )
        ]

    # -- refresh --------------------------------------------------------------------------

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
            resource = resource.with_options(id=handler.expected_id(_olds(resource)))
        self._refresh_one(resource, pending=kind)

    def _refresh_one(self, resource: StateResource, *, pending: str | None) -> None:
        handler = self._handler(resource.type, resource.name)
        live = handler.refresh(resource.id, _olds(resource))
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

    def _look_before_changing(self, where: _Where) -> list[Problem]:
        problems: list[Problem] = []
        current = self.state.by_name()
        for key, declared in self._declared.items():
            old = current.get(key)
            handler = self._handler(declared.type, declared.name)
            inputs = dict(declared.inputs)
            secret = set(declared.secret_inputs)
            if old is not None and not self.diff(old, declared.type, inputs, secret).replace:
                continue
            try:
                if old is None and declared.import_id:
                    problem = self._import_problem(handler, declared, inputs)
                else:
                    problem = handler.conflict(inputs) or ""
            except ClientError as e:
                problem = f"cannot look it up: {_reason(e)}"
            if problem:
                problems.append(where.problem(declared.name, problem))
        return problems

    @staticmethod
    def _import_problem(
        handler: ResourceHandler, declared: DeclaredResource, inputs: Properties
    ) -> str:
        found = _import_read(handler, declared.import_id)
        if found is None:
            return f"adopts {declared.import_id}, which does not exist: remove the adopt flag"
        mismatch = import_mismatch(declared.type, inputs, found)
        return f"cannot be adopted: {mismatch}" if mismatch else ""

    def _planned(self) -> list[ResourceChange]:
        """What the apply would do (`local up --preview`), old -> new; nothing is changed."""
        planned = list(self._changes)
        current = self.state.by_name()
        for key, declared in self._declared.items():
            inputs, secret = dict(declared.inputs), set(declared.secret_inputs)
            old = current.get(key)
            if old is None:
                op = "import" if declared.import_id else "create"
                planned.append(ResourceChange(op, declared.type, declared.name))
                continue
            decision = self.diff(old, declared.type, inputs, secret)
            if decision.replace:
                planned.append(
                    ResourceChange("replace", declared.type, declared.name, decision.detail)
                )
            elif decision.changed:
                planned.append(
                    ResourceChange("update", declared.type, declared.name, decision.detail)
                )
            else:
                self._unchanged += 1
        for resource in self._leftovers():
            op, detail = (
                ("forget", "retain_on_delete")
                if resource.retain_on_delete
                else (
                    "delete",
                    "replaced" if resource.pending_delete else "",
                )
            )
            planned.append(ResourceChange(op, resource.type, resource.name, detail))
        for change in planned[len(self._changes) :]:
            self._out(str(change))
        return planned

    # -- diff -----------------------------------------------------------------------------

    def _handler(self, type_token: str, name: str) -> ResourceHandler:
        handler = self._handlers.get(type_token)
        if handler is None:
            raise UnsupportedResourceError(type_token, name, self._handlers)
        return handler

    def diff(
        self, old: StateResource, type_token: str, inputs: Properties, secret: set[str]
    ) -> _Decision:
        """How the resource `old` of the state becomes the one declared with `inputs`: the
        users' provider's own diff (as the engine asks it under `pulumi up`), the replacement
        table (`local_engine.replacement`) for the rest."""
        if type_token == QS_DYNAMIC_USER:
            # The provider's own Diff, asked through the provider host as under `pulumi up`.
            olds = _olds(old)
            users = self._handler(type_token, old.name)
            assert isinstance(users, UserHandler)
            result = users.diff(old.id, olds, inputs)
            keys = (*USER_IDENTITY, *USER_IN_PLACE)
            changed = [k for k in keys if olds.get(k) != inputs.get(k)] if result.changes else []
            values = {k: (olds.get(k), inputs.get(k)) for k in changed}
            return _Decision(tuple(changed), tuple(result.replaces or ()), values, frozenset())
        sealed = self.state.sealer.seal(inputs, secret | old.secret_inputs)
        found = diff_properties(type_token, old.inputs, sealed)
        values = {k: (old.inputs.get(k), sealed.get(k)) for k in (*found.changed, *found.replaces)}
        return _Decision(found.changed, found.replaces, values, secret | old.secret_inputs)

    # -- apply ----------------------------------------------------------------------------

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
            failure = ApplyFailed(args.name, args.typ, _reason(e))
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
            problem = self._import_problem(handler, declared, inputs)
            if problem:
                raise ApplyFailed(name, kind, problem)
            found = _import_read(handler, declared.import_id) or {}
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
            outputs = handler.update(old.id, _olds(old), inputs)
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
        sealer = self.state.sealer
        being_made = StateResource(
            urn=declared.urn,
            type=declared.type,
            name=declared.name,
            id="",
            inputs=sealer.seal(inputs, secret),
            outputs={},
            secret_inputs=secret,
            dependencies=declared.dependencies,
            retain_on_delete=declared.retain_on_delete,
            delete_before_replace=declared.delete_before_replace,
        )
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
        sealer = self.state.sealer
        resource = StateResource(
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
        old = self.state.resources.get(resource.urn)
        if op is not None or old != resource:
            self.state.put(resource)
        with self._lock:
            if op is not None:
                self._note(ResourceChange(op, declared.type, declared.name, detail))
        if op is not None:
            self._boundary("recorded", declared.name)
        return resource_id, dict(resource.outputs)

    # -- delete ---------------------------------------------------------------------------

    def _leftovers(self) -> list[StateResource]:
        return [
            r
            for r in self.state.resources.values()
            if r.pending_delete or (r.type, r.name) not in self._declared
        ]

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
                handler.delete(resource.id, _olds(resource))
            except Exception as e:
                raise ApplyFailed(resource.name, resource.type, _reason(e)) from e
            self._boundary("made", resource.name)
        self.state.remove(resource.urn)
        with self._lock:
            self._note(ResourceChange(op, resource.type, resource.name, detail))
        self._boundary("recorded", resource.name)

    # -- bookkeeping ----------------------------------------------------------------------

    def _note(self, change: ResourceChange) -> None:
        self._changes.append(change)
        self._out(str(change))

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
            failure = error if isinstance(error, ApplyFailed) else _as_failure(error)
        failure.applied = list(self._changes)
        return failure


def _import_read(handler: ResourceHandler, import_id: str) -> Properties | None:
    """pulumi-aws 7's import read: with the id alone, in the region of its `@<region>` suffix,
    else in the provider's region, never the resource's inputs (provider_semantics)."""
    resource_id, region = split_import_id(import_id)
    return handler.read(resource_id, {"region": region} if region else {})


def _as_failure(error: Exception) -> ApplyFailed:
    return ApplyFailed("program", "pulumi", _reason(error))


def _gone_reason(resource: StateResource) -> str:
    if resource.pending_delete:
        return "the replaced resource is already gone"
    return "not found in AWS (deleted outside this state, or the emulator restarted)"


@dataclass(frozen=True)
class _Decision(PropertyDiff):
    """A PropertyDiff with the values, old and new, that the change lines show."""

    values: Mapping[str, tuple[Any, Any]] = field(default_factory=dict)
    secret: frozenset[str] | set[str] = frozenset()

    @property
    def detail(self) -> str:
        """What changes, old -> new (secrets named, never shown)."""
        return describe_changes(self.values, self.secret, replaces=self.replaces)


def _olds(resource: StateResource) -> Properties:
    """What a provider gets as the old state: the inputs it was given and its outputs."""
    return {**resource.inputs, **resource.outputs}


class _PreviewMocks(OfflineMocks):
    """The preview: what is in the state answers from the state (as `pulumi preview` shows
    it); what is new or replaced is predicted from its inputs and the real account."""

    def __init__(self, engine: LocalEngine, tenants: Sequence[TenantConfig], account: str):
        self._engine = engine
        self._current = engine.state.by_name()
        super().__init__(tenants, account)

    def new_resource(self, args: MockResourceArgs) -> tuple[str, Properties]:
        old = self._current.get((args.typ, args.name)) if args.custom else None
        if old is not None:
            inputs, secret = plain_properties(args.inputs)
            if not self._engine.diff(old, args.typ, inputs, set(secret)).replace:
                visible = {k: v for k, v in old.outputs.items() if not is_sealed(v)}
                return old.id, {**args.inputs, **visible, "id": old.id}
        return super().new_resource(args)


class _ApplyMocks(Mocks):
    """The apply: each registration is made so by the engine; invokes ask AWS."""

    def __init__(self, engine: LocalEngine) -> None:
        self._engine = engine

    def call(self, args: MockCallArgs) -> tuple[Properties, list[tuple[str, str]]]:
        if args.token != CALLER_IDENTITY:
            raise UnsupportedResourceError(args.token, "invoke", [CALLER_IDENTITY])
        account = self._engine.account()
        return {"accountId": account, "id": account}, []

    def new_resource(self, args: MockResourceArgs) -> tuple[str, Properties]:
        if not args.custom:
            return f"{args.name}-id", dict(args.inputs)
        return self._engine.apply_one(args)
