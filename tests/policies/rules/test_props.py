"""Reading resources as the policy engine hands them: unknown values, parents."""

from __future__ import annotations

import pytest
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError

from policies.pack import proxied
from policies.project import TENANT_STACK
from policies.resources import ROLE
from policies.rules.props import known_text, tenant_stack_of
from tests.policies.pack_helpers import stack_resource


@pytest.mark.parametrize(
    ("props", "expected"),
    [
        ({"name": "qs-embed-acme"}, "qs-embed-acme"),
        ({}, None),
        ({"name": 3600}, None),  # not a string
        ({"name": UNKNOWN_STRING_VALUE}, None),  # known only at deploy (preview)
    ],
)
def test_known_text(props: dict[str, object], expected: str | None) -> None:
    assert known_text(proxied(props), "name") == expected


def test_an_unknown_value_raises_when_read_plainly() -> None:
    """What known_text is for: the engine's proxy refuses to hand an unknown out."""
    with pytest.raises(UnknownValueError):
        proxied({"name": UNKNOWN_STRING_VALUE})["name"]


def test_the_nearest_tenant_stack_above_a_resource() -> None:
    outer = stack_resource(TENANT_STACK, {}, "outer")
    stack = stack_resource(TENANT_STACK, {}, "acme", parent=outer)
    middle = stack_resource("pkg:index:Group", {}, "group", parent=stack)
    role = stack_resource(ROLE, {}, "role", parent=middle)
    assert tenant_stack_of(role) is stack
    assert tenant_stack_of(middle) is stack
    assert tenant_stack_of(stack) is outer  # its own type is not "above" it


def test_a_resource_outside_any_tenant_stack_has_none() -> None:
    group = stack_resource("pkg:index:Group", {}, "group")
    assert tenant_stack_of(stack_resource(ROLE, {}, "role", parent=group)) is None
    assert tenant_stack_of(group) is None
