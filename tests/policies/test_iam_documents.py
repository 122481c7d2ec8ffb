"""The embed role's IAM documents: least privilege, exact principals, StringEquals only."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from embedder.config import TenantConfig
from policies.iam import (
    GET_SESSION_EMBED_URL,
    embed_role_arn,
    embed_role_permissions_policy,
    embed_role_trust_policy,
    partition_for_region,
    policy_json,
    quicksight_user_arn,
    quicksight_user_name,
)
from policies.iam_actions import (
    action_resource_types,
    actions_without_resource_type,
    canonical_action,
)

from .iam_fixtures import ACCOUNT, example, tenant

ALL_EXAMPLES = ["acme", "globex"]


def _statements(document: dict[str, Any]) -> list[dict[str, Any]]:
    statements: list[dict[str, Any]] = document["Statement"]
    return statements


def _as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value


def _actions(document: dict[str, Any]) -> list[str]:
    return [a for s in _statements(document) for a in _as_list(s["Action"])]


def _permissions(t: TenantConfig, partition: str = "aws") -> dict[str, Any]:
    return embed_role_permissions_policy(t, partition=partition, account_id=ACCOUNT)


def _documents(t: TenantConfig) -> list[dict[str, Any]]:
    return [embed_role_trust_policy(t), _permissions(t)]


@pytest.mark.parametrize("name", ALL_EXAMPLES)
def test_no_wildcard_actions_and_only_allows(name: str) -> None:
    for document in _documents(example(name)):
        assert document["Version"] == "2012-10-17"
        for statement in _statements(document):
            assert statement["Effect"] == "Allow"
            assert statement["Sid"].isalnum(), "IAM Sids are alphanumeric"
            assert not any("*" in a or "?" in a for a in _as_list(statement["Action"]))
            assert "NotAction" not in statement
            assert "NotResource" not in statement
        assert "quicksight:*" not in policy_json(document)


@pytest.mark.parametrize("name", ALL_EXAMPLES)
def test_resource_star_only_on_get_session_embed_url(name: str) -> None:
    for statement in _statements(_permissions(example(name))):
        if statement["Resource"] == "*":
            assert statement["Action"] == GET_SESSION_EMBED_URL
        else:
            assert "*" not in statement["Resource"].rsplit("/", 1)[0], "only the user is open"
    assert GET_SESSION_EMBED_URL in actions_without_resource_type("quicksight")


@pytest.mark.parametrize("name", ALL_EXAMPLES)
def test_every_action_is_documented_and_scoped_to_its_resource_type(name: str) -> None:
    for statement in _statements(_permissions(example(name))):
        for action in _as_list(statement["Action"]):
            assert canonical_action(action) == action, f"{action} is not an IAM action"
            types = action_resource_types("quicksight")[action]
            if statement["Resource"] != "*":
                assert "user" in types, f"{action} cannot be scoped to users"


def test_quicksight_identity_scopes_users_to_the_tenant_namespace() -> None:
    acme = example("acme")
    scoped = _statements(_permissions(acme))[1]
    assert scoped["Resource"] == "arn:aws:quicksight:us-east-1:111122223333:user/acme/*"
    assert set(scoped["Action"]) == {
        "quicksight:GetAuthCode",
        "quicksight:DescribeUser",
        "quicksight:GenerateEmbedUrlForRegisteredUser",
    }
    assert "quicksight:RegisterUser" not in _actions(_permissions(acme))


def test_iam_identity_registers_only_its_own_sessions_just_in_time() -> None:
    globex = example("globex")
    statements = {s["Sid"]: s for s in _statements(_permissions(globex))}
    register = statements["RegisterTenantSessionsJustInTime"]
    assert register["Action"] == "quicksight:RegisterUser"
    assert register["Resource"] == "arn:aws:quicksight:us-east-1:111122223333:user/globex/*"
    assert register["Condition"] == {
        "StringEquals": {
            "quicksight:IamArn": "arn:aws:iam::111122223333:role/qs-embed-globex",
            "quicksight:SessionName": ["dana", "eli", "fatima"],
        }
    }
    sessions = statements["TenantRoleSessionUsersOnly"]
    assert sessions["Resource"] == (
        "arn:aws:quicksight:us-east-1:111122223333:user/globex/qs-embed-globex/*"
    )
    assert "quicksight:GetAuthCode" not in _actions(_permissions(globex))


@pytest.mark.parametrize("name", ALL_EXAMPLES)
def test_trust_names_exactly_the_app_principals(name: str) -> None:
    t = example(name)
    for statement in _statements(embed_role_trust_policy(t)):
        assert statement["Principal"] == {"AWS": list(t.embedding.app_principals)}
        assert set(_as_list(statement["Action"])) == {"sts:AssumeRole"}


@pytest.mark.parametrize("name", ALL_EXAMPLES)
def test_conditions_use_string_equals_only(name: str) -> None:
    for document in _documents(example(name)):
        for statement in _statements(document):
            assert set(statement.get("Condition", {"StringEquals": {}})) == {"StringEquals"}


def test_external_id_and_session_names_pin_the_assume_role() -> None:
    assume = _statements(embed_role_trust_policy(example("globex")))[0]
    assert assume["Action"] == "sts:AssumeRole"
    assert assume["Condition"]["StringEquals"] == {
        "sts:ExternalId": "globex-embed-7f3c9a",
        "sts:RoleSessionName": ["dana", "eli", "fatima"],
    }


def test_quicksight_identity_without_external_id_has_an_unconditioned_assume_role() -> None:
    # Exact principals are the whole check; the session name is not a user in this mode.
    assume = _statements(embed_role_trust_policy(example("acme")))[0]
    assert "Condition" not in assume


def test_trust_grants_nothing_but_assume_role() -> None:
    # No SetSourceIdentity/TagSession: the embedder uses neither (least privilege).
    for name in ALL_EXAMPLES:
        [statement] = _statements(embed_role_trust_policy(example(name)))
        assert statement["Action"] == "sts:AssumeRole"


def test_external_id_on_a_quicksight_tenant() -> None:
    t = tenant(embedding={"external_id": "initech-ext-0001"})
    condition = _statements(embed_role_trust_policy(t))[0]["Condition"]
    assert condition == {"StringEquals": {"sts:ExternalId": "initech-ext-0001"}}


def test_arns_follow_region_partition_and_identity() -> None:
    china = tenant(region="cn-north-1")
    partition = partition_for_region("cn-north-1")
    assert partition == "aws-cn"
    assert embed_role_arn(china, partition=partition, account_id=ACCOUNT) == (
        "arn:aws-cn:iam::111122223333:role/qs-embed-initech"
    )
    assert quicksight_user_arn(china, "peter", partition=partition, account_id=ACCOUNT) == (
        "arn:aws-cn:quicksight:cn-north-1:111122223333:user/initech/peter"
    )
    assert quicksight_user_name(china, "peter") == "peter"
    assert quicksight_user_name(example("globex"), "dana") == "qs-embed-globex/dana"


def test_documents_are_deterministic_and_compact() -> None:
    t = example("globex")
    assert policy_json(_permissions(t)) == policy_json(_permissions(t))
    assert " " not in policy_json(embed_role_trust_policy(example("acme")))


def test_resource_type_facts_match_the_reference() -> None:
    types = action_resource_types("quicksight")
    assert types["quicksight:GetSessionEmbedUrl"] == frozenset()
    for action in ("GetAuthCode", "DescribeUser", "RegisterUser"):
        assert types[f"quicksight:{action}"] == {"user"}
    assert canonical_action("QUICKSIGHT:getsessionembedurl") == GET_SESSION_EMBED_URL
    assert canonical_action("quicksight:NoSuchAction") is None
    with pytest.raises(KeyError):
        action_resource_types("no-such-service")


_names = st.lists(
    st.from_regex(r"[a-z][a-z0-9]{1,11}", fullmatch=True), min_size=1, max_size=6, unique=True
)
_roles = st.lists(
    st.from_regex(r"[a-z][a-z0-9-]{0,20}", fullmatch=True), min_size=1, max_size=4, unique=True
)


@settings(max_examples=40, deadline=None)
@given(
    identity=st.sampled_from(["quicksight", "iam"]), users=_names, roles=_roles, ext=st.booleans()
)
def test_any_tenant_gets_least_privilege(
    identity: str, users: list[str], roles: list[str], ext: bool
) -> None:
    principals = [f"arn:aws:iam::444455556666:role/{r}" for r in roles]
    t = tenant(
        users=[{"name": u, "email": f"{u}@x.example", "role": "AUTHOR"} for u in users],
        embedding={
            "identity": identity,
            "app_principals": principals,
            **({"external_id": "ext-id-0001"} if ext else {}),
        },
    )
    trust = embed_role_trust_policy(t)
    assert {p for s in _statements(trust) for p in s["Principal"]["AWS"]} == set(principals)
    permissions = _permissions(t)
    stars = [s for s in _statements(permissions) if s["Resource"] == "*"]
    assert [s["Action"] for s in stars] == [GET_SESSION_EMBED_URL]
    for statement in _statements(permissions)[1:]:
        assert statement["Resource"].startswith(
            f"arn:aws:quicksight:us-east-1:{ACCOUNT}:user/initech/"
        )
    assume = _statements(trust)[0].get("Condition", {}).get("StringEquals", {})
    assert ("sts:ExternalId" in assume) == ext
    assert ("sts:RoleSessionName" in assume) == (identity == "iam")


@pytest.mark.parametrize("name", ALL_EXAMPLES)
def test_parliament_finds_nothing_but_the_deliberate_string_equals(name: str) -> None:
    from parliament import analyze_policy_string

    analysed = analyze_policy_string(
        policy_json(_permissions(example(name))), ignore_private_auditors=True
    )
    # quicksight:IamArn is typed ARN; StringEquals on it is exact and usable, and the local
    # emulator matches StringEquals only, so ArnEquals is not used.
    issues = {f.issue for f in analysed.findings}
    assert issues <= {"MISMATCHED_TYPE_BUT_USABLE"}
