"""IAM rules, called with crafted resources (good and bad), without the engine."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pulumi_policy import EnforcementLevel

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
    ROLE_POLICY_ATTACHMENT,
    ROLE_POLICY_ATTACHMENTS_EXCLUSIVE,
)
from policies.rules import iam
from policies.rules.iam import managed, permissions, session
from policies.rules.iam import trust as trust_rules
from policies.tenant_index import TenantIndex, index_of
from tenant_file.config import TenantConfig
from tests.policies import iam_fixtures
from tests.policies.pack_helpers import (
    ACME_PORTAL,
    allow,
    check,
    example,
    example_index,
    example_tenants,
    role,
    trust,
)
from tests.policies.pack_helpers import policy_json as doc

ACCOUNT = "111122223333"
USER_ARN = f"arn:aws:quicksight:us-east-1:{ACCOUNT}:user"

NO_TENANTS = index_of([])
"""The rules that judge a resource alone ignore the tenant index."""
NO_ADMIN_MANAGED_POLICIES = managed.no_admin_managed_policies(NO_TENANTS)
EMBED_ROLE_EMBEDDING_ACTIONS_ONLY = permissions.embed_role_embedding_actions_only(NO_TENANTS)
NO_WILDCARD_ACTIONS = permissions.no_wildcard_actions(NO_TENANTS)
RESOURCE_STAR_ONLY_WHERE_REQUIRED = permissions.resource_star_only_where_required(NO_TENANTS)
SESSION_DURATION_EMBEDDING = session.session_duration_embedding(NO_TENANTS)
SESSION_DURATION_LIMIT = session.session_duration_limit(NO_TENANTS)
TRUST_ACCOUNT_ROOT_NEEDS_CONDITION = trust_rules.trust_account_root_needs_condition(NO_TENANTS)
TRUST_NO_WILDCARD_PRINCIPAL = trust_rules.trust_no_wildcard_principal(NO_TENANTS)


def umbrella() -> TenantConfig:
    """The fixture tenant in the shared default namespace."""
    return iam_fixtures.example_or_fixture("umbrella")


def index_with_umbrella() -> TenantIndex:
    return index_of([*example_tenants(), umbrella()])


def rendered_role(tenant_name: str) -> dict[str, object]:
    """The embed role and its inline policy as the program renders them (policies.embed_role)."""
    t = umbrella() if tenant_name == "umbrella" else example(tenant_name)
    permissions = embed_role_permissions_policy(t, partition="aws", account_id=ACCOUNT)
    return role(
        t.role_name,
        assumeRolePolicy=policy_json(embed_role_trust_policy(t)),
        inlinePolicies=[{"name": "quicksight-embedding", "policy": policy_json(permissions)}],
        maxSessionDuration=3600,
    )


@pytest.mark.parametrize("tenant", ["acme", "globex", "umbrella"])
def test_every_iam_rule_accepts_the_rendered_embed_roles(tenant: str) -> None:
    for rule in iam.rules(index_with_umbrella()):
        assert check(rule, ROLE, rendered_role(tenant)) == [], rule.name


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
        "list the exact actions (embedding needs quicksight:GenerateEmbedUrlForRegisteredUser, "
        "quicksight:GetAuthCode, quicksight:GetSessionEmbedUrl, quicksight:RegisterUser)"
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


def test_unreadable_document_is_refused() -> None:
    [message] = check(NO_WILDCARD_ACTIONS, ROLE_POLICY, {"role": "x", "policy": "{"})
    assert message.startswith("role x policy 'r' is not valid JSON")
    assert message.endswith("it cannot be checked")


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


# -- trust ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "principal",
    ["*", {"AWS": "*"}, {"AWS": ["arn:aws:iam::111122223333:role/*"]}],
)
def test_trust_of_star_is_refused(principal: object) -> None:
    [message] = check(TRUST_NO_WILDCARD_PRINCIPAL, ROLE, role(assumeRolePolicy=trust(principal)))
    assert message.startswith("role qs-embed-acme trust policy statement 0: trusts ")
    assert "list the app's exact role ARNs" in message


def test_not_principal_with_allow_is_refused() -> None:
    policy = doc(
        {"Effect": "Allow", "NotPrincipal": {"AWS": ACME_PORTAL}, "Action": "sts:AssumeRole"}
    )
    [message] = check(TRUST_NO_WILDCARD_PRINCIPAL, ROLE, role(assumeRolePolicy=policy))
    assert "NotPrincipal in an Allow statement trusts every principal not listed" in message


@pytest.mark.parametrize("root", ["arn:aws:iam::111122223333:root", "111122223333"])
def test_trust_of_an_account_root_needs_a_condition(root: str) -> None:
    bare = role(assumeRolePolicy=trust({"AWS": root}))
    [message] = check(TRUST_ACCOUNT_ROOT_NEEDS_CONDITION, ROLE, bare)
    assert f"trusts the whole account {root} with no Condition" in message
    conditioned = role(
        assumeRolePolicy=trust({"AWS": root}, {"StringEquals": {"sts:ExternalId": "abc-123"}})
    )
    assert check(TRUST_ACCOUNT_ROOT_NEEDS_CONDITION, ROLE, conditioned) == []


def test_embed_role_trusts_only_the_tenant_app_principals() -> None:
    rule = trust_rules.trust_tenant_principals_only(example_index())
    stranger = "arn:aws:iam::999988887777:role/other-app"
    props = role(
        assumeRolePolicy=trust({"AWS": [ACME_PORTAL, stranger], "Service": "ec2.amazonaws.com"})
    )
    found = check(rule, ROLE, props)
    assert len(found) == 2
    assert f"trusts AWS '{stranger}', which tenant acme does not list" in found[0]
    assert "trusts Service 'ec2.amazonaws.com'" in found[1]


def test_embed_role_without_tenant_file() -> None:
    rule = trust_rules.trust_tenant_principals_only(example_index())
    [message] = check(rule, ROLE, role("qs-embed-initech"))
    assert "no tenant file declares the embed role qs-embed-initech" in message


def test_external_id_is_required_and_never_shown() -> None:
    rule = trust_rules.trust_requires_external_id(example_index())
    secret = "globex-embed-7f3c9a"
    principals = {"AWS": list(example("globex").embedding.app_principals)}
    missing = check(rule, ROLE, role("qs-embed-globex", assumeRolePolicy=trust(principals)))
    assert missing == [
        "role qs-embed-globex trust policy statement 0: allows sts:AssumeRole without the "
        "sts:ExternalId condition tenant globex sets in embedding.external_id"
    ]
    other = trust(principals, {"StringEquals": {"sts:ExternalId": "guessed"}})
    [wrong] = check(rule, ROLE, role("qs-embed-globex", assumeRolePolicy=other))
    assert "requires an sts:ExternalId other than tenant globex's" in wrong
    assert secret not in wrong
    assert "guessed" not in wrong
    right = trust(principals, {"StringEquals": {"sts:ExternalId": secret}})
    assert check(rule, ROLE, role("qs-embed-globex", assumeRolePolicy=right)) == []


# -- iam-trust-root-no-neighbours, iam-trust-other-account-external-id ----------------------

EXTERNAL_ID = {"StringEquals": {"sts:ExternalId": "acme-ext-0001"}}


@pytest.mark.parametrize("root", ["arn:aws:iam::111122223333:root", "111122223333"])
def test_a_root_where_another_tenants_app_lives_is_refused(root: str) -> None:
    """The reviewer's finding: acme trusting its account's root with an ExternalId let
    globex's app (same account, the ExternalId readable in the repository) assume it."""
    rule = trust_rules.trust_root_without_neighbours(example_index())
    props = role(assumeRolePolicy=trust({"AWS": root}, EXTERNAL_ID))
    [message] = check(rule, ROLE, props)
    assert message == (
        f"role qs-embed-acme trust policy statement 0: trusts the whole account {root}, where "
        "the app principals of tenant globex live; the ExternalId is readable in the tenant "
        "files, so such an app could assume this tenant's embed role: list this tenant's exact "
        "app role ARNs instead"
    )


