"""Identity policies in the emulator as IAM evaluates them (``sandbox.iam_auth``): policy
variables in Resource, the Service Authorization Reference's resource types, same-account
trust. Each test is an attacker's move that AWS refuses, next to the move AWS allows.

Sources: IAM User Guide, "IAM policy elements: Variables and tags"
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html);
Service Authorization Reference, QuickSight
(https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonquicksight.html).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from sandbox import Emulator, EmulatorSession

from .conftest import ACCOUNT, NO_RETRIES, REGION

pytestmark = pytest.mark.emulator

QS = f"arn:aws:quicksight:{REGION}:{ACCOUNT}"


def _user_client(
    emulator: Emulator, admin: EmulatorSession, name: str, statements: list[dict[str, Any]]
) -> Any:
    """A QuickSight client of a new IAM user ``name`` holding only ``statements``."""
    iam = admin.client("iam")
    iam.create_user(UserName=name)
    policy = {"Version": "2012-10-17", "Statement": statements}
    iam.put_user_policy(UserName=name, PolicyName="only", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    session = emulator.session(key["AccessKeyId"], key["SecretAccessKey"])
    return session.client("quicksight", config=NO_RETRIES)


def _code(call: Any, **kwargs: Any) -> str:
    try:
        call(AwsAccountId=ACCOUNT, **kwargs)
    except ClientError as e:
        return str(e.response["Error"]["Code"])
    return "ok"


def test_a_deny_on_the_callers_own_user_by_variable_applies(
    emulator: Emulator, admin: EmulatorSession, qs_admin: Any
) -> None:
    """`${aws:username}` in a Deny's Resource is the caller's name, not the literal text."""
    for name in ("vera", "walt"):
        qs_admin.register_user(
            AwsAccountId=ACCOUNT, Namespace="default", IdentityType="QUICKSIGHT",
            UserName=name, Email=f"{name}@example.com", UserRole="AUTHOR",
        )  # fmt: skip
    qs = _user_client(
        emulator,
        admin,
        "vera",
        [
            {"Effect": "Allow", "Action": "quicksight:DescribeUser", "Resource": "*"},
            {
                "Effect": "Deny",
                "Action": "quicksight:DescribeUser",
                "Resource": f"{QS}:user/default/${{aws:username}}",
            },
        ],
    )
    assert _code(qs.describe_user, Namespace="default", UserName="vera") == "AccessDeniedException"
    assert _code(qs.describe_user, Namespace="default", UserName="walt") == "ok"


def test_an_allow_of_the_callers_own_user_by_variable_reaches_no_other(
    emulator: Emulator, admin: EmulatorSession, qs_admin: Any
) -> None:
    qs_admin.register_user(
        AwsAccountId=ACCOUNT, Namespace="default", IdentityType="QUICKSIGHT",
        UserName="xena", Email="xena@example.com", UserRole="AUTHOR",
    )  # fmt: skip
    qs = _user_client(
        emulator,
        admin,
        "yuri",
        [
            {
                "Effect": "Allow",
                "Action": "quicksight:DescribeUser",
                "Resource": f"{QS}:user/default/${{aws:username}}",
            }
        ],
    )
    assert _code(qs.describe_user, Namespace="default", UserName="yuri") != "AccessDeniedException"
    assert _code(qs.describe_user, Namespace="default", UserName="xena") == "AccessDeniedException"


def test_an_action_with_no_resource_type_is_authorized_only_by_star(
    emulator: Emulator, admin: EmulatorSession, qs_admin: Any
) -> None:
    """DeleteCustomPermissions has no resource type in the SAR: a policy scoped to the
    profile's ARN does not authorize it; `"Resource": "*"` does."""
    for name in ("sar-scoped", "sar-star"):
        qs_admin.create_custom_permissions(
            AwsAccountId=ACCOUNT,
            CustomPermissionsName=name,
            Capabilities={"ExportToCsv": "DENY"},
        )
    scoped = _user_client(
        emulator,
        admin,
        "profile-remover-scoped",
        [
            {
                "Effect": "Allow",
                "Action": "quicksight:DeleteCustomPermissions",
                "Resource": f"{QS}:custompermissions/sar-scoped",
            }
        ],
    )
    star = _user_client(
        emulator,
        admin,
        "profile-remover-star",
        [{"Effect": "Allow", "Action": "quicksight:DeleteCustomPermissions", "Resource": "*"}],
    )
    deleted = scoped.delete_custom_permissions
    assert _code(deleted, CustomPermissionsName="sar-scoped") == "AccessDeniedException"
    assert _code(star.delete_custom_permissions, CustomPermissionsName="sar-star") == "ok"


