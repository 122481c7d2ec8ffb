"""The policy pack's rules, and an engine-free runner for tests and `qs-embed check`.

`pulumi up --policy-pack policies` runs the rules inside the Pulumi engine (see `__main__.py`).
Offline there is no engine, so `run_pack` does what its analyzer does with each policy:
resource policies see each resource's inputs, stack policies see every resource's outputs
with parents linked, property reads go through the same unknown-checking proxy, and a value
unknown until deploy turns into an advisory "cannot run" note, as in a preview.
"""

from __future__ import annotations

import asyncio
import inspect
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyResource,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError, unknown_checking_proxy

from policies.rules import iam, quicksight_rules, stack_rules
from policies.shards import (
    PULUMI_SHARD_COUNT_KEY,
    PULUMI_SHARD_KEY,
    ShardSelection,
    pulumi_config_shard,
    select_shard,
    shard_selection,
)
from policies.tenant_index import TenantIndex, load_index, tenants_dir_for_pack
from tenant_file.errors import ConfigError

SHARD_COUNT_ENV = "QS_EMBED_SHARD_COUNT"
SHARD_ENV = "QS_EMBED_SHARD"
"""The shard the pack checks, like QS_EMBED_TENANTS_DIR: these first, else the stack's
`shardCount` and `shard` config (the engine hands the stack's config to policy packs)."""


def build_policies(index: TenantIndex) -> list[Policy]:
    """Every rule of the pack, checking the stack against the tenant files in `index`."""
    return [*iam.rules(index), *quicksight_rules.rules(index), *stack_rules.rules(index)]


def pack_index(pack_dir: Path, config: Callable[[str], str | None] | None = None) -> TenantIndex:
    """The tenant files the engine's pack checks the stack against: the whole directory,
    validated as a whole, then only the stack's shard (a sharded stack declares no other
    tenant, and each tenant of the index must have its embed role in the stack).

    Never raises: what is wrong (the files, the shard settings) becomes the index's
    problems, which refuse the stack with the reason.
    """
    index = load_index(tenants_dir_for_pack(pack_dir))
    if index.problems:
        return index
    try:
        shard = pack_shard(config)
    except ConfigError as e:
        return TenantIndex(problems=e.problems)
    return shard_index(index, shard)


def pack_shard(config: Callable[[str], str | None] | None = None) -> ShardSelection:
    """$QS_EMBED_SHARD_COUNT and $QS_EMBED_SHARD, else the stack's Pulumi config."""
    count, shard = os.environ.get(SHARD_COUNT_ENV), os.environ.get(SHARD_ENV)
    if count is not None or shard is not None:
        return shard_selection(
            count, shard, source="environment", count_field=SHARD_COUNT_ENV, shard_field=SHARD_ENV
        )
    if config is None:
        import pulumi.runtime

        config = pulumi.runtime.get_config
    return pulumi_config_shard(config(PULUMI_SHARD_COUNT_KEY), config(PULUMI_SHARD_KEY))


def shard_index(index: TenantIndex, shard: ShardSelection | None) -> TenantIndex:
    """The index of one shard's tenants (the whole index when unsharded)."""
    if shard is None or shard.count == 1 or index.problems:
        return index
    return TenantIndex(tuple(select_shard(index.tenants, shard)))


@dataclass(frozen=True)
class Violation:
    """One policy violation, as `pulumi preview` would print it."""

    policy: str
    level: EnforcementLevel
    message: str
    urn: str | None = None

    @property
    def mandatory(self) -> bool:
        return self.level is EnforcementLevel.MANDATORY

    def __str__(self) -> str:
        return f"{self.level.value} {self.policy}: {self.message}"


@dataclass(frozen=True)
class Declared:
    """What the engine shows policies of one resource: its inputs, and its state (outputs,
    parent, options) as a `PolicyResource` for stack policies."""

    resource: PolicyResource
    inputs: Mapping[str, Any]


def run_pack(policies: Sequence[Policy], declared: Sequence[Declared]) -> list[Violation]:
    """Run every enabled policy over the declared resources, without the Pulumi engine."""
    found: list[Violation] = []
    resources = [d.resource for d in declared]
    for policy in policies:
        level = policy.enforcement_level or EnforcementLevel.ADVISORY
        if level is EnforcementLevel.DISABLED:
            continue
        if isinstance(policy, ResourceValidationPolicy):
            for d in declared:
                r = d.resource
                args = ResourceValidationArgs(
                    r.resource_type, proxied(d.inputs), r.urn, r.name, r.opts, r.provider
                )
                found += _validate(policy, level, args, r.urn)
        elif isinstance(policy, StackValidationPolicy):
            found += _validate(policy, level, StackValidationArgs(resources), None)
    return found


def proxied(props: Mapping[str, Any]) -> Mapping[str, Any]:
    """Properties as the analyzer hands them to policies (unknowns raise on access)."""
    wrapped: Mapping[str, Any] = unknown_checking_proxy(dict(props))
    return wrapped


def _validate(
    policy: ResourceValidationPolicy | StackValidationPolicy,
    level: EnforcementLevel,
    args: ResourceValidationArgs | StackValidationArgs,
    resource_urn: str | None,
) -> list[Violation]:
    found: list[Violation] = []

    def report(message: str, urn: str | None = None) -> None:
        found.append(Violation(policy.name, level, message, urn or resource_urn))

    try:
        result = policy.validate(args, report)  # type: ignore[arg-type]
        if inspect.isawaitable(result):
            asyncio.run(_await(result))
    except UnknownValueError as e:
        # The analyzer's own wording: the policy cannot run until the value is known.
        found.append(
            Violation(
                policy.name,
                EnforcementLevel.ADVISORY,
                f"can't run policy during preview: {e.message}",
                resource_urn,
            )
        )
    return found


async def _await(result: Any) -> None:
    await result