def test_a_root_where_only_the_tenants_own_apps_live_passes() -> None:
    rule = trust_rules.trust_root_without_neighbours(index_of([example("acme")]))
    props = role(assumeRolePolicy=trust({"AWS": "arn:aws:iam::111122223333:root"}, EXTERNAL_ID))
    assert check(rule, ROLE, props) == []
    elsewhere = role(assumeRolePolicy=trust({"AWS": "arn:aws:iam::999988887777:root"}))
    assert check(trust_rules.trust_root_without_neighbours(example_index()), ROLE, elsewhere) == []


def test_an_app_of_another_account_without_external_id_gets_an_advisory() -> None:
    rule = trust_rules.trust_other_account_external_id(example_index())
    partner = "arn:aws:iam::444455556666:role/acme-partner"
    [message] = check(rule, ROLE, role(assumeRolePolicy=trust({"AWS": [ACME_PORTAL, partner]})))
    assert message == (
        f"role qs-embed-acme trust policy statement 0: trusts {partner} of account "
        "444455556666, not tenant acme's account 111122223333, without an sts:ExternalId; set "
        "embedding.external_id so that a role of that account cannot be used as a confused "
        "deputy"
    )
    assert rule.enforcement_level is EnforcementLevel.ADVISORY
    with_id = role(assumeRolePolicy=trust({"AWS": [partner]}, EXTERNAL_ID))
    assert check(rule, ROLE, with_id) == []
    assert check(rule, ROLE, role(assumeRolePolicy=trust({"AWS": [ACME_PORTAL]}))) == []


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


def _globex_trust(condition: dict[str, Any] | None) -> dict[str, object]:
    principals = {"AWS": list(example("globex").embedding.app_principals)}
    return role("qs-embed-globex", assumeRolePolicy=trust(principals, condition))


