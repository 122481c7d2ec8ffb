"""Permissions-policy rules (rules/iam/permissions.py), with crafted resources."""

from __future__ import annotations

from typing import Any

import pytest

from policies.embed_role import (
    allowed_domains_guard,
    embed_role_permissions_policy,
    embed_role_trust_policy,
    policy_json,
)
from policies.resources import (
    MANAGED_POLICY,
    ROLE,
    ROLE_POLICY,
)
from policies.rules import iam
from policies.rules.iam import permissions
from policies.tenant_index import TenantIndex, index_of
from tenant_file.config import TenantConfig
from tests.policies.pack_helpers import (
    ACME_PORTAL,
    allow,
    check,
    example,
    example_index,
    role,
)
from tests.policies.pack_helpers import policy_json as doc
from tests.policies.rules.iam.rule_helpers import (
    ACCOUNT,
    EMBED_ROLE_EMBEDDING_ACTIONS_ONLY,
    NO_WILDCARD_ACTIONS,
    RESOURCE_STAR_ONLY_WHERE_REQUIRED,
    USER_ARN,
    index_with_umbrella,
)

# -- iam-no-wildcard-actions ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        ("*", "'*' allows every action of every AWS service"),
        ("quicksight:*", "'quicksight:*' allows every quicksight action"),
        ("quicksight:Get*", "'quicksight:Get*' also allows"),
        ("QuickSight:get*", "'QuickSight:get*' also allows"),
        ("quicksight:GetAuthCod?", None),  # only GetAuthCode: an embedding action
        ("quicksight:Describe?ser", "also allows 1 actions embedding does not need"),
        ("quicksight:GetSessionEmbed*", None),
        ("quicksight:NoSuch*", "matches no action AWS documents today"),
    ],
)
def test_wildcard_actions(action: str, expected: str | None) -> None:
    found = check(
        NO_WILDCARD_ACTIONS,
        ROLE_POLICY,
        {"role": "x", "policy": allow(action)},
    )
    if expected is None:
        assert found == []
    else:
        assert len(found) == 1
        assert found[0].startswith("role x policy 'r' statement 0: ")
        assert expected in found[0]


def test_wildcard_message_names_what_get_star_adds() -> None:
    [message] = check(
        NO_WILDCARD_ACTIONS,
        ROLE_POLICY,
        {"role": "x", "policy": allow("quicksight:Get*")},
    )
    assert "quicksight:GetDashboardEmbedUrl" in message
    assert (
        "list the exact actions (embedding needs quicksight:GenerateEmbedUrlForAnonymousUser, "
        "quicksight:GenerateEmbedUrlForRegisteredUser, quicksight:GetAuthCode, "
        "quicksight:GetSessionEmbedUrl, quicksight:RegisterUser)"
    ) in message


def test_not_action_in_allow_is_a_wildcard() -> None:
    policy = doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})
    [message] = check(NO_WILDCARD_ACTIONS, MANAGED_POLICY, {"policy": policy})
    assert "NotAction in an Allow statement allows every action except iam:*" in message


def test_deny_statements_may_use_wildcards() -> None:
    policy = doc({"Effect": "Deny", "Action": "*", "Resource": "*"})
    assert check(NO_WILDCARD_ACTIONS, MANAGED_POLICY, {"policy": policy}) == []


def test_trust_wildcards_are_judged_against_the_trust_actions() -> None:
    narrow = doc({"Effect": "Allow", "Principal": {"AWS": ACME_PORTAL}, "Action": "sts:AssumeRol?"})
    assert check(NO_WILDCARD_ACTIONS, ROLE, role(assumeRolePolicy=narrow)) == []
    broad = doc({"Effect": "Allow", "Principal": {"AWS": ACME_PORTAL}, "Action": "sts:Assume*"})
    [message] = check(NO_WILDCARD_ACTIONS, ROLE, role(assumeRolePolicy=broad))
    assert "sts:AssumeRoleWithSAML" in message
    assert message.endswith("(embedding needs sts:AssumeRole)")


def test_wildcards_in_inline_policies_and_trust_policies() -> None:
    props = role(
        assumeRolePolicy=doc(
            {"Effect": "Allow", "Principal": {"AWS": ACME_PORTAL}, "Action": "sts:*"}
        ),
        inlinePolicies=[{"name": "extra", "policy": allow(["quicksight:*"])}],
    )
    found = check(NO_WILDCARD_ACTIONS, ROLE, props)
    assert [m.split(":")[0] for m in found] == [
        "role qs-embed-acme trust policy statement 0",
        "role qs-embed-acme inline policy 'extra' statement 0",
    ]