def test_an_unimplemented_element_is_refused_naming_it(
    emulator: Emulator, admin: EmulatorSession
) -> None:
    qs = _user_client(
        emulator,
        admin,
        "binary-condition",
        [
            {
                "Effect": "Allow",
                "Action": "quicksight:ListNamespaces",
                "Resource": "*",
                "Condition": {"BinaryEquals": {"aws:UserAgent": "QmluYXJ5"}},
            }
        ],
    )
    with pytest.raises(ClientError, match="does not implement the condition operator 'Binary"):
        qs.list_namespaces(AwsAccountId=ACCOUNT)


def _role_trusting(admin: EmulatorSession, name: str, principal: str) -> str:
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "sts:AssumeRole"}
        ],
    }
    role = admin.client("iam").create_role(
        RoleName=name, AssumeRolePolicyDocument=json.dumps(trust)
    )
    arn: str = role["Role"]["Arn"]
    return arn


def _assume_code(emulator: Emulator, key: dict[str, str], role_arn: str) -> str:
    sts = emulator.session(key["AccessKeyId"], key["SecretAccessKey"]).client(
        "sts", config=NO_RETRIES
    )
    try:
        sts.assume_role(RoleArn=role_arn, RoleSessionName="s1")
    except ClientError as e:
        return str(e.response["Error"]["Code"])
    return "ok"


def test_a_trust_policy_naming_the_caller_needs_no_identity_allow(
    emulator: Emulator, admin: EmulatorSession
) -> None:
    """Same account: a trust policy naming the caller's own ARN is enough (AWS Security Blog,
    "How to use trust policies with IAM roles"); one trusting the account root still needs the
    caller's own Allow of sts:AssumeRole (IAM User Guide, "Policy evaluation logic")."""
    iam = admin.client("iam")
    iam.create_user(UserName="no-policy-user")
    key = iam.create_access_key(UserName="no-policy-user")["AccessKey"]
    user_arn = f"arn:aws:iam::{ACCOUNT}:user/no-policy-user"
    named = _role_trusting(admin, "trusts-the-user", user_arn)
    rooted = _role_trusting(admin, "trusts-the-account", f"arn:aws:iam::{ACCOUNT}:root")
    assert _assume_code(emulator, key, named) == "ok"
    assert _assume_code(emulator, key, rooted) == "AccessDenied"


def test_a_trust_condition_the_emulator_cannot_judge_is_refused_naming_it(
    emulator: Emulator, admin: EmulatorSession
) -> None:
    """A Deny on a key the emulator does not compute must not silently fail to apply."""
    iam = admin.client("iam")
    iam.create_user(UserName="token-age-user")
    key = iam.create_access_key(UserName="token-age-user")["AccessKey"]
    user_arn = f"arn:aws:iam::{ACCOUNT}:user/token-age-user"
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": user_arn}, "Action": "sts:AssumeRole"},
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "sts:AssumeRole",
                "Condition": {"DateLessThan": {"aws:TokenIssueTime": "2020-01-01T00:00:00Z"}},
            },
        ],
    }
    role = iam.create_role(RoleName="token-age", AssumeRolePolicyDocument=json.dumps(trust))
    sts = emulator.session(key["AccessKeyId"], key["SecretAccessKey"]).client(
        "sts", config=NO_RETRIES
    )
    with pytest.raises(
        ClientError, match="does not implement the condition key aws:TokenIssueTime"
    ):
        sts.assume_role(RoleArn=role["Role"]["Arn"], RoleSessionName="s1")


