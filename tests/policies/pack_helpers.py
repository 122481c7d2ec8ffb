"""Crafted policy arguments: call a rule's validate the way the analyzer does, no engine.

Properties go through the policy SDK's own unknown-checking proxy (`policies.pack.proxied`),
so a rule sees the same read-only mappings it gets from `pulumi preview`.
"""

from __future__ import annotations

import json
from typing import Any

from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from policies.pack import proxied
from policies.tenant_index import TenantIndex, index_of
from tenant_file.config import TenantConfig
from tests.tenant_files import example as example
from tests.tenant_files import example_tenants as example_tenants

ACME_PORTAL = "arn:aws:iam::111122223333:role/acme-portal"
STACK_URN = "urn:pulumi:dev::quicksight-embedding::"


def example_index() -> TenantIndex:
    return index_of(example_tenants())


def options(*, protect: bool = False, parent: str | None = None) -> PolicyResourceOptions:
    return PolicyResourceOptions(protect, [], None, [], PolicyCustomTimeouts(0, 0, 0), [], parent)


def resource_args(
    type_token: str, props: dict[str, Any], name: str = "r"
) -> ResourceValidationArgs:
    urn = f"{STACK_URN}{type_token}::{name}"
    return ResourceValidationArgs(type_token, proxied(props), urn, name, options(), None)


class Reported(list[str]):
    """A ReportViolation that keeps the messages."""

    def __call__(self, message: str, urn: str | None = None) -> None:
        self.append(message)


def violations(policy: ResourceValidationPolicy, args: ResourceValidationArgs) -> list[str]:
    found = Reported()
    policy.validate(args, found)
    return list(found)


def check(policy: ResourceValidationPolicy, type_token: str, props: dict[str, Any]) -> list[str]:
    return violations(policy, resource_args(type_token, props))


def stack_resource(
    type_token: str,
    props: dict[str, Any],
    name: str = "r",
    *,
    parent: PolicyResource | None = None,
    protect: bool = False,
) -> PolicyResource:
    urn = f"{STACK_URN}{type_token}::{name}"
    opts = options(protect=protect, parent=parent.urn if parent else None)
    return PolicyResource(type_token, proxied(props), urn, name, opts, None, parent, [], {})


def stack_violations(policy: StackValidationPolicy, resources: list[PolicyResource]) -> list[str]:
    found = Reported()
    policy.validate(StackValidationArgs(resources), found)
    return list(found)


def policy_json(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def trust(principal: Any, condition: dict[str, Any] | None = None) -> str:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": principal,
        "Action": "sts:AssumeRole",
    }
    if condition:
        statement["Condition"] = condition
    return policy_json(statement)


def allow(action: Any, resource: Any = "*") -> str:
    return policy_json({"Effect": "Allow", "Action": action, "Resource": resource})


def role(name: str = "qs-embed-acme", **props: Any) -> dict[str, Any]:
    """A role's input properties (wire names), trusting acme's portal by default."""
    return {"name": name, "assumeRolePolicy": trust({"AWS": [ACME_PORTAL]}), **props}


def variant(name: str, **changes: Any) -> TenantConfig:
    """An example tenant with some fields replaced, validated like a file."""
    data = example(name).model_dump(mode="python")
    return TenantConfig.model_validate({**data, **changes})
