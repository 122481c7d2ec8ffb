"""What the program would declare for a set of tenants, as the policy engine sees it."""

from __future__ import annotations

import pulumi_aws as aws

from policies.project import QS_DYNAMIC_USER, TENANT_STACK
from policies.resources import ROLE
from review.declared import declare_program
from tests.policies.pack_helpers import trust
from tests.tenant_files import example


def test_each_registration_becomes_a_declared_resource_with_its_parent() -> None:
    declared = declare_program([example("acme")])
    by_urn = {d.resource.urn: d for d in declared}
    assert len(by_urn) == len(declared)
    [stack] = [d for d in declared if d.resource.resource_type == TENANT_STACK]
    assert stack.resource.name == "acme"
    assert stack.resource.parent is None
    users = [d for d in declared if d.resource.resource_type == QS_DYNAMIC_USER]
    assert len(users) == len(example("acme").users)
    for user in users:
        assert user.resource.parent is stack.resource
        assert user.resource.opts.parent == stack.resource.urn


def test_a_component_shows_the_outputs_the_program_exports_for_it() -> None:
    [stack] = [
        d.resource
        for d in declare_program([example("acme")])
        if d.resource.resource_type == TENANT_STACK
    ]
    assert stack.props["embedRoleArn"] == "arn:aws:iam::111122223333:role/qs-embed-acme"
    assert stack.props["namespace"] == "acme"
    assert stack.props["retainUsersOnDelete"] is True


def test_a_custom_resource_shows_its_inputs_and_its_state() -> None:
    [role] = [d for d in declare_program([example("acme")]) if d.resource.resource_type == ROLE]
    assert role.inputs["name"] == "qs-embed-acme"
    assert role.resource.props["name"] == "qs-embed-acme"
    assert role.resource.props["maxSessionDuration"] == 3600


def test_extra_resources_are_declared_too_outside_every_tenant_stack() -> None:
    def rogue() -> None:
        aws.iam.Role("rogue", name="qs-embed-rogue", assume_role_policy=trust("*"))

    declared = declare_program([example("acme")], rogue)
    roles = {d.resource.name: d.resource for d in declared if d.resource.resource_type == ROLE}
    assert roles["rogue"].parent is None
    assert roles["rogue"].props["name"] == "qs-embed-rogue"
    assert len(roles) == 2