def test_iam_identity_trust_must_pin_session_names() -> None:
    rule = trust_rules.trust_session_names_pinned(example_index())
    [message] = check(rule, ROLE, _globex_trust(None))
    assert message == (
        "role qs-embed-globex trust policy statement 0: allows sts:AssumeRole with any session "
        "name, and with IAM identity the session name is the QuickSight user: pin "
        "sts:RoleSessionName with StringEquals to tenant globex's users (dana, eli, fatima)"
    )
    like = _globex_trust({"StringLike": {"sts:RoleSessionName": "*"}})
    [loose] = check(rule, ROLE, like)
    assert "allows sts:AssumeRole with any session name" in loose


def test_iam_identity_trust_may_not_allow_session_names_of_no_user() -> None:
    rule = trust_rules.trust_session_names_pinned(example_index())
    extra = _globex_trust({"StringEquals": {"sts:RoleSessionName": ["dana", "mallory", "*"]}})
    [message] = check(rule, ROLE, extra)
    assert (
        "sts:RoleSessionName allows *, mallory, which tenant globex's file has no user" in message
    )


def test_pinned_session_names_pass() -> None:
    rule = trust_rules.trust_session_names_pinned(example_index())
    exact = {"StringEquals": {"STS:RoleSessionName": ["dana", "eli", "fatima"]}}
    assert check(rule, ROLE, _globex_trust(exact)) == []
    fewer = {"StringEquals": {"sts:RoleSessionName": "dana"}}
    assert check(rule, ROLE, _globex_trust(fewer)) == []
    # QuickSight identity: the session name is not a user, nothing to pin.
    assert check(rule, ROLE, role(assumeRolePolicy=trust({"AWS": [ACME_PORTAL]}))) == []


# -- managed policies ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("type_token", "props"),
    [
        (ROLE, role(managedPolicyArns=["arn:aws:iam::aws:policy/AdministratorAccess"])),
        (
            ROLE_POLICY_ATTACHMENT,
            {"role": "qs-embed-acme", "policyArn": "arn:aws:iam::aws:policy/PowerUserAccess"},
        ),
        (
            ROLE_POLICY_ATTACHMENTS_EXCLUSIVE,
            {"roleName": "qs-embed-acme", "policyArns": ["arn:aws:iam::aws:policy/IAMFullAccess"]},
        ),
        (
            ROLE_POLICY_ATTACHMENT,
            {
                "role": "arn:aws:iam::111122223333:role/qs-embed-acme",
                "policyArn": "arn:aws:iam::aws:policy/AmazonQuickSightFullAccess",
            },
        ),
    ],
)
def test_admin_managed_policies_on_embed_roles(type_token: str, props: dict[str, object]) -> None:
    [message] = check(NO_ADMIN_MANAGED_POLICIES, type_token, props)
    assert message.startswith("role qs-embed-acme: managed policy arn:aws:iam::aws:policy/")
    assert "grants far more than embedding" in message


def test_admin_policies_on_other_roles_are_not_this_packs_business() -> None:
    props = {"role": "ci-admin", "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}
    assert check(NO_ADMIN_MANAGED_POLICIES, ROLE_POLICY_ATTACHMENT, props) == []


# -- session duration ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "advisory", "mandatory"),
    [(None, 0, 0), (3600, 0, 0), (3600.0, 0, 0), (7200, 1, 0), (43_200, 1, 0), (43_201, 0, 1)],
)
def test_session_duration(seconds: float | None, advisory: int, mandatory: int) -> None:
    props = role() if seconds is None else role(maxSessionDuration=seconds)
    assert len(check(SESSION_DURATION_EMBEDDING, ROLE, props)) == advisory
    assert len(check(SESSION_DURATION_LIMIT, ROLE, props)) == mandatory


def test_session_duration_messages() -> None:
    [advice] = check(SESSION_DURATION_EMBEDDING, ROLE, role(maxSessionDuration=7200))
    assert advice.startswith(
        "role qs-embed-acme: maxSessionDuration 7200 s; embedding needs at most 3600 s"
    )
    [limit] = check(SESSION_DURATION_LIMIT, ROLE, role(maxSessionDuration=50_000))
    assert (
        limit
        == "role qs-embed-acme: maxSessionDuration 50000 s is above IAM's maximum of 43200 s (12 h)"
    )


def test_levels() -> None:
    levels = {
        r.name: r.enforcement_level.value for r in iam.rules(example_index()) if r.enforcement_level
    }
    assert levels.pop("iam-session-duration-embedding") == "advisory"
    assert levels.pop("iam-trust-other-account-external-id") == "advisory"
    assert set(levels.values()) == {"mandatory"}


def test_documents_given_as_maps_are_read_too() -> None:
    policy = json.loads(allow("quicksight:*"))
    [message] = check(NO_WILDCARD_ACTIONS, MANAGED_POLICY, {"policy": policy, "name": "p"})
    assert message.startswith("managed policy p statement 0: 'quicksight:*'")
