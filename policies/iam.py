"""Least-privilege IAM documents for a tenant's embed role, built as plain dicts.

Pure functions: the Pulumi program, `qs-embed plan`, the policy pack and the tests all render
the documents here, so no policy JSON is written by hand twice. No pulumi import: the account
id and partition are plain parameters (the component resolves its Outputs before calling).

Isolation between tenants comes from one embed role per tenant and its trust policy:
`quicksight:GetSessionEmbedUrl` has no resource type, so it cannot be scoped to a tenant. What
can be scoped is: QUICKSIGHT identity, `GetAuthCode` on the tenant namespace's users (without it
no URL for another tenant's user can be minted); IAM identity, just-in-time `RegisterUser`
pinned to this role and the tenant's session names.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import botocore.session

from embedder.config import TenantConfig

PolicyDocument = dict[str, Any]

POLICY_VERSION = "2012-10-17"
ACCOUNT_PLACEHOLDER = "<account>"
"""Shown where the account is unknown until deploy (`account_id` omitted, offline plan)."""

# Actions, named once. Listed sorted inside each statement so documents are deterministic.
GET_SESSION_EMBED_URL = "quicksight:GetSessionEmbedUrl"
GET_AUTH_CODE = "quicksight:GetAuthCode"
DESCRIBE_USER = "quicksight:DescribeUser"
GENERATE_EMBED_URL = "quicksight:GenerateEmbedUrlForRegisteredUser"
REGISTER_USER = "quicksight:RegisterUser"
ASSUME_ROLE = "sts:AssumeRole"


@cache
def partition_for_region(region: str) -> str:
    """The ARN partition (aws, aws-cn, aws-us-gov, ...) of a region, from botocore's data."""
    return str(botocore.session.get_session().get_partition_for_region(region))


def embed_role_arn(tenant: TenantConfig, *, partition: str, account_id: str) -> str:
    """The ARN of `qs-embed-<tenant>` (path `/`), which the stack creates."""
    return f"arn:{partition}:iam::{account_id}:role/{tenant.role_name}"


def quicksight_user_name(tenant: TenantConfig, user: str) -> str:
    """The QuickSight user name of a tenant user: IAM identity users are `<role>/<session>`."""
    return f"{tenant.role_name}/{user}" if tenant.embedding.identity == "iam" else user


def quicksight_user_arn(
    tenant: TenantConfig, user_path: str, *, partition: str, account_id: str
) -> str:
    """`user/<namespace>/<user_path>` in the tenant's QuickSight identity region."""
    return (
        f"arn:{partition}:quicksight:{tenant.region}:{account_id}"
        f":user/{tenant.namespace}/{user_path}"
    )


def embed_role_trust_policy(tenant: TenantConfig) -> PolicyDocument:
    """Who may assume the embed role: exactly the tenant's app principals, nobody else.

    Only `sts:AssumeRole`: the embedder sets no source identity and no session tags, so
    `sts:SetSourceIdentity` and `sts:TagSession` would be grants nothing uses (and session tags
    would let a caller set principal tags).
    """
    assume: dict[str, str | list[str]] = {}
    if tenant.embedding.external_id is not None:
        assume["sts:ExternalId"] = tenant.embedding.external_id.get_secret_value()
    if tenant.embedding.identity == "iam":
        # The session name IS the QuickSight user: only the tenant's users may be sessions.
        assume["sts:RoleSessionName"] = _user_names(tenant)
    assume_statement: dict[str, Any] = {
        "Sid": "TenantAppsAssumeEmbedRole",
        "Effect": "Allow",
        "Principal": _app_principals(tenant),
        "Action": ASSUME_ROLE,
    }
    if assume:
        assume_statement["Condition"] = {"StringEquals": assume}
    return {"Version": POLICY_VERSION, "Statement": [assume_statement]}


def embed_role_permissions_policy(
    tenant: TenantConfig, *, partition: str, account_id: str
) -> PolicyDocument:
    """What the embed role may do: mint console URLs for the tenant's users, nothing more."""
    statements: list[dict[str, Any]] = [
        {
            # The Service Authorization Reference lists no resource type and no condition key
            # for GetSessionEmbedUrl: "*" is the only Resource AWS accepts for it.
            "Sid": "GetSessionEmbedUrlHasNoResourceType",
            "Effect": "Allow",
            "Action": GET_SESSION_EMBED_URL,
            "Resource": "*",
        }
    ]
    if tenant.embedding.identity == "quicksight":
        statements.append(
            {
                "Sid": "TenantNamespaceUsersOnly",
                "Effect": "Allow",
                "Action": sorted([GET_AUTH_CODE, DESCRIBE_USER, GENERATE_EMBED_URL]),
                "Resource": quicksight_user_arn(
                    tenant, "*", partition=partition, account_id=account_id
                ),
            }
        )
    else:
        role_arn = embed_role_arn(tenant, partition=partition, account_id=account_id)
        statements += [
            {
                "Sid": "RegisterTenantSessionsJustInTime",
                "Effect": "Allow",
                "Action": REGISTER_USER,
                "Resource": quicksight_user_arn(
                    tenant, "*", partition=partition, account_id=account_id
                ),
                "Condition": {
                    "StringEquals": {
                        "quicksight:IamArn": role_arn,
                        "quicksight:SessionName": _user_names(tenant),
                    }
                },
            },
            {
                # IAM-identity users are named <role name>/<session name>.
                "Sid": "TenantRoleSessionUsersOnly",
                "Effect": "Allow",
                "Action": sorted([DESCRIBE_USER, GENERATE_EMBED_URL]),
                "Resource": quicksight_user_arn(
                    tenant, f"{tenant.role_name}/*", partition=partition, account_id=account_id
                ),
            },
        ]
    return {"Version": POLICY_VERSION, "Statement": statements}


def policy_json(document: PolicyDocument) -> str:
    """The document as sent to IAM: compact, keys in the order built (stable diffs)."""
    return json.dumps(document, separators=(",", ":"))


def policy_size(document: PolicyDocument) -> int:
    """Characters IAM counts against its size quotas (it does not count whitespace)."""
    return len(policy_json(document))


def _app_principals(tenant: TenantConfig) -> dict[str, list[str]]:
    return {"AWS": list(tenant.embedding.app_principals)}


def _user_names(tenant: TenantConfig) -> list[str]:
    return sorted(u.name for u in tenant.users)