# -- iam-embed-role-embedding-actions-only -------------------------------------------------


def test_embed_role_may_not_grant_other_actions() -> None:
    props = {
        "role": "qs-embed-acme",
        "policy": allow(["quicksight:GetSessionEmbedUrl", "s3:GetObject"]),
    }
    [message] = check(EMBED_ROLE_EMBEDDING_ACTIONS_ONLY, ROLE_POLICY, props)
    assert "s3:GetObject is not needed to embed the console" in message


def test_other_roles_are_not_embed_roles() -> None:
    props = {"role": "ci-deployer", "policy": allow("s3:GetObject", "arn:aws:s3:::b/*")}
    assert check(EMBED_ROLE_EMBEDDING_ACTIONS_ONLY, ROLE_POLICY, props) == []


def test_embed_role_trust_allows_only_assume_and_source_identity() -> None:
    props = role(
        assumeRolePolicy=doc(
            {"Effect": "Allow", "Principal": {"AWS": ACME_PORTAL}, "Action": "sts:TagSession"}
        )
    )
    [message] = check(EMBED_ROLE_EMBEDDING_ACTIONS_ONLY, ROLE, props)
    assert "trust policy statement 0: sts:TagSession is not needed" in message
    assert "may allow only sts:AssumeRole" in message


# -- iam-resource-star-only-where-required -------------------------------------------------


def test_resource_star_is_allowed_for_get_session_embed_url() -> None:
    props = {"role": "qs-embed-acme", "policy": allow("quicksight:GetSessionEmbedUrl")}
    assert check(RESOURCE_STAR_ONLY_WHERE_REQUIRED, ROLE_POLICY, props) == []


def test_resource_star_is_refused_for_scopable_actions() -> None:
    props = {"role": "qs-embed-acme", "policy": allow(["quicksight:GetAuthCode"])}
    [message] = check(RESOURCE_STAR_ONLY_WHERE_REQUIRED, ROLE_POLICY, props)
    assert "Resource '*' with quicksight:GetAuthCode, which can be scoped to its user" in message


def test_resource_star_with_a_wildcard_names_a_scopable_action() -> None:
    props = {"role": "x", "policy": allow("quicksight:Get*")}
    [message] = check(RESOURCE_STAR_ONLY_WHERE_REQUIRED, ROLE_POLICY, props)
    assert "quicksight:GetAuthCode" in message


def test_resource_star_with_an_unknown_action() -> None:
    props = {"role": "x", "policy": allow("quicksight:MintEverything")}
    [message] = check(RESOURCE_STAR_ONLY_WHERE_REQUIRED, ROLE_POLICY, props)
    assert "is unknown to AWS's IAM definition" in message


def test_not_resource_in_allow_is_refused() -> None:
    policy = doc({"Effect": "Allow", "Action": "quicksight:GetAuthCode", "NotResource": "x"})
    [message] = check(
        RESOURCE_STAR_ONLY_WHERE_REQUIRED,
        MANAGED_POLICY,
        {"policy": policy},
    )
    assert "NotResource in an Allow statement" in message


# -- iam-embed-role-tenant-users-only ------------------------------------------------------


def users_only(role_name: str, action: object, resource: object) -> list[str]:
    rule = permissions.embed_role_tenant_users_only(index_with_umbrella())
    return check(rule, ROLE_POLICY, {"role": role_name, "policy": allow(action, resource)})


def test_get_auth_code_on_every_user_of_every_account_is_refused() -> None:
    """The reviewer's policy: it passed `qs-embed check` with 0 mandatory violations."""
    [message] = users_only(
        "qs-embed-acme", "quicksight:GetAuthCode", "arn:aws:quicksight:*:*:user/*"
    )
    assert message == (
        "role qs-embed-acme policy 'r' statement 0: quicksight:GetAuthCode on "
        "'arn:aws:quicksight:*:*:user/*' reaches beyond tenant acme's users; tenant acme's "
        f"users are {USER_ARN}/acme/*"
    )


@pytest.mark.parametrize(
    "resource",
    [
        "*",
        f"{USER_ARN}/*",
        f"{USER_ARN}/globex/*",
        f"{USER_ARN}/acme*",
        f"{USER_ARN}/acm?/*",
        f"{USER_ARN}/default/alice",
        "arn:aws:quicksight:us-west-2:111122223333:user/acme/*",
        "arn:aws:quicksight:*:111122223333:user/acme/*",
        "arn:aws:quicksight:us-east-1:444455556666:user/acme/*",
        "arn:aws:quicksight:us-east-1:*:user/acme/*",
        "arn:aws-cn:quicksight:us-east-1:111122223333:user/acme/*",
        "arn:*:quicksight:us-east-1:111122223333:user/acme/*",
    ],
)
def test_user_actions_outside_the_tenant_namespace_are_refused(resource: str) -> None:
    [message] = users_only(
        "qs-embed-acme", ["quicksight:GenerateEmbedUrlForRegisteredUser"], resource
    )
    assert f"on {resource!r} reaches beyond tenant acme's users" in message


