"""How a rule of the pack is written: one function of the tenant index and what it checks,
named and described by its decorator. Calling the decorated function with the index gives its
Pulumi policy, so every rules module lists `rule(index)` for each of its rules.

    @resource_rule("iam-trust-no-wildcard-principal", "No role trusts '*'.")
    def trust_no_wildcard_principal(index, args, report): ...

    trust_no_wildcard_principal(index)  # -> ResourceValidationPolicy
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TypeVar

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from policies.tenant_index import TenantIndex

MANDATORY, ADVISORY = EnforcementLevel.MANDATORY, EnforcementLevel.ADVISORY

ResourceCheck = Callable[[TenantIndex, ResourceValidationArgs, ReportViolation], None]
StackCheck = Callable[[TenantIndex, StackValidationArgs, ReportViolation], None]
ResourceRule = Callable[[TenantIndex], ResourceValidationPolicy]
StackRule = Callable[[TenantIndex], StackValidationPolicy]
A = TypeVar("A", ResourceValidationArgs, StackValidationArgs)
P = TypeVar("P", ResourceValidationPolicy, StackValidationPolicy)


def resource_rule(
    name: str, description: str, level: EnforcementLevel = MANDATORY
) -> Callable[[ResourceCheck], ResourceRule]:
    """The rule `name` checking each resource with the decorated `check(index, args, report)`."""
    return _rule(ResourceValidationPolicy, name, description, level)


def stack_rule(
    name: str, description: str, level: EnforcementLevel = MANDATORY
) -> Callable[[StackCheck], StackRule]:
    """The rule `name` checking the whole stack with the decorated `check(index, args, report)`."""
    return _rule(StackValidationPolicy, name, description, level)


def _rule(
    policy: Callable[..., P], name: str, description: str, level: EnforcementLevel
) -> Callable[[Callable[[TenantIndex, A, ReportViolation], None]], Callable[[TenantIndex], P]]:
    def rule_of(
        check: Callable[[TenantIndex, A, ReportViolation], None],
    ) -> Callable[[TenantIndex], P]:
        def rule(index: TenantIndex) -> P:
            return policy(
                name=name,
                description=description,
                enforcement_level=level,
                validate=partial(check, index),
            )

        rule.__doc__ = check.__doc__
        return rule

    return rule_of
