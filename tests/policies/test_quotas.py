"""AWS's per-account quotas over a tenant set: one past each refused, naming count and quota."""

from __future__ import annotations

from pathlib import Path

import pytest

from policies.platform import AccountQuotas, PlatformSettings
from policies.quotas import (
    NAMESPACES_PER_ACCOUNT,
    ROLES_PER_ACCOUNT,
    account_usage,
    quota_problems,
    refuse_over_quota,
)
from tenant_file.errors import ConfigError
from tenant_file.names_only import NamesOnlyTenant, _Apps

ACCOUNT = "111122223333"
OTHER = "444455556666"
DEFAULTS = PlatformSettings()


def _tenants(
    count: int, *, account: str | None = ACCOUNT, namespace: str | None = None, start: int = 0
) -> list[NamesOnlyTenant]:
    return [
        NamesOnlyTenant(
            tenant=f"t{i:05d}",
            namespace=namespace or f"t{i:05d}",
            region="us-east-1",
            account_id=account,
            permission_profiles={},
            embedding=_Apps(()),
        )
        for i in range(start, start + count)
    ]


def test_the_100th_namespace_fits_the_default_quota() -> None:
    assert quota_problems(_tenants(NAMESPACES_PER_ACCOUNT), DEFAULTS, source="tenants") == []


def test_the_101st_namespace_is_refused_naming_the_count_the_quota_and_the_account() -> None:
    [problem] = quota_problems(_tenants(NAMESPACES_PER_ACCOUNT + 1), DEFAULTS, source="tenants")
    assert problem.source == "tenants"
    assert "101 QuickSight namespaces in account 111122223333" in problem.message
    assert "its quota is 100" in problem.message
    assert "API_CreateNamespace.html" in problem.message
    assert 'quotas: {"111122223333": {namespaces: N}}' in problem.message


def test_the_default_namespace_counts_zero() -> None:
    shared = _tenants(150, namespace="default")
    assert account_usage(shared)[ACCOUNT] == {"namespaces": 0, "roles": 150}
    assert quota_problems(shared, DEFAULTS, source="tenants") == []


def test_namespaces_are_counted_per_account() -> None:
    two_accounts = _tenants(100) + _tenants(100, account=OTHER, start=100)
    assert quota_problems(two_accounts, DEFAULTS, source="tenants") == []


def test_a_raised_namespace_quota_declared_in_platform_yaml_is_honoured() -> None:
    raised = PlatformSettings(quotas={ACCOUNT: AccountQuotas(namespaces=400)})
    assert quota_problems(_tenants(400), raised, source="tenants") == []
    [problem] = quota_problems(_tenants(401), raised, source="tenants")
    assert "its quota is 400 (raised in platform.yaml)" in problem.message


def test_a_raise_for_one_account_does_not_raise_another() -> None:
    raised = PlatformSettings(quotas={OTHER: AccountQuotas(namespaces=400)})
    assert len(quota_problems(_tenants(101), raised, source="tenants")) == 1


def test_the_1000th_role_fits_and_the_1001st_is_refused() -> None:
    shared = _tenants(ROLES_PER_ACCOUNT, namespace="default")
    assert quota_problems(shared, DEFAULTS, source="tenants") == []
    one_more = _tenants(ROLES_PER_ACCOUNT + 1, namespace="default")
    [problem] = quota_problems(one_more, DEFAULTS, source="tenants")
    assert "1001 IAM roles in account 111122223333; its quota is 1000" in problem.message
    assert "reference_iam-quotas.html" in problem.message


def test_a_raised_role_quota_is_honoured() -> None:
    raised = PlatformSettings(quotas={ACCOUNT: AccountQuotas(roles=5000)})
    assert quota_problems(_tenants(1001, namespace="default"), raised, source="t") == []


def test_tenants_without_account_id_count_in_the_deploying_account() -> None:
    unnamed = _tenants(101, account=None)
    [problem] = quota_problems(unnamed, DEFAULTS, source="tenants")
    assert "the deploying account (no account_id)" in problem.message
    assert "quotas: {deploying_account: {namespaces: N}}" in problem.message
    raised = PlatformSettings(quotas={"deploying_account": AccountQuotas(namespaces=101)})
    assert quota_problems(unnamed, raised, source="tenants") == []


def test_when_the_deploying_account_is_known_unnamed_tenants_join_it() -> None:
    mixed = _tenants(60) + _tenants(41, account=None, start=60)
    assert quota_problems(mixed, DEFAULTS, source="t") == []  # offline: two groups
    [problem] = quota_problems(mixed, DEFAULTS, source="t", deploying_account=ACCOUNT)
    assert "101 QuickSight namespaces in account 111122223333" in problem.message


def test_refuse_over_quota_reads_platform_yaml_beside_the_tenants(tmp_path: Path) -> None:
    tenants = tmp_path / "tenants"
    with pytest.raises(ConfigError):
        refuse_over_quota(_tenants(101), tenants)
    (tmp_path / "platform.yaml").write_text(f'quotas: {{"{ACCOUNT}": {{namespaces: 101}}}}\n')
    refuse_over_quota(_tenants(101), tenants)
