"""The embed role's IAM documents: least privilege, exact principals, only the tenant's users."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policies.action_wildcards import EMBEDDING_ACTIONS, resource_types
from policies.authorization_reference import action_resource_types
from policies.embed_role import (
    ALLOWED_EMBEDDING_DOMAINS,
    GENERATE_EMBED_URL,
    GET_SESSION_EMBED_URL,
    embed_role_permissions_policy,
    embed_role_trust_policy,
    embed_url_actions,
    policy_json,
    tenant_user_resources,
)
from tenant_file.config import TenantConfig
from tenant_file.names import partition_for_region
from tests.profiles import examples

from .iam_fixtures import ACCOUNT, example_or_fixture, tenant

ALL_EXAMPLES = ["acme", "globex", "umbrella"]
USER_ARN = "arn:aws:quicksight:us-east-1:111122223333:user"


def _statements(document: dict[str, Any]) -> list[dict[str, Any]]:
    statements: list[dict[str, Any]] = document["Statement"]
    return statements


def _as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value


def _actions(document: dict[str, Any]) -> list[str]:
    """What the document allows."""
    return [a for s in _allows(document) for a in _as_list(s["Action"])]


def _allows(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for s in _statements(document) if s["Effect"] == "Allow"]


def _denies(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for s in _statements(document) if s["Effect"] == "Deny"]


def _permissions(t: TenantConfig, partition: str = "aws") -> dict[str, Any]:
    return embed_role_permissions_policy(t, partition=partition, account_id=ACCOUNT)


def _documents(t: TenantConfig) -> list[dict[str, Any]]:
    return [embed_role_trust_policy(t), _permissions(t)]


@pytest.mark.parametrize("name", ALL_EXAMPLES)
def test_no_wildcard_actions_and_denies_only_guard_the_domains(name: str) -> None:
    for document in _documents(example_or_fixture(name)):
        assert document["Version"] == "2012-10-17"
        for statement in _statements(document):
            if statement["Effect"] == "Deny":
                actions = embed_url_actions(example_or_fixture(name))
                assert _as_list(statement["Action"]) == actions
                assert statement["Condition"], "an unconditioned Deny would refuse every URL"
            else:
                assert statement["Effect"] == "Allow"
            assert statement["Sid"].isalnum(), "IAM Sids are alphanumeric"
            assert not any("*" in a or "?" in a for a in _as_list(statement["Action"]))
            assert "NotAction" not in statement
            assert "NotResource" not in statement
        assert "quicksight:*" not in policy_json(document)


@pytest.mark.parametrize("name", ALL_EXAMPLES)
def test_resource_star_only_on_get_session_embed_url(name: str) -> None:
    for statement in _allows(_permissions(example_or_fixture(name))):
        if statement["Resource"] == "*":
            assert statement["Action"] == GET_SESSION_EMBED_URL
        else:
            for resource in _as_list(statement["Resource"]):
                assert "*" not in resource.rsplit("/", 1)[0], "only the user name is open"
    assert resource_types(GET_SESSION_EMBED_URL) == frozenset()


@pytest.mark.parametrize("name", ALL_EXAMPLES)
def test_every_action_is_documented_and_scoped_to_its_resource_type(name: str) -> None:
    documented = action_resource_types("quicksight")
    for statement in _statements(_permissions(example_or_fixture(name))):
        for action in _as_list(statement["Action"]):
            assert action in documented, f"{action} is not spelt as AWS documents it"
            if statement["Resource"] == "*":
                continue
            for resource in _as_list(statement["Resource"]):
                kind = resource.split(":", 5)[5].split("/", 1)[0]
                assert kind in documented[action], f"{action} cannot be scoped to {kind}"


@pytest.mark.parametrize("name", ALL_EXAMPLES)
def test_describe_user_is_not_granted(name: str) -> None:
    # The embedder never calls it (only the demo does, as the admin): least privilege.
    assert "quicksight:DescribeUser" not in _actions(_permissions(example_or_fixture(name)))
    assert "quicksight:DescribeUser" not in EMBEDDING_ACTIONS


def test_quicksight_identity_scopes_users_to_the_tenant_namespace() -> None:
    acme = example_or_fixture("acme")
    scoped = _statements(_permissions(acme))[1]
    assert scoped["Resource"] == f"{USER_ARN}/acme/*"
    assert scoped["Action"] == [
        "quicksight:GenerateEmbedUrlForRegisteredUser",
        "quicksight:GetAuthCode",
    ]
    assert "quicksight:RegisterUser" not in _actions(_permissions(acme))


def test_default_namespace_names_only_the_exact_users_of_the_file() -> None:
    """The default namespace holds every user of the account, admins included: `user/default/*`
    would let the tenant's app open any of their consoles (the reviewer's finding)."""
    umbrella = example_or_fixture("umbrella")
    scoped = _statements(_permissions(umbrella))[1]
    assert scoped["Resource"] == [f"{USER_ARN}/default/ada", f"{USER_ARN}/default/wesker"]
    assert set(scoped["Action"]) == {
        "quicksight:GetAuthCode",
        "quicksight:GenerateEmbedUrlForRegisteredUser",
    }
    assert "/default/*" not in policy_json(_permissions(umbrella))


def test_default_namespace_with_one_user_is_still_a_list_of_exact_arns() -> None:
    one = tenant(
        namespace="default",
        users=[{"name": "peter", "email": "peter@initech.example", "role": "AUTHOR"}],
    )
    assert _statements(_permissions(one))[1]["Resource"] == [f"{USER_ARN}/default/peter"]


def test_iam_identity_in_the_default_namespace_names_each_session_user() -> None:
    t = tenant(namespace="default", embedding={"identity": "iam", "register_on_first_use": True})
    statements = {s["Sid"]: s for s in _statements(_permissions(t))}
    exact = [
        f"{USER_ARN}/default/qs-embed-initech/milton",
        f"{USER_ARN}/default/qs-embed-initech/peter",
    ]
    assert statements["RegisterTenantSessionsJustInTime"]["Resource"] == exact
    assert statements["TenantRoleSessionUsersOnly"]["Resource"] == exact


def test_iam_identity_registers_only_its_own_sessions_and_only_when_the_file_opts_in() -> None:
    globex = example_or_fixture("globex")
    assert not globex.embedding.register_on_first_use
    assert "quicksight:RegisterUser" not in _actions(_permissions(globex))
    opted_in = globex.model_copy(
        update={"embedding": globex.embedding.model_copy(update={"register_on_first_use": True})}
    )
    statements = {s["Sid"]: s for s in _statements(_permissions(opted_in))}
    register = statements["RegisterTenantSessionsJustInTime"]
    assert register["Action"] == "quicksight:RegisterUser"
    assert register["Resource"] == f"{USER_ARN}/globex/qs-embed-globex/*"
    assert register["Condition"] == {
        "ArnEquals": {"quicksight:IamArn": "arn:aws:iam::111122223333:role/qs-embed-globex"},
        "StringEquals": {"quicksight:SessionName": ["dana", "eli", "fatima"]},
    }
    for t in (globex, opted_in):
        sessions = {s["Sid"]: s for s in _statements(_permissions(t))}["TenantRoleSessionUsersOnly"]
        assert sessions["Action"] == "quicksight:GenerateEmbedUrlForRegisteredUser"
        assert sessions["Resource"] == f"{USER_ARN}/globex/qs-embed-globex/*"
        assert "quicksight:GetAuthCode" not in _actions(_permissions(t))


THREE = [
    {"name": name, "email": f"{name}@initech.example", "role": "AUTHOR"}
    for name in ("alice", "bob", "carol")
]


def test_an_adopted_namespace_grants_every_user_of_the_file_by_exact_arn() -> None:
    """The review: with `adopt_namespace` only the first user's ARN was granted (`scoped[0]`),
    so bob and carol got AccessDenied on GetAuthCode on AWS."""
    t = tenant(namespace="initech", adopt_namespace=True, users=THREE)
    scoped = {s["Sid"]: s for s in _statements(_permissions(t))}["TenantUsersOnly"]
    assert scoped["Resource"] == [f"{USER_ARN}/initech/{n}" for n in ("alice", "bob", "carol")]


def test_an_adopted_namespace_registers_and_mints_every_session_of_the_file() -> None:
    t = tenant(
        namespace="initech",
        adopt_namespace=True,
        users=THREE,
        embedding={"identity": "iam", "register_on_first_use": True},
    )
    statements = {s["Sid"]: s for s in _statements(_permissions(t))}
    exact = [f"{USER_ARN}/initech/qs-embed-initech/{n}" for n in ("alice", "bob", "carol")]
    assert statements["RegisterTenantSessionsJustInTime"]["Resource"] == exact
    assert statements["TenantRoleSessionUsersOnly"]["Resource"] == exact


@pytest.mark.parametrize(
    ("domains", "denied_outside"),
    [
        (["https://portal.initech.example"], "ForAnyValue:StringNotEquals"),
        (
            ["https://portal.initech.example", "https://*.initech.example"],
            "ForAnyValue:StringNotLike",
        ),
    ],
)
def test_generate_embed_url_only_for_the_files_domains(
    domains: list[str], denied_outside: str
) -> None:
    for identity in ("quicksight", "iam"):
        t = tenant(embedding={"identity": identity, "allowed_domains": domains})
        outside, missing = _denies(_permissions(t))
        assert outside["Condition"] == {denied_outside: {ALLOWED_EMBEDDING_DOMAINS: domains}}
        assert missing["Condition"] == {"Null": {ALLOWED_EMBEDDING_DOMAINS: "true"}}
        assert outside["Resource"] == missing["Resource"] == "*"


def test_a_tenant_without_allowed_domains_may_send_none() -> None:
    [deny] = _denies(_permissions(tenant()))
    assert deny["Action"] == GENERATE_EMBED_URL
    assert deny["Condition"] == {"Null": {ALLOWED_EMBEDDING_DOMAINS: "false"}}


@pytest.mark.parametrize("name", ALL_EXAMPLES)
def test_trust_names_exactly_the_app_principals(name: str) -> None:
    t = example_or_fixture(name)
    for statement in _statements(embed_role_trust_policy(t)):
        assert statement["Principal"] == {"AWS": list(t.embedding.app_principals)}
        assert set(_as_list(statement["Action"])) == {"sts:AssumeRole"}


@pytest.mark.parametrize("name", ALL_EXAMPLES)
def test_conditions_compare_exactly_and_by_type(name: str) -> None:
    """StringEquals for strings; the one ARN-typed key, quicksight:IamArn, with ArnEquals; the
    multivalued quicksight:AllowedEmbeddingDomains with a set operator or Null."""
    t = example_or_fixture(name)
    opted_in = t.embedding.identity == "iam"
    embedding = t.embedding.model_copy(update={"register_on_first_use": opted_in})
    for document in _documents(t.model_copy(update={"embedding": embedding})):
        for statement in _statements(document):
            for operator, block in statement.get("Condition", {}).items():
                if operator == "ArnEquals":
                    assert set(block) == {"quicksight:IamArn"}
                elif ALLOWED_EMBEDDING_DOMAINS in block:
                    assert operator in ("Null", "ForAnyValue:StringNotEquals")
                else:
                    assert operator == "StringEquals"
                    assert "quicksight:IamArn" not in block


def test_external_id_and_session_names_pin_the_assume_role() -> None:
    assume = _statements(embed_role_trust_policy(example_or_fixture("globex")))[0]
    assert assume["Action"] == "sts:AssumeRole"
    assert assume["Condition"]["StringEquals"] == {
        "sts:ExternalId": "globex-embed-7f3c9a",
        "sts:RoleSessionName": ["dana", "eli", "fatima"],
    }


def test_quicksight_identity_without_external_id_has_an_unconditioned_assume_role() -> None:
    # Exact principals are the whole check; the session name is not a user in this mode.
    assume = _statements(embed_role_trust_policy(example_or_fixture("acme")))[0]
    assert "Condition" not in assume


def test_trust_grants_nothing_but_assume_role() -> None:
    # No SetSourceIdentity/TagSession: the embedder uses neither (least privilege).
    for name in ALL_EXAMPLES:
        [statement] = _statements(embed_role_trust_policy(example_or_fixture(name)))
        assert statement["Action"] == "sts:AssumeRole"


def test_external_id_on_a_quicksight_tenant() -> None:
    t = tenant(embedding={"external_id": "initech-ext-0001"})
    condition = _statements(embed_role_trust_policy(t))[0]["Condition"]
    assert condition == {"StringEquals": {"sts:ExternalId": "initech-ext-0001"}}


def test_arns_follow_region_partition_and_identity() -> None:
    # The app's role lives in the region's partition too (a role trusts no other partition).
    app = {"app_principals": ["arn:aws-cn:iam::111122223333:role/initech-app"]}
    china = tenant(region="cn-north-1", embedding=app)
    partition = partition_for_region("cn-north-1")
    assert partition == "aws-cn"
    document = embed_role_permissions_policy(china, partition=partition, account_id=ACCOUNT)
    assert _statements(document)[1]["Resource"] == (
        "arn:aws-cn:quicksight:cn-north-1:111122223333:user/initech/*"
    )
    iam_china = tenant(
        region="cn-north-1",
        embedding={**app, "identity": "iam", "register_on_first_use": True},
    )
    document = embed_role_permissions_policy(iam_china, partition=partition, account_id=ACCOUNT)
    register = _statements(document)[1]
    assert register["Condition"]["ArnEquals"] == {
        "quicksight:IamArn": "arn:aws-cn:iam::111122223333:role/qs-embed-initech"
    }
    assert china.quicksight_user_name("peter") == "peter"
    assert example_or_fixture("globex").quicksight_user_name("dana") == "qs-embed-globex/dana"
    assert tenant_user_resources(iam_china, partition=partition, account_id=ACCOUNT) == [
        "arn:aws-cn:quicksight:cn-north-1:111122223333:user/initech/qs-embed-initech/*"
    ]


def test_documents_are_deterministic_and_compact() -> None:
    t = example_or_fixture("globex")
    assert policy_json(_permissions(t)) == policy_json(_permissions(t))
    assert " " not in policy_json(embed_role_trust_policy(example_or_fixture("acme")))


_names = st.lists(
    st.from_regex(r"[a-z][a-z0-9]{1,11}", fullmatch=True), min_size=1, max_size=6, unique=True
)
_roles = st.lists(
    st.from_regex(r"[a-z][a-z0-9-]{0,20}", fullmatch=True), min_size=1, max_size=4, unique=True
)


@settings(max_examples=examples(40), deadline=None)
@given(
    identity=st.sampled_from(["quicksight", "iam"]),
    namespace=st.sampled_from(["initech", "default"]),
    users=_names,
    roles=_roles,
    ext=st.booleans(),
)
def test_any_tenant_gets_least_privilege(
    identity: str, namespace: str, users: list[str], roles: list[str], ext: bool
) -> None:
    principals = [f"arn:aws:iam::444455556666:role/{r}" for r in roles]
    t = tenant(
        namespace=namespace,
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
    stars = [s for s in _allows(permissions) if s["Resource"] == "*"]
    assert [s["Action"] for s in stars] == [GET_SESSION_EMBED_URL]
    prefix = f"{USER_ARN}/{namespace}/" + ("qs-embed-initech/" if identity == "iam" else "")
    for statement in _allows(permissions)[1:]:
        resources = _as_list(statement["Resource"])
        if namespace == "default":
            assert resources == [prefix + u for u in sorted(users)]
        else:
            assert resources == [prefix + "*"]
    assume = _statements(trust)[0].get("Condition", {}).get("StringEquals", {})
    assert ("sts:ExternalId" in assume) == ext
    assert ("sts:RoleSessionName" in assume) == (identity == "iam")


@pytest.mark.parametrize("name", ALL_EXAMPLES)
def test_parliament_finds_nothing(name: str) -> None:
    from parliament import analyze_policy_string

    analysed = analyze_policy_string(
        policy_json(_permissions(example_or_fixture(name))), ignore_private_auditors=True
    )
    # quicksight:IamArn is ARN-typed: StringEquals on it was a MISMATCHED_TYPE_BUT_USABLE.
    assert [f.issue for f in analysed.findings] == []


def test_the_builders_and_the_shared_constants_import_without_pulumi() -> None:
    """policies.resources is the one home of type tokens and `default`: anything may import it."""
    import subprocess
    import sys

    code = (
        "import sys, policies.embed_role, policies.iam_limits, policies.resources; "
        "loaded = sorted(m for m in sys.modules if m.split('.')[0].startswith('pulumi')); "
        "assert not loaded, loaded"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
