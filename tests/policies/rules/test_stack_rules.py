"""Stack rules over crafted stacks: one embed role per tenant, nothing shared between tenants."""

from __future__ import annotations

from pulumi_policy import PolicyResource

from policies.project import TENANT_STACK
from policies.resources import QS_NAMESPACE, QS_USER, ROLE
from policies.rules import stack_rules
from policies.tenant_index import TenantIndex
from tenant_file.errors import Problem
from tests.policies.pack_helpers import (
    example_index,
    example_tenants,
    stack_resource,
    stack_violations,
)


def component(name: str) -> PolicyResource:
    return stack_resource(TENANT_STACK, {}, name)


def embed_role(tenant: str, parent: PolicyResource | None = None) -> PolicyResource:
    return stack_resource(ROLE, {"name": f"qs-embed-{tenant}"}, f"{tenant}.role", parent=parent)


def test_one_embed_role_per_tenant() -> None:
    rule = stack_rules.one_embed_role_per_tenant(example_index())
    assert stack_violations(rule, [embed_role("acme"), embed_role("globex")]) == []
    found = stack_violations(rule, [embed_role("acme"), embed_role("acme"), embed_role("initech")])
    assert found == [
        "tenant acme: the stack declares 2 roles named qs-embed-acme; each tenant has exactly "
        "one embed role",
        "tenant globex: the stack declares 0 roles named qs-embed-globex; each tenant has "
        "exactly one embed role",
        "role qs-embed-initech: an embed role no tenant file declares",
    ]


def test_tenants_never_share_a_namespace() -> None:
    acme, globex = component("acme"), component("globex")
    stack = [
        acme,
        globex,
        stack_resource(QS_NAMESPACE, {"namespace": "acme"}, "ns", parent=acme),
        stack_resource(QS_USER, {"namespace": "acme", "userName": "x"}, "u", parent=globex),
    ]
    assert stack_violations(stack_rules.no_shared_namespace_or_role(TenantIndex()), stack) == [
        "namespace acme is used by TenantStack acme and TenantStack globex; tenants never "
        "share a namespace"
    ]


def test_tenants_never_share_a_role() -> None:
    acme, globex = component("acme"), component("globex")
    session_of_acme_role = {
        "namespace": "globex",
        "identityType": "IAM",
        "iamArn": "arn:aws:iam::111122223333:role/qs-embed-acme",
        "sessionName": "dana",
    }
    stack = [
        acme,
        globex,
        embed_role("acme", acme),
        stack_resource(QS_USER, session_of_acme_role, "dana", parent=globex),
    ]
    assert stack_violations(stack_rules.no_shared_namespace_or_role(TenantIndex()), stack) == [
        "role qs-embed-acme is used by TenantStack acme and TenantStack globex; tenants never "
        "share a role"
    ]


def test_separate_tenants_pass() -> None:
    acme, globex = component("acme"), component("globex")
    stack = [
        acme,
        globex,
        embed_role("acme", acme),
        embed_role("globex", globex),
        stack_resource(QS_NAMESPACE, {"namespace": "acme"}, "a", parent=acme),
        stack_resource(QS_NAMESPACE, {"namespace": "globex"}, "g", parent=globex),
    ]
    assert stack_violations(stack_rules.no_shared_namespace_or_role(TenantIndex()), stack) == []


def test_broken_tenant_files_refuse_the_stack() -> None:
    index = TenantIndex(
        problems=(Problem("tenants/acme.yaml", "users[0].role", "allowed: AUTHOR"),)
    )
    assert stack_violations(stack_rules.tenant_files_valid(index), []) == [
        "tenant files: tenants/acme.yaml: users[0].role: allowed: AUTHOR"
    ]
    valid = stack_rules.tenant_files_valid(TenantIndex(example_tenants()))
    assert stack_violations(valid, []) == []
