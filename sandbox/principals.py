"""App principals in the emulator: the IAM roles and users a tenant's app runs as.

`Emulator.principal_session` (tests, demo), `qs-embed local up --app-env` and the example
portal's `--local-setup` (both against a `qs-embed local serve` in another process) make them
here, the same way: created if missing, allowed to assume the embed roles (`qs-embed-*`) and
nothing else. The last two act only on a loopback endpoint, so never on a real AWS account.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import boto3
import botocore.session
from botocore.exceptions import ClientError

from embedder.credentials import assumed_role_credentials, signing_session
from sandbox.boto_sessions import EmulatorSession, shared_loader

PRINCIPAL_ARN = re.compile(
    r"arn:aws:iam::(?P<account>\d{12}):(?P<kind>role|user)(?P<path>/(?:[^/]+/)*)(?P<name>[\w+=,.@-]+)"
)
APP_POLICY_NAME = "sandbox-app-principal"
EMBED_ROLE_NAME_PATTERN = "qs-embed-*"
SESSION_NAME = "sandbox-app"


class PrincipalError(ValueError):
    """The ARN is not an IAM role or user of the emulator's account, or the endpoint is not
    the emulator's."""


def require_loopback(endpoint_url: str | None, option: str) -> str:
    """`endpoint_url` if it is the local emulator's (on a loopback address); `option` names
    what asked, for the message."""
    host = urlsplit(endpoint_url or "").hostname
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host or "").is_loopback
    except ValueError:
        loopback = False
    if endpoint_url is None or not loopback:
        raise PrincipalError(
            f"{option} works only against the local emulator: give --endpoint-url "
            "http://127.0.0.1:<port> (the address `qs-embed local serve` prints)"
        )
    return endpoint_url


def app_principal_session(
    admin: boto3.Session, principal_arn: str, endpoint_url: str
) -> EmulatorSession:
    """A session acting as the IAM role `principal_arn` of the emulator at `endpoint_url`, as
    `admin` (the emulator's platform admin) made it if missing. Its credentials are assumed
    again before they expire, as a long-running app's would be."""
    sts = admin.client("sts", endpoint_url=endpoint_url)
    try:
        identity = sts.get_caller_identity()
        if parse_principal(principal_arn, identity["Account"])["kind"] != "role":
            raise PrincipalError(
                f"an app principal that is an IAM role is needed; {principal_arn} is not"
            )
        ensure_app_principal(
            admin.client("iam", endpoint_url=endpoint_url),
            principal_arn,
            account_id=identity["Account"],
            admin_arn=identity["Arn"],
        )
    except ClientError as e:
        raise PrincipalError(f"cannot make {principal_arn} in the emulator: {e}") from e
    region = admin.region_name or "us-east-1"
    return role_session(admin, principal_arn, endpoint_url=endpoint_url, region=region)


def parse_principal(arn: str, account_id: str) -> re.Match[str]:
    match = PRINCIPAL_ARN.fullmatch(arn)
    if match is None or match["account"] != account_id:
        raise PrincipalError(f"{arn} is not an IAM role or user ARN of account {account_id}")
    return match


def ensure_app_principal(iam: Any, arn: str, *, account_id: str, admin_arn: str) -> str:
    """Create the role (trusting the admin, who acts as it) or user of `arn` if missing.

    Idempotent; returns "role" or "user". Its only permission: assume the embed roles.
    """
    match = parse_principal(arn, account_id)
    embed_roles = f"arn:aws:iam::{account_id}:role/{EMBED_ROLE_NAME_PATTERN}"
    policy = _document({"Action": "sts:AssumeRole", "Resource": embed_roles})
    name, path = match["name"], match["path"]
    if match["kind"] == "role":
        trust = _document({"Principal": {"AWS": admin_arn}, "Action": "sts:AssumeRole"})
        with _exists_ok():
            iam.create_role(RoleName=name, Path=path, AssumeRolePolicyDocument=trust)
        iam.update_assume_role_policy(RoleName=name, PolicyDocument=trust)
        iam.put_role_policy(RoleName=name, PolicyName=APP_POLICY_NAME, PolicyDocument=policy)
        return "role"
    with _exists_ok():
        iam.create_user(UserName=name, Path=path)
    iam.put_user_policy(UserName=name, PolicyName=APP_POLICY_NAME, PolicyDocument=policy)
    return "user"


def role_session(
    admin: boto3.Session, role_arn: str, *, endpoint_url: str, region: str
) -> EmulatorSession:
    """A session acting as `role_arn`, assumed by `admin` and assumed again before expiry,
    as a long-running app's credentials are."""
    sts = admin.client("sts", endpoint_url=endpoint_url, region_name=region)
    credentials = assumed_role_credentials(
        sts=lambda: sts,
        tenant="(sandbox app principal)",
        role_arn=role_arn,
        session_name=SESSION_NAME,
        external_id=None,
        clock=lambda: datetime.now(UTC),
        endpoint_url=endpoint_url,
    )
    # Assume now: a principal that cannot be assumed fails here, not in the app's first call
    # (and tests that inject STS faults see only the app's own AssumeRole calls).
    credentials.get_frozen_credentials()
    base = botocore.session.get_session()
    base.register_component("data_loader", shared_loader())
    # The signing session shares `base`'s config store: the region must be set on `base`.
    base.set_config_variable("region", region)
    core = signing_session(base, credentials)
    return EmulatorSession(endpoint_url, botocore_session=core, region_name=region)


def _document(statement: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", **statement}]})


@contextmanager
def _exists_ok() -> Iterator[None]:
    """Creating principals is idempotent: an IAM EntityAlreadyExists is fine."""
    try:
        yield
    except ClientError as e:
        if e.response.get("Error", {}).get("Code") != "EntityAlreadyExists":
            raise