@pytest.mark.parametrize("resource", [f"{USER_ARN}/acme/*", f"{USER_ARN}/acme/alice"])
def test_user_actions_in_the_tenant_namespace_pass(resource: str) -> None:
    actions = ["quicksight:GetAuthCode", "quicksight:GenerateEmbedUrlForRegisteredUser"]
    assert users_only("qs-embed-acme", actions, resource) == []


def test_actions_without_the_user_resource_type_are_not_this_rules_business() -> None:
    assert users_only("qs-embed-acme", "quicksight:GetSessionEmbedUrl", "*") == []
    assert users_only("qs-embed-acme", "iam:GetUser", "*") == []


def test_wildcard_actions_are_judged_by_the_user_actions_they_reach() -> None:
    [message] = users_only("qs-embed-acme", "quicksight:GetAuth*", f"{USER_ARN}/*")
    assert message.startswith("role qs-embed-acme policy 'r' statement 0: quicksight:GetAuthCode ")
    [everything] = users_only("qs-embed-acme", "*", "*")
    assert "quicksight:" in everything
    assert "reaches beyond tenant acme's users" in everything


def test_iam_identity_user_actions_reach_only_the_role_sessions() -> None:
    sessions = f"{USER_ARN}/globex/qs-embed-globex/*"
    assert users_only("qs-embed-globex", "quicksight:RegisterUser", sessions) == []
    [message] = users_only("qs-embed-globex", "quicksight:RegisterUser", f"{USER_ARN}/globex/*")
    assert message.endswith(f"tenant globex's sessions of its embed role are {sessions}")


def test_default_namespace_allows_only_the_exact_users_of_the_file() -> None:
    exact = [f"{USER_ARN}/default/ada", f"{USER_ARN}/default/wesker"]
    assert users_only("qs-embed-umbrella", "quicksight:GetAuthCode", exact) == []
    for resource in (f"{USER_ARN}/default/*", f"{USER_ARN}/default/admin", f"{USER_ARN}/*"):
        [message] = users_only("qs-embed-umbrella", "quicksight:GetAuthCode", resource)
        assert f"on {resource!r} reaches beyond tenant umbrella's users" in message
        assert "the default namespace holds every user of the account (administrators too)" in (
            message
        )


def test_not_resource_with_user_actions_is_refused() -> None:
    rule = permissions.embed_role_tenant_users_only(example_index())
    policy = doc({"Effect": "Allow", "Action": "quicksight:GetAuthCode", "NotResource": "x"})
    [message] = check(rule, ROLE_POLICY, {"role": "qs-embed-acme", "policy": policy})
    assert "quicksight:GetAuthCode with NotResource reaches every user not listed" in message


def test_an_account_left_to_the_caller_must_still_be_one_account() -> None:
    t = example("acme")
    no_account = TenantConfig.model_validate({**t.model_dump(mode="python"), "account_id": None})
    rule = permissions.embed_role_tenant_users_only(index_of([no_account]))

    def found(resource: str) -> list[str]:
        props = {"role": "qs-embed-acme", "policy": allow("quicksight:GetAuthCode", resource)}
        return check(rule, ROLE_POLICY, props)

    assert found("arn:aws:quicksight:us-east-1:444455556666:user/acme/*") == []
    assert found("arn:aws:quicksight:us-east-1:<account>:user/acme/*") == []  # offline plan
    [message] = found("arn:aws:quicksight:us-east-1:*:user/acme/*")
    assert "tenant acme's users are arn:aws:quicksight:us-east-1:<account>:user/acme/*" in message


def test_roles_without_a_tenant_file_are_left_to_the_stack_rule() -> None:
    assert users_only("qs-embed-initech", "quicksight:GetAuthCode", "*") == []
    assert users_only("ci-deployer", "quicksight:GetAuthCode", "*") == []


# -- iam-embed-role-register-user-opt-in, iam-embed-role-allowed-domains --------------------

SESSIONS = f"{USER_ARN}/globex/qs-embed-globex/*"
GLOBEX_ROLE = f"arn:aws:iam::{ACCOUNT}:role/qs-embed-globex"


def _register(condition: dict[str, Any] | None) -> str:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Action": "quicksight:RegisterUser",
        "Resource": SESSIONS,
    }
    if condition is not None:
        statement["Condition"] = condition
    return doc(statement)


