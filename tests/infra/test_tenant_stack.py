"""TenantStack on its own, Pulumi's unit-test way: set_mocks + @pulumi.runtime.test.

Outputs are checked through `apply`; the test returns the Output so the runtime awaits it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar, cast

import pulumi
import pytest

from infra.offline_mocks import OfflineMocks
from infra.tenant_stack import TenantStack, TenantStackArgs
from policies.embed_role import embed_role_permissions_policy, embed_role_trust_policy
from tenant_file.config import TenantConfig

CALLER_ACCOUNT = "999988887777"
F = TypeVar("F", bound=Callable[..., Any])


def pulumi_test(fn: F) -> F:
    """`pulumi.runtime.test` (it awaits the returned Output), typed: the SDK's is not."""
    return cast(F, pulumi.runtime.test(fn))  # type: ignore[no-untyped-call]


@pytest.fixture
def tenants(example_tenants: list[TenantConfig]) -> dict[str, TenantConfig]:
    pulumi.runtime.set_mocks(
        OfflineMocks(example_tenants, account_id=CALLER_ACCOUNT),
        project="quicksight-embedding",
        stack="unit",
        preview=False,
    )
    return {t.tenant: t for t in example_tenants}


@pulumi_test
def test_role_name_and_trust(tenants: dict[str, TenantConfig]) -> pulumi.Output[Any]:
    acme = tenants["acme"]
    stack = TenantStack("acme", TenantStackArgs(acme))

    def check(values: list[Any]) -> None:
        name, trust, duration = values
        assert name == "qs-embed-acme"
        assert json.loads(trust) == embed_role_trust_policy(acme)
        assert duration == 3600

    return pulumi.Output.all(
        stack.role.name, stack.role.assume_role_policy, stack.role.max_session_duration
    ).apply(check)


@pulumi_test
def test_permissions_policy_resolves_the_account(
    tenants: dict[str, TenantConfig],
) -> pulumi.Output[Any]:
    globex = tenants["globex"]
    stack = TenantStack("globex", TenantStackArgs(globex, account_id="123456789012"))

    def check(values: list[Any]) -> None:
        document, role = values
        assert role == "qs-embed-globex"
        assert json.loads(document) == embed_role_permissions_policy(
            globex, partition="aws", account_id="123456789012"
        )

    return pulumi.Output.all(stack.role_policy.policy, stack.role_policy.role).apply(check)


@pulumi_test
def test_partition_override_reaches_the_policy(
    tenants: dict[str, TenantConfig],
) -> pulumi.Output[Any]:
    stack = TenantStack("acme", TenantStackArgs(tenants["acme"], partition="aws-us-gov"))

    def check(document: str) -> None:
        assert json.loads(document)["Statement"][1]["Resource"].startswith(
            "arn:aws-us-gov:quicksight:us-east-1:111122223333:user/acme/"
        )

    checked: pulumi.Output[Any] = stack.role_policy.policy.apply(check)
    return checked


@pulumi_test
def test_exports(tenants: dict[str, TenantConfig]) -> pulumi.Output[Any]:
    stack = TenantStack("globex", TenantStackArgs(tenants["globex"]))

    def check(exports: dict[str, Any]) -> None:
        assert exports["embedRoleArn"] == "arn:aws:iam::111122223333:role/qs-embed-globex"
        assert exports["namespace"] == "globex"
        assert set(exports["userArns"]) == {"dana", "eli", "fatima"}
        assert exports["profileNames"] == {"restricted": "globex-restricted"}

    return pulumi.Output.from_input(stack.exports()).apply(check)


@pulumi_test
def test_users_carry_identity_and_role(tenants: dict[str, TenantConfig]) -> pulumi.Output[Any]:
    stack = TenantStack("globex", TenantStackArgs(tenants["globex"]))
    eli = stack.users["eli"]

    def check(values: list[Any]) -> None:
        identity, iam_arn, session, role, namespace, user_name = values
        assert (identity, session, role, namespace) == ("IAM", "eli", "AUTHOR_PRO", "globex")
        assert iam_arn == "arn:aws:iam::111122223333:role/qs-embed-globex"
        assert user_name == "qs-embed-globex/eli"

    return pulumi.Output.all(
        eli.identityType,  # type: ignore[attr-defined]
        eli.iamArn,  # type: ignore[attr-defined]
        eli.sessionName,  # type: ignore[attr-defined]
        eli.userRole,  # type: ignore[attr-defined]
        eli.namespace,  # type: ignore[attr-defined]
        eli.userName,
    ).apply(check)
