"""A rule written as one check function: the decorator names it, and calling it with a tenant
index gives the Pulumi policy whose validate runs the check with that index."""

from __future__ import annotations

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from policies.resources import ROLE
from policies.rules.rule import ADVISORY, MANDATORY, resource_rule, stack_rule
from policies.tenant_index import TenantIndex
from tests.policies.pack_helpers import (
    example_index,
    resource_args,
    stack_resource,
    stack_violations,
    violations,
)

SEEN: list[tuple[TenantIndex, str]] = []


@resource_rule("test-resource-rule", "Reports each resource's type with its index's size.")
def reports_types(
    index: TenantIndex, args: ResourceValidationArgs, report: ReportViolation
) -> None:
    """What the rule checks (the policy factory's docstring)."""
    SEEN.append((index, args.resource_type))
    report(f"{args.resource_type} among {len(index.tenants)} tenants", None)


@stack_rule("test-stack-rule", "Counts the stack's resources.", ADVISORY)
def counts(index: TenantIndex, args: StackValidationArgs, report: ReportViolation) -> None:
    report(f"{len(args.resources)} resources, {len(index.tenants)} tenants", None)


def test_a_resource_rule_is_a_resource_policy_named_and_mandatory_by_default() -> None:
    policy = reports_types(TenantIndex())
    assert isinstance(policy, ResourceValidationPolicy)
    assert (policy.name, policy.description) == (
        "test-resource-rule",
        "Reports each resource's type with its index's size.",
    )
    assert policy.enforcement_level is MANDATORY is EnforcementLevel.MANDATORY
    assert reports_types.__doc__ == "What the rule checks (the policy factory's docstring)."


def test_the_policy_runs_the_check_with_the_index_it_was_made_with() -> None:
    index = example_index()
    SEEN.clear()
    found = violations(reports_types(index), resource_args(ROLE, {"name": "qs-embed-acme"}))
    assert found == [f"{ROLE} among {len(index.tenants)} tenants"]
    assert [(index, ROLE)] == SEEN
    assert index.tenants  # the example index is not empty: the count above is the index's


def test_a_stack_rule_is_a_stack_policy_at_its_level() -> None:
    index = example_index()
    policy = counts(index)
    assert isinstance(policy, StackValidationPolicy)
    assert policy.enforcement_level is ADVISORY
    stack = [stack_resource(ROLE, {"name": "a"}, "a"), stack_resource(ROLE, {"name": "b"}, "b")]
    assert stack_violations(policy, stack) == [f"2 resources, {len(index.tenants)} tenants"]