def _opted_in_index() -> TenantIndex:
    globex = example("globex")
    embedding = globex.embedding.model_copy(update={"register_on_first_use": True})
    return index_of([example("acme"), globex.model_copy(update={"embedding": embedding})])


PINNED = {
    "ArnEquals": {"quicksight:IamArn": GLOBEX_ROLE},
    "StringEquals": {"quicksight:SessionName": ["dana", "eli"]},
}


def test_register_user_is_refused_unless_the_tenant_opts_in() -> None:
    rule = permissions.embed_role_register_user_opt_in(example_index())
    [message] = check(rule, ROLE_POLICY, {"role": "qs-embed-globex", "policy": _register(PINNED)})
    assert message == (
        "role qs-embed-globex policy 'r' statement 0: allows quicksight:RegisterUser, but tenant "
        "globex does not opt in to just-in-time registration (embedding.register_on_first_use: "
        "true, iam identity only); the stack registers its users, and RegisterUser would let "
        "its app pick any role (ADMIN) and profile"
    )
    [wildcard] = check(rule, ROLE_POLICY, {"role": "qs-embed-acme", "policy": allow("*", "*")})
    assert "tenant acme does not opt in" in wildcard


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (PINNED, None),
        (None, "quicksight:IamArn must be pinned with ArnEquals to the role qs-embed-globex"),
        (
            {**PINNED, "ArnEquals": {"quicksight:IamArn": "arn:aws:iam::*:role/qs-embed-globex"}},
            "quicksight:IamArn must be pinned",
        ),
        (
            {**PINNED, "ArnEquals": {"quicksight:IamArn": f"arn:aws:iam::{ACCOUNT}:role/admin"}},
            "quicksight:IamArn must be pinned",
        ),
        (
            {"ArnEquals": PINNED["ArnEquals"]},
            "quicksight:SessionName must be pinned with StringEquals to tenant globex's users",
        ),
        (
            {**PINNED, "StringEquals": {"quicksight:SessionName": ["dana", "mallory"]}},
            "quicksight:SessionName must be pinned",
        ),
    ],
    ids=["pinned", "none", "any-account", "other-role", "no-session", "session-of-no-user"],
)
def test_an_opted_in_tenant_registers_only_its_role_and_sessions(
    condition: dict[str, Any] | None, expected: str | None
) -> None:
    rule = permissions.embed_role_register_user_opt_in(_opted_in_index())
    found = check(rule, ROLE_POLICY, {"role": "qs-embed-globex", "policy": _register(condition)})
    if expected is None:
        assert found == []
    else:
        [message] = found
        assert expected in message


def test_generating_urls_needs_the_files_domain_guard() -> None:
    rule = permissions.embed_role_allowed_domains(example_index())
    generate = {
        "Effect": "Allow",
        "Action": "quicksight:GenerateEmbedUrlForRegisteredUser",
        "Resource": f"{USER_ARN}/acme/*",
    }
    [message] = check(rule, ROLE_POLICY, {"role": "qs-embed-acme", "policy": doc(generate)})
    assert message == (
        "role qs-embed-acme policy 'r' statement 0: allows "
        "quicksight:GenerateEmbedUrlForRegisteredUser without the Deny statements that limit "
        "quicksight:AllowedEmbeddingDomains to tenant acme's embedding.allowed_domains "
        "(https://portal.acme.example); without them the app may let any site frame the console"
    )
    acme = example("acme")
    guarded = doc(generate, *allowed_domains_guard(acme))
    assert check(rule, ROLE_POLICY, {"role": "qs-embed-acme", "policy": guarded}) == []
    # globex's guard (no domains: none may be sent) is not acme's.
    other = doc(generate, *allowed_domains_guard(example("globex")))
    assert len(check(rule, ROLE_POLICY, {"role": "qs-embed-acme", "policy": other})) == 1


def test_an_opted_in_rendered_role_passes_every_rule() -> None:
    index = _opted_in_index()
    globex = index.by_role("qs-embed-globex")
    assert globex is not None
    permissions = embed_role_permissions_policy(globex, partition="aws", account_id=ACCOUNT)
    assert "quicksight:RegisterUser" in policy_json(permissions)
    props = role(
        globex.role_name,
        assumeRolePolicy=policy_json(embed_role_trust_policy(globex)),
        inlinePolicies=[{"name": "quicksight-embedding", "policy": policy_json(permissions)}],
        maxSessionDuration=3600,
    )
    for rule in iam.rules(index):
        assert check(rule, ROLE, props) == [], rule.name
