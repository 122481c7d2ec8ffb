"""App principals: only a loopback emulator, only IAM roles and users of its account."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from moto import mock_aws

from sandbox.principals import (
    APP_POLICY_NAME,
    PrincipalError,
    ensure_app_principal,
    parse_principal,
    require_loopback,
)

ACCOUNT = "123456789012"


@pytest.mark.parametrize(
    "endpoint", ["http://127.0.0.1:4566", "http://localhost:9000", "http://[::1]:80"]
)
def test_a_loopback_endpoint_is_accepted(endpoint: str) -> None:
    assert require_loopback(endpoint, "--app-env") == endpoint


@pytest.mark.parametrize(
    "endpoint",
    [None, "", "https://quicksight.us-east-1.amazonaws.com", "http://10.0.0.1:80", "http://x"],
)
def test_anything_else_is_refused_naming_the_option(endpoint: str | None) -> None:
    with pytest.raises(PrincipalError, match="--app-env works only against the local emulator"):
        require_loopback(endpoint, "--app-env")


def test_a_role_or_user_arn_of_the_account_parses() -> None:
    role = parse_principal(f"arn:aws:iam::{ACCOUNT}:role/apps/portal", ACCOUNT)
    assert (role["kind"], role["path"], role["name"]) == ("role", "/apps/", "portal")
    assert parse_principal(f"arn:aws:iam::{ACCOUNT}:user/ci", ACCOUNT)["kind"] == "user"


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:iam::999999999999:role/portal",  # another account
        f"arn:aws:iam::{ACCOUNT}:group/portal",  # not a role or user
        f"arn:aws:sts::{ACCOUNT}:assumed-role/portal/s",  # a session, not the role
        f"arn:aws:iam::{ACCOUNT}:role/",  # no name
    ],
)
def test_other_arns_are_refused(arn: str) -> None:
    with pytest.raises(PrincipalError, match=f"not an IAM role or user ARN of account {ACCOUNT}"):
        parse_principal(arn, ACCOUNT)


@mock_aws
def test_ensure_app_principal_makes_a_role_that_may_only_assume_embed_roles() -> None:
    iam = boto3.client("iam", region_name="us-east-1")
    arn = f"arn:aws:iam::{ACCOUNT}:role/apps/portal"
    admin = f"arn:aws:iam::{ACCOUNT}:user/admin"
    assert ensure_app_principal(iam, arn, account_id=ACCOUNT, admin_arn=admin) == "role"
    # Idempotent: a second call updates the same role instead of failing.
    assert ensure_app_principal(iam, arn, account_id=ACCOUNT, admin_arn=admin) == "role"
    role = iam.get_role(RoleName="portal")["Role"]
    assert role["Path"] == "/apps/"
    trust: Any = role["AssumeRolePolicyDocument"]
    trust = json.loads(trust) if isinstance(trust, str) else trust
    assert trust["Statement"][0]["Principal"] == {"AWS": admin}
    policy: Any = iam.get_role_policy(RoleName="portal", PolicyName=APP_POLICY_NAME)[
        "PolicyDocument"
    ]
    policy = json.loads(policy) if isinstance(policy, str) else policy
    assert policy["Statement"] == [
        {
            "Effect": "Allow",
            "Action": "sts:AssumeRole",
            "Resource": f"arn:aws:iam::{ACCOUNT}:role/qs-embed-*",
        }
    ]


@mock_aws
def test_ensure_app_principal_makes_a_user_with_the_same_one_permission() -> None:
    iam = boto3.client("iam", region_name="us-east-1")
    arn = f"arn:aws:iam::{ACCOUNT}:user/ci"
    assert ensure_app_principal(iam, arn, account_id=ACCOUNT, admin_arn="unused") == "user"
    assert ensure_app_principal(iam, arn, account_id=ACCOUNT, admin_arn="unused") == "user"
    policy: Any = iam.get_user_policy(UserName="ci", PolicyName=APP_POLICY_NAME)["PolicyDocument"]
    policy = json.loads(policy) if isinstance(policy, str) else policy
    assert policy["Statement"][0]["Resource"] == f"arn:aws:iam::{ACCOUNT}:role/qs-embed-*"
