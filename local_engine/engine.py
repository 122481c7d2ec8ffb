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

`LocalEngine` is `up` and `destroy` over its parts: `local_engine.refresh`, `local_engine.preview`
(the refusals and the planned changes), `local_engine.apply_steps` (the changes, durably
recorded), on the shared state and diff of `local_engine.engine_core`; what it reports is in
`local_engine.outcome`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pulumi.runtime.mocks import MockCallArgs, MockResourceArgs, Mocks

from infra.offline import OfflineRun, Properties, plain_properties, run_offline
from infra.offline_mocks import OfflineMocks, UnsupportedResourceError
from infra.preflight import account_problems
from infra.program import declare_tenants
from infra.tenant_stack import TenantStack
from local_engine.apply_steps import ApplySteps
from local_engine.engine_core import KILL_AFTER_STEPS, KILL_AT
from local_engine.outcome import ApplyFailed, EngineResult, ResourceChange
from local_engine.preview import Preview, Where
from local_engine.refresh import Refresh
from local_engine.state import is_sealed
from policies.resources import CALLER_IDENTITY
from tenant_file.config import TenantConfig
from tenant_file.errors import ConfigError
from tenant_file.loader import region_problems

__all__ = [
    "KILL_AFTER_STEPS",
    "KILL_AT",
    "STACK",
    "ApplyFailed",
    "EngineResult",
    "LocalEngine",
    "ResourceChange",
]

STACK = "local"


class LocalEngine(Refresh, Preview, ApplySteps):
    """Applies the program for a set of tenant files to the AWS behind `clients`."""

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
        where = Where(loaded)
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
