"""Rules on what a tenant may embed beyond the console: anonymous scope, console opt-in."""

from __future__ import annotations

from typing import Any

import pytest

from policies.embed_role import (
    allowed_domains_guard,
    embed_role_permissions_policy,
    embed_role_trust_policy,
    policy_json,
)
from policies.resources import ROLE, ROLE_POLICY
from policies.rules import experience_rules, iam
from policies.rules.iam import permissions
from policies.tenant_index import index_of
from tests.policies.pack_helpers import allow, check, example, example_index, role, variant
from tests.policies.pack_helpers import policy_json as doc

ACCOUNT = "111122223333"
QS = f"arn:aws:quicksight:us-east-1:{ACCOUNT}"
ANONYMOUS = "quicksight:GenerateEmbedUrlForAnonymousUser"


def anonymous_scope(role_name: str, action: Any, resource: Any) -> list[str]:
    rule = experience_rules.embed_role_anonymous_scope(example_index())
    return check(rule, ROLE_POLICY, {"role": role_name, "policy": allow(action, resource)})


def test_the_rendered_acme_role_passes_every_rule() -> None:
    acme = example("acme")
    assert acme.anonymous is not None
    permissions = embed_role_permissions_policy(acme, partition="aws", account_id=ACCOUNT)
    props = role(
        acme.role_name,
        assumeRolePolicy=policy_json(embed_role_trust_policy(acme)),
        inlinePolicies=[{"name": "quicksight-embedding", "policy": policy_json(permissions)}],
        maxSessionDuration=3600,
    )
    for rule in [*iam.rules(example_index()), *experience_rules.rules(example_index())]:
        assert check(rule, ROLE, props) == [], rule.name


def test_the_tenants_namespace_and_dashboards_pass() -> None:
    own = [f"{QS}:namespace/acme", f"{QS}:dashboard/public-kpis"]
    assert anonymous_scope("qs-embed-acme", ANONYMOUS, own) == []


@pytest.mark.parametrize(
    "resource",
    [
        f"{QS}:namespace/globex",  # another tenant's readers' namespace
        f"{QS}:dashboard/sales-overview",  # a registered users' dashboard, not an anonymous one
        f"{QS}:dashboard/*",
        f"{QS}:dashboard/public-kpis*",
        f"{QS}:namespace/*",
        "*",
        f"arn:aws:quicksight:eu-west-1:{ACCOUNT}:dashboard/public-kpis",
        "arn:aws:quicksight:us-east-1:444455556666:dashboard/public-kpis",
    ],
)
def test_anything_else_is_refused(resource: str) -> None:
    [message] = anonymous_scope("qs-embed-acme", ANONYMOUS, [f"{QS}:namespace/acme", resource])
    assert f"on {resource!r}, beyond tenant acme's namespace" in message


def test_a_tenant_without_anonymous_readers_may_not_mint_for_them() -> None:
    [message] = anonymous_scope("qs-embed-globex", ANONYMOUS, f"{QS}:namespace/globex")
    assert "tenant globex's file has no anonymous section" in message
    # A wildcard reaching the action is judged by what it reaches.
    [wild] = anonymous_scope("qs-embed-globex", "quicksight:GenerateEmbedUrlFor*", "*")
    assert "no anonymous section" in wild


def test_not_resource_is_refused() -> None:
    rule = experience_rules.embed_role_anonymous_scope(example_index())
    policy = doc({"Effect": "Allow", "Action": ANONYMOUS, "NotResource": f"{QS}:dashboard/x"})
    [message] = check(rule, ROLE_POLICY, {"role": "qs-embed-acme", "policy": policy})
    assert "with NotResource" in message


def test_console_actions_only_for_tenants_that_list_the_console() -> None:
    acme = example("acme").model_dump(mode="python")
    no_console = variant(
        "acme",
        embedding={**acme["embedding"], "experiences": ["dashboard"]},
        anonymous={**acme["anonymous"], "session_tags": {"keys": ["region"]}},
    )
    rule = experience_rules.embed_role_console_only_if_allowed(index_of([no_console]))
    [message] = check(
        rule,
        ROLE_POLICY,
        {"role": "qs-embed-acme", "policy": allow("quicksight:GetSessionEmbedUrl")},
    )
    assert "tenant acme's embedding.experiences (dashboard) do not list console" in message
    # Its rendered policy has neither GetSessionEmbedUrl nor GetAuthCode.
    rendered = embed_role_permissions_policy(no_console, partition="aws", account_id=ACCOUNT)
    assert "GetSessionEmbedUrl" not in policy_json(rendered)
    assert "GetAuthCode" not in policy_json(rendered)
    with_console = experience_rules.embed_role_console_only_if_allowed(example_index())
    assert (
        check(
            with_console,
            ROLE_POLICY,
            {"role": "qs-embed-acme", "policy": allow("quicksight:GetSessionEmbedUrl")},
        )
        == []
    )


def test_anonymous_minting_needs_the_domain_guard_on_its_action() -> None:
    acme = example("acme")
    own = [f"{QS}:namespace/acme", f"{QS}:dashboard/public-kpis"]
    # The guard of a registered-users-only tenant does not cover the anonymous action.
    registered_only = allowed_domains_guard(variant("acme", anonymous=None))
    policy = doc({"Effect": "Allow", "Action": ANONYMOUS, "Resource": own}, *registered_only)
    rule = permissions.embed_role_allowed_domains(example_index())
    [message] = check(rule, ROLE_POLICY, {"role": "qs-embed-acme", "policy": policy})
    assert "without the Deny statements that limit quicksight:AllowedEmbeddingDomains" in message
    guarded = doc(
        {"Effect": "Allow", "Action": ANONYMOUS, "Resource": own}, *allowed_domains_guard(acme)
    )
    assert check(rule, ROLE_POLICY, {"role": "qs-embed-acme", "policy": guarded}) == []


def test_no_anonymous_section_no_anonymous_statement() -> None:
    globex = example("globex")
    rendered = embed_role_permissions_policy(globex, partition="aws", account_id=ACCOUNT)
    assert ANONYMOUS not in policy_json(rendered)
