"""Trust-policy rules (policies/rules/iam/trust.py), with crafted resources."""

from __future__ import annotations

from typing import Any

import pytest
from pulumi_policy import EnforcementLevel

from policies.resources import (
    ROLE,
)
from policies.rules.iam import trust as trust_rules
from policies.shards import ShardSelection
from policies.tenant_index import index_of
from tests.policies import iam_fixtures
from tests.policies.pack_helpers import (
    ACME_PORTAL,
    check,
    example,
    example_index,
    role,
    trust,
)
from tests.policies.pack_helpers import policy_json as doc
from tests.policies.rules.iam.rule_helpers import (
    TRUST_ACCOUNT_ROOT_NEEDS_CONDITION,
    TRUST_NO_WILDCARD_PRINCIPAL,
)

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


def test_a_neighbour_of_a_root_trusted_in_another_shard_is_refused() -> None:
    """The review's high finding: `rooted` (shard 0) trusts account 111122223333's root;
    initech's stack (shard 1) declares a role trusting an app of that account. The shard's
    index holds initech alone, the whole directory beside it: the neighbour's role is refused,
    though it trusts no root itself."""
    from policies.pack import shard_index

    rooted = iam_fixtures.tenant(
        tenant="rooted",
        embedding={"app_principals": ["arn:aws:iam::111122223333:root"], "external_id": "r-0001"},
    )
    initech = iam_fixtures.tenant()
    index = shard_index(index_of([rooted, initech]), ShardSelection(1, 2))
    assert [t.tenant for t in index.tenants] == ["initech"]
    rule = trust_rules.trust_root_without_neighbours(index)
    app = "arn:aws:iam::111122223333:role/initech-app"
    props = role("qs-embed-initech", assumeRolePolicy=trust({"AWS": [app]}))

    [message] = check(rule, ROLE, props)

    assert message == (
        f"role qs-embed-initech trust policy statement 0: {app} lives in account 111122223333, "
        "whose root tenant rooted trusts as a whole; the ExternalId is readable in the tenant "
        "files, so this app could assume that tenant's embed role: the root-trusting tenant "
        "must list its exact app role ARNs instead"
    )
    # One step past the edge: an app of another account is nobody's neighbour.
    other = role("qs-embed-initech", assumeRolePolicy=trust({"AWS": [PARTNER_ROLE]}))
    assert check(rule, ROLE, other) == []
    # Without the directory (the shard's tenants alone) the rule could not have seen it.
    alone = trust_rules.trust_root_without_neighbours(index_of([initech]))
    assert check(alone, ROLE, props) == []


PARTNER_ROLE = "arn:aws:iam::444455556666:role/initech-partner"


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
