"""The local engine's preview: what is refused before any change (a state applied for another
target, inputs or options pulumi-aws would refuse, names that exist and are not adopted,
adoptions of what is missing or different), and the changes the apply would make."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from infra.capabilities import capability_names
from infra.offline import DeclaredResource, Properties
from local_engine.engine_core import EngineCore
from local_engine.engine_resources import ResourceHandler
from local_engine.outcome import ResourceChange, failure_reason
from local_engine.provider_semantics import (
    import_problems,
    input_problems,
    option_problems,
    split_import_id,
)
from local_engine.state import AppliedFor
from policies.resources import QS_CUSTOM_PERMISSIONS, QS_NAMESPACE
from tenant_file.config import TenantConfig
from tenant_file.errors import Problem


@dataclass
class Where:
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


def import_problem(handler: ResourceHandler, declared: DeclaredResource, inputs: Properties) -> str:
    found = import_read(handler, declared.import_id)
    if found is None:
        return f"adopts {declared.import_id}, which does not exist: remove the adopt flag"
    mismatch = import_mismatch(declared.type, inputs, found)
    return f"cannot be adopted: {mismatch}" if mismatch else ""


def import_read(handler: ResourceHandler, import_id: str) -> Properties | None:
    """pulumi-aws 7's import read: with the id alone, in the region of its `@<region>` suffix,
    else in the provider's region, never the resource's inputs (provider_semantics)."""
    resource_id, region = split_import_id(import_id)
    return handler.read(resource_id, {"region": region} if region else {})


class Preview(EngineCore):
    """The refusals before any change, and `_planned` (`local up --preview`)."""

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

    def _provider_refusals(self, where: Where) -> list[Problem]:
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

    def _look_before_changing(self, where: Where) -> list[Problem]:
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
                    problem = import_problem(handler, declared, inputs)
                else:
                    problem = handler.conflict(inputs) or ""
            except ClientError as e:
                problem = f"cannot look it up: {failure_reason(e)}"
            if problem:
                problems.append(where.problem(declared.name, problem))
        return problems

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