def test_a_trust_condition_on_the_roles_own_tags(
    emulator: Emulator, admin: EmulatorSession
) -> None:
    """iam:ResourceTag/<key> and aws:ResourceTag/<key> of AssumeRole are the role's tags
    (Service Authorization Reference, sts:AssumeRole)."""
    iam = admin.client("iam")
    iam.create_user(UserName="tag-reader")
    key = iam.create_access_key(UserName="tag-reader")["AccessKey"]
    user_arn = f"arn:aws:iam::{ACCOUNT}:user/tag-reader"
    outcomes = {}
    for tenant, condition_key in (
        ("acme", "iam:ResourceTag/tenant"),
        ("globex", "aws:ResourceTag/tenant"),
    ):
        for tagged in ("acme", "globex"):
            trust = {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": user_arn},
                        "Action": "sts:AssumeRole",
                        "Condition": {"StringEquals": {condition_key: tenant}},
                    }
                ],
            }
            name = f"tagged-{tenant}-{tagged}"
            role = iam.create_role(
                RoleName=name,
                AssumeRolePolicyDocument=json.dumps(trust),
                Tags=[{"Key": "tenant", "Value": tagged}],
            )
            outcomes[name] = _assume_code(emulator, key, role["Role"]["Arn"])
    assert outcomes == {
        "tagged-acme-acme": "ok",
        "tagged-acme-globex": "AccessDenied",
        "tagged-globex-acme": "AccessDenied",
        "tagged-globex-globex": "ok",
    }


def test_a_role_with_a_permissions_boundary_is_refused_naming_it(
    emulator: Emulator, admin: EmulatorSession
) -> None:
    """A boundary limits what the role's own policies allow; the emulator does not evaluate
    boundaries, so it refuses rather than allow what the boundary would not."""
    iam = admin.client("iam")
    boundary = iam.create_policy(
        PolicyName="only-describe",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": "quicksight:DescribeUser", "Resource": "*"}
                ],
            }
        ),
    )["Policy"]["Arn"]
    admin_arn = admin.client("sts").get_caller_identity()["Arn"]
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": admin_arn}, "Action": "sts:AssumeRole"}
        ],
    }
    role = iam.create_role(
        RoleName="bounded",
        AssumeRolePolicyDocument=json.dumps(trust),
        PermissionsBoundary=boundary,
    )["Role"]
    everything = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "quicksight:*", "Resource": "*"}],
    }
    iam.put_role_policy(RoleName="bounded", PolicyName="all", PolicyDocument=json.dumps(everything))
    credentials = admin.client("sts").assume_role(RoleArn=role["Arn"], RoleSessionName="bnd")[
        "Credentials"
    ]
    session = emulator.session(
        credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials["SessionToken"]
    )
    qs = session.client("quicksight", config=NO_RETRIES)
    with pytest.raises(ClientError, match="does not implement a permissions boundary"):
        qs.list_namespaces(AwsAccountId=ACCOUNT)


def test_a_read_that_meets_a_concurrent_write_is_read_again() -> None:
    """moto's backend dicts change under a reader when another request thread creates a
    role: the authorization read is retried, never answered with a 500."""
    from sandbox.iam_auth import consistent_read

    calls: list[int] = []

    def read() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise RuntimeError("dictionary changed size during iteration")
        return "read"

    assert consistent_read(read) == "read"
    assert len(calls) == 3

    def broken() -> str:
        raise RuntimeError("something else")

    with pytest.raises(RuntimeError, match="something else"):
        consistent_read(broken)
