"""The emulator process (``sandbox.server``): it binds loopback only, and its platform admin is
bootstrapped straight into moto's IAM with one policy."""

from __future__ import annotations

import json

import boto3
import psutil
from moto import mock_aws
from moto.core.models import DEFAULT_ACCOUNT_ID as ACCOUNT  # the account mock_aws serves

from sandbox import Emulator
from sandbox.server import ADMIN_USER, bootstrap_admin


def test_listens_on_loopback_only(emulator: Emulator) -> None:
    listening = [
        connection.laddr
        for connection in psutil.Process(emulator.pid).net_connections(kind="tcp")
        if connection.status == psutil.CONN_LISTEN
    ]

    assert [(address.ip, address.port) for address in listening] == [("127.0.0.1", emulator.port)]


@mock_aws
def test_the_admin_is_an_iam_user_with_a_key_and_its_one_policy() -> None:
    key = bootstrap_admin(ACCOUNT, "us-east-1")

    iam = boto3.client("iam", region_name="us-east-1")
    assert key.arn == f"arn:aws:iam::{ACCOUNT}:user/{ADMIN_USER}"
    keys = iam.list_access_keys(UserName=ADMIN_USER)["AccessKeyMetadata"]
    assert [k["AccessKeyId"] for k in keys] == [key.access_key_id]
    assert iam.list_user_policies(UserName=ADMIN_USER)["PolicyNames"] == ["AdministratorAccess"]
    document = iam.get_user_policy(UserName=ADMIN_USER, PolicyName="AdministratorAccess")
    policy = document["PolicyDocument"]
    statement = (json.loads(policy) if isinstance(policy, str) else policy)["Statement"]
    assert statement == [{"Effect": "Allow", "Action": "*", "Resource": "*"}]
