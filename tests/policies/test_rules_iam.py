"""IAM rules, called with crafted resources (good and bad), without the engine."""

from __future__ import annotations

import json

import pytest

from policies.iam import embed_role_permissions_policy, embed_role_trust_policy, policy_json
from policies.resources import (
    MANAGED_POLICY,
    ROLE,
    ROLE_POLICY,
    ROLE_POLICY_ATTACHMENT,
    ROLE_POLICY_ATTACHMENTS_EXCLUSIVE,
)
from policies.rules import iam_rules
from tests.policies.pack_helpers import (
    ACME_PORTAL,
    allow,
    check,
    example,
    example_index,
    role,
    trust,
)
from tests.policies.pack_helpers import policy_json as doc

ACCOUNT = "111122223333"


def rendered_role(tenant_name: str) -> dict[str, object]:
    """The embed role and its inline policy as the program renders them (policies.iam)."""
    t = example(tenant_name)
    permissions = embed_role_permissions_policy(t, partition="aws", account_id=ACCOUNT)
    return role(
        t.role_name,
        assumeRolePolicy=policy_json(embed_role_trust_policy(t)),
        inlinePolicies=[{"name": "quicksight-embedding", "policy": policy_json(permissions)}],
        maxSessionDuration=3600,
    )


@pytest.mark.parametrize("tenant", ["acme", "globex"])
def test_every_iam_rule_accepts_the_rendered_embed_roles(tenant: str) -> None:
    for rule in iam_rules.rules(example_index()):
        assert check(rule, ROLE, rendered_role(tenant)) == [], rule.name


# -- iam-no-wildcard-actions ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        ("*", "'*' allows every action of every AWS service"),
        ("quicksight:*", "'quicksight:*' allows every quicksight action"),
        ("quicksight:Get*", "'quicksight:Get*' also allows"),
        ("QuickSight:get*", "'QuickSight:get*' also allows"),
        ("quicksight:Describe?ser", None),  # only DescribeUser: an embedding action
        ("quicksight:GetSessionEmbed*", None),
        ("quicksight:NoSuch*", "matches no action AWS documents today"),
    ],
)
def test_wildcard_actions(action: str, expected: str | None) -> None:
    found = check(
        iam_rules.no_wildcard_actions, ROLE_POLICY, {"role": "x", "policy": allow(action)}
    )
    if expected is None:
        assert found == []
    else:
        assert len(found) == 1
        assert found[0].startswith("role x policy 'r' statement 0: ")
        assert expected in found[0]


def test_wildcard_message_names_what_get_star_adds() -> None:
    [message] = check(
        iam_rules.no_wildcard_actions,
        ROLE_POLICY,
        {"role": "x", "policy": allow("quicksight:Get*")},
    )
    assert "quicksight:GetDashboardEmbedUrl" in message
    assert "list the exact actions (embedding needs quicksight:DescribeUser" in message


def test_not_action_in_allow_is_a_wildcard() -> None:
    policy = doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})
    [message] = check(iam_rules.no_wildcard_actions, MANAGED_POLICY, {"policy": policy})
    assert "NotAction in an Allow statement allows every action except iam:*" in message


def test_deny_statements_may_use_wildcards() -> None:
    policy = doc({"Effect": "Deny", "Action": "*", "Resource": "*"})
    assert check(iam_rules.no_wildcard_actions, MANAGED_POLICY, {"policy": policy}) == []


def test_trust_wildcards_are_judged_against_the_trust_actions() -> None:
    narrow = doc({"Effect": "Allow", "Principal": {"AWS": ACME_PORTAL}, "Action": "sts:AssumeRol?"})
    assert check(iam_rules.no_wildcard_actions, ROLE, role(assumeRolePolicy=narrow)) == []
    broad = doc({"Effect": "Allow", "Principal": {"AWS": ACME_PORTAL}, "Action": "sts:Assume*"})
    [message] = check(iam_rules.no_wildcard_actions, ROLE, role(assumeRolePolicy=broad))
    assert "sts:AssumeRoleWithSAML" in message
    assert message.endswith("(embedding needs sts:AssumeRole)")


