"""IAM size quotas: a tenant too large for its embed role is refused before deploy."""

from __future__ import annotations

from pathlib import Path

from policies.embed_role import embed_role_permissions_policy, embed_role_trust_policy, policy_size
from policies.iam_limits import (
    INLINE_POLICIES_MAX_CHARS,
    TRUST_POLICY_MAX_CHARS,
    policy_size_problems,
)

from .iam_fixtures import example_or_fixture, tenant


def _users(count: int) -> list[dict[str, str]]:
    return [
        {"name": f"user{i:04d}", "email": f"u{i}@x.example", "role": "AUTHOR"} for i in range(count)
    ]


def test_example_tenants_fit() -> None:
    loaded = [
        (Path(f"tenants/{n}.yaml"), example_or_fixture(n)) for n in ("acme", "globex", "umbrella")
    ]
    assert policy_size_problems(loaded) == []


def test_too_many_iam_users_for_the_trust_policy_is_refused_with_file_and_field() -> None:
    big = tenant(users=_users(200), embedding={"identity": "iam"})
    assert policy_size(embed_role_trust_policy(big)) > TRUST_POLICY_MAX_CHARS
    problems = policy_size_problems([(Path("tenants/initech.yaml"), big)])
    assert [(p.source, p.location) for p in problems] == [("tenants/initech.yaml", "users")]
    assert "trust policy" in problems[0].message
    assert str(TRUST_POLICY_MAX_CHARS) in problems[0].message


def test_quicksight_identity_trust_does_not_grow_with_users() -> None:
    big = tenant(users=_users(1000))
    assert policy_size_problems([(Path("tenants/initech.yaml"), big)]) == []


def test_a_large_tenant_within_quota_passes() -> None:
    ok = tenant(users=_users(40), embedding={"identity": "iam"})
    assert policy_size_problems([(Path("tenants/initech.yaml"), ok)]) == []


def test_default_namespace_permissions_grow_with_users_and_are_refused_over_the_quota() -> None:
    """In the default namespace every user's exact ARN is listed: 200 users do not fit."""
    big = tenant(namespace="default", users=_users(200))
    size = policy_size(embed_role_permissions_policy(big, partition="aws", account_id="1" * 12))
    assert size > INLINE_POLICIES_MAX_CHARS
    problems = policy_size_problems([(Path("tenants/initech.yaml"), big)])
    assert [(p.source, p.location) for p in problems] == [("tenants/initech.yaml", "users")]
    message = problems[0].message
    assert f"permissions policy would be {size} characters" in message
    assert str(INLINE_POLICIES_MAX_CHARS) in message
    assert "give the tenant its own namespace" in message


def test_the_same_users_fit_in_their_own_namespace() -> None:
    own = tenant(users=_users(200))
    assert policy_size_problems([(Path("tenants/initech.yaml"), own)]) == []


def test_default_namespace_within_quota_passes() -> None:
    ok = tenant(namespace="default", users=_users(100))
    assert policy_size_problems([(Path("tenants/initech.yaml"), ok)]) == []