def test_wildcards_in_inline_policies_and_trust_policies() -> None:
    props = role(
        assumeRolePolicy=doc(
            {"Effect": "Allow", "Principal": {"AWS": ACME_PORTAL}, "Action": "sts:*"}
        ),
        inlinePolicies=[{"name": "extra", "policy": allow(["quicksight:*"])}],
    )
    found = check(iam_rules.no_wildcard_actions, ROLE, props)
    assert [m.split(":")[0] for m in found] == [
        "role qs-embed-acme trust policy statement 0",
        "role qs-embed-acme inline policy 'extra' statement 0",
    ]


def test_unreadable_document_is_refused() -> None:
    [message] = check(iam_rules.no_wildcard_actions, ROLE_POLICY, {"role": "x", "policy": "{"})
    assert message.startswith("role x policy 'r' is not valid JSON")
    assert message.endswith("it cannot be checked")


# -- iam-embed-role-embedding-actions-only -------------------------------------------------


def test_embed_role_may_not_grant_other_actions() -> None:
    props = {
        "role": "qs-embed-acme",
        "policy": allow(["quicksight:GetSessionEmbedUrl", "s3:GetObject"]),
    }
    [message] = check(iam_rules.embed_role_embedding_actions_only, ROLE_POLICY, props)
    assert "s3:GetObject is not needed to embed the console" in message


def test_other_roles_are_not_embed_roles() -> None:
    props = {"role": "ci-deployer", "policy": allow("s3:GetObject", "arn:aws:s3:::b/*")}
    assert check(iam_rules.embed_role_embedding_actions_only, ROLE_POLICY, props) == []


def test_embed_role_trust_allows_only_assume_and_source_identity() -> None:
    props = role(
        assumeRolePolicy=doc(
            {"Effect": "Allow", "Principal": {"AWS": ACME_PORTAL}, "Action": "sts:TagSession"}
        )
    )
    [message] = check(iam_rules.embed_role_embedding_actions_only, ROLE, props)
    assert "trust policy statement 0: sts:TagSession is not needed" in message
    assert "may allow only sts:AssumeRole" in message


# -- iam-resource-star-only-where-required -------------------------------------------------


def test_resource_star_is_allowed_for_get_session_embed_url() -> None:
    props = {"role": "qs-embed-acme", "policy": allow("quicksight:GetSessionEmbedUrl")}
    assert check(iam_rules.resource_star_only_where_required, ROLE_POLICY, props) == []


def test_resource_star_is_refused_for_scopable_actions() -> None:
    props = {"role": "qs-embed-acme", "policy": allow(["quicksight:GetAuthCode"])}
    [message] = check(iam_rules.resource_star_only_where_required, ROLE_POLICY, props)
    assert "Resource '*' with quicksight:GetAuthCode, which can be scoped to its user" in message


def test_resource_star_with_a_wildcard_names_a_scopable_action() -> None:
    props = {"role": "x", "policy": allow("quicksight:Get*")}
    [message] = check(iam_rules.resource_star_only_where_required, ROLE_POLICY, props)
    assert "quicksight:GetAuthCode" in message


def test_resource_star_with_an_unknown_action() -> None:
    props = {"role": "x", "policy": allow("quicksight:MintEverything")}
    [message] = check(iam_rules.resource_star_only_where_required, ROLE_POLICY, props)
    assert "is unknown to AWS's IAM definition" in message


def test_not_resource_in_allow_is_refused() -> None:
    policy = doc({"Effect": "Allow", "Action": "quicksight:GetAuthCode", "NotResource": "x"})
    [message] = check(
        iam_rules.resource_star_only_where_required, MANAGED_POLICY, {"policy": policy}
    )
    assert "NotResource in an Allow statement" in message


# -- trust ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "principal",
    ["*", {"AWS": "*"}, {"AWS": ["arn:aws:iam::111122223333:role/*"]}],
)
def test_trust_of_star_is_refused(principal: object) -> None:
    [message] = check(
        iam_rules.trust_no_wildcard_principal, ROLE, role(assumeRolePolicy=trust(principal))
    )
    assert message.startswith("role qs-embed-acme trust policy statement 0: trusts ")
    assert "list the app's exact role ARNs" in message


def test_not_principal_with_allow_is_refused() -> None:
    policy = doc(
        {"Effect": "Allow", "NotPrincipal": {"AWS": ACME_PORTAL}, "Action": "sts:AssumeRole"}
    )
    [message] = check(iam_rules.trust_no_wildcard_principal, ROLE, role(assumeRolePolicy=policy))
    assert "NotPrincipal in an Allow statement trusts every principal not listed" in message


@pytest.mark.parametrize("root", ["arn:aws:iam::111122223333:root", "111122223333"])
def test_trust_of_an_account_root_needs_a_condition(root: str) -> None:
    bare = role(assumeRolePolicy=trust({"AWS": root}))
    [message] = check(iam_rules.trust_account_root_needs_condition, ROLE, bare)
    assert f"trusts the whole account {root} with no Condition" in message
    conditioned = role(
        assumeRolePolicy=trust({"AWS": root}, {"StringEquals": {"sts:ExternalId": "abc-123"}})
    )
    assert check(iam_rules.trust_account_root_needs_condition, ROLE, conditioned) == []


def test_embed_role_trusts_only_the_tenant_app_principals() -> None:
    rule = iam_rules.trust_tenant_principals_only(example_index())
    stranger = "arn:aws:iam::999988887777:role/other-app"
    props = role(
        assumeRolePolicy=trust({"AWS": [ACME_PORTAL, stranger], "Service": "ec2.amazonaws.com"})
    )
    found = check(rule, ROLE, props)
    assert len(found) == 2
    assert f"trusts AWS '{stranger}', which tenant acme does not list" in found[0]
    assert "trusts Service 'ec2.amazonaws.com'" in found[1]


def test_embed_role_without_tenant_file() -> None:
    rule = iam_rules.trust_tenant_principals_only(example_index())
    [message] = check(rule, ROLE, role("qs-embed-initech"))
    assert "no tenant file declares the embed role qs-embed-initech" in message


def test_external_id_is_required_and_never_shown() -> None:
    rule = iam_rules.trust_requires_external_id(example_index())
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
    [message] = check(iam_rules.no_admin_managed_policies, type_token, props)
    assert message.startswith("role qs-embed-acme: managed policy arn:aws:iam::aws:policy/")
    assert "grants far more than embedding" in message


def test_admin_policies_on_other_roles_are_not_this_packs_business() -> None:
    props = {"role": "ci-admin", "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}
    assert check(iam_rules.no_admin_managed_policies, ROLE_POLICY_ATTACHMENT, props) == []


# -- session duration ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "advisory", "mandatory"),
    [(None, 0, 0), (3600, 0, 0), (3600.0, 0, 0), (7200, 1, 0), (43_200, 1, 0), (43_201, 0, 1)],
)
def test_session_duration(seconds: float | None, advisory: int, mandatory: int) -> None:
    props = role() if seconds is None else role(maxSessionDuration=seconds)
    assert len(check(iam_rules.session_duration_embedding, ROLE, props)) == advisory
    assert len(check(iam_rules.session_duration_limit, ROLE, props)) == mandatory


def test_session_duration_messages() -> None:
    [advice] = check(iam_rules.session_duration_embedding, ROLE, role(maxSessionDuration=7200))
    assert advice.startswith(
        "role qs-embed-acme: maxSessionDuration 7200 s; embedding needs at most 3600 s"
    )
    [limit] = check(iam_rules.session_duration_limit, ROLE, role(maxSessionDuration=50_000))
    assert (
        limit
        == "role qs-embed-acme: maxSessionDuration 50000 s is above IAM's maximum of 43200 s (12 h)"
    )


def test_levels() -> None:
    levels = {
        r.name: r.enforcement_level.value
        for r in iam_rules.rules(example_index())
        if r.enforcement_level
    }
    assert levels.pop("iam-session-duration-embedding") == "advisory"
    assert set(levels.values()) == {"mandatory"}


def test_documents_given_as_maps_are_read_too() -> None:
    policy = json.loads(allow("quicksight:*"))
    [message] = check(
        iam_rules.no_wildcard_actions, MANAGED_POLICY, {"policy": policy, "name": "p"}
    )
    assert message.startswith("managed policy p statement 0: 'quicksight:*'")
