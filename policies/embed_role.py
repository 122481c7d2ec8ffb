"""Least-privilege IAM documents for a tenant's embed role, built as plain dicts.

Pure functions: the Pulumi program, `qs-embed plan`, the policy pack and the tests all render
the documents here, so no policy JSON is written by hand twice. No pulumi import: the account
id and partition are plain parameters (the component resolves its Outputs before calling).
ARNs and QuickSight user names come from `tenant_file.names`, the ones the embedder sends.

Isolation between tenants comes from one embed role per tenant and its trust policy:
`quicksight:GetSessionEmbedUrl` has no resource type, so it cannot be scoped to a tenant. What
can be scoped is every action on QuickSight users (`tenant_user_resources`): without it no URL
for another tenant's user can be minted. Where the Service Authorization Reference gives a
condition key, the file's limits are IAM's too: GenerateEmbedUrlForRegisteredUser only for the
tenant's `allowed_domains` (`quicksight:AllowedEmbeddingDomains`), and `RegisterUser` only for
tenants that opt in to just-in-time registration, then pinned to this role and the tenant's
session names (`quicksight:IamArn`, `quicksight:SessionName`). README "Security" lists what
IAM cannot enforce.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from policies.resources import DEFAULT_NAMESPACE
from tenant_file.config import TenantConfig
from tenant_file.names import (
    ROLE_NAME_PREFIX,
    embed_role_arn,
    partition_for_region,
    quicksight_user_arn,
)

PolicyDocument = dict[str, Any]

POLICY_VERSION = "2012-10-17"
ACCOUNT_PLACEHOLDER = "<account>"
"""Shown where the account is unknown until deploy (`account_id` omitted, offline plan)."""

# Actions, named once. Listed sorted inside each statement so documents are deterministic.
GET_SESSION_EMBED_URL = "quicksight:GetSessionEmbedUrl"
GET_AUTH_CODE = "quicksight:GetAuthCode"
GENERATE_EMBED_URL = "quicksight:GenerateEmbedUrlForRegisteredUser"
REGISTER_USER = "quicksight:RegisterUser"
ASSUME_ROLE = "sts:AssumeRole"
ALLOWED_EMBEDDING_DOMAINS = "quicksight:AllowedEmbeddingDomains"
IAM_ARN = "quicksight:IamArn"
SESSION_NAME = "quicksight:SessionName"
STS_EXTERNAL_ID = "sts:ExternalId"
STS_ROLE_SESSION_NAME = "sts:RoleSessionName"
"""The trust policy's condition keys (IAM compares condition key names case-insensitively)."""


def tenant_user_resources(tenant: TenantConfig, *, partition: str, account_id: str) -> list[str]:
    """What the embed role's actions on QuickSight users are scoped to.

    In the tenant's own namespace (the stack creates it for this tenant alone, and the loader
    refuses a namespace two tenants share) every user is the tenant's: `user/<ns>/*`, or for
    IAM identity `user/<ns>/<embed role>/*` (the sessions of this role). The `default` namespace
    is shared with every other user of the account, administrators included, so there a
    wildcard would let the tenant's app open their consoles: only the exact ARNs of the file's
    users are named (the list grows with the users; `policies.iam_limits` checks its size). So
    is an adopted namespace (`adopt_namespace`): it may hold users the file does not list
    (another tenant's, retained when that tenant was removed), never granted by adoption.
    """

    def arn(user_name: str) -> str:
        return quicksight_user_arn(
            partition, tenant.region, account_id, tenant.namespace, user_name
        )

    if names_users_exactly(tenant):
        return [arn(tenant.quicksight_user_name(name)) for name in _user_names(tenant)]
    return [arn(tenant.quicksight_user_name("*"))]


def names_users_exactly(tenant: TenantConfig) -> bool:
    """Whether the tenant's namespace may hold users its file does not list: the shared
    `default`, or a namespace it adopted rather than created."""
    return tenant.namespace == DEFAULT_NAMESPACE or tenant.adopt_namespace


def embed_role_trust_policy(tenant: TenantConfig) -> PolicyDocument:
    """Who may assume the embed role: exactly the tenant's app principals, nobody else.

    Only `sts:AssumeRole`: the embedder sets no source identity and no session tags, so
    `sts:SetSourceIdentity` and `sts:TagSession` would be grants nothing uses (and session tags
    would let a caller set principal tags).
    """
    assume: dict[str, str | list[str]] = {}
    if tenant.embedding.external_id is not None:
        assume[STS_EXTERNAL_ID] = tenant.embedding.external_id.get_secret_value()
    if tenant.embedding.identity == "iam":
        # The session name IS the QuickSight user: only the tenant's users may be sessions.
        assume[STS_ROLE_SESSION_NAME] = _user_names(tenant)
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
    scoped = tenant_user_resources(tenant, partition=partition, account_id=account_id)
    # The default namespace's exact ARNs are a list (even of one); a namespace's one pattern
    # stays a string, as IAM shows it.
    users: str | list[str] = scoped if tenant.namespace == DEFAULT_NAMESPACE else scoped[0]
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
                "Sid": "TenantUsersOnly",
                "Effect": "Allow",
                "Action": sorted([GET_AUTH_CODE, GENERATE_EMBED_URL]),
                "Resource": users,
            }
        )
    else:
        if tenant.registers_on_first_use:
            statements.append(_register_sessions_just_in_time(tenant, users, partition, account_id))
        statements.append(
            {
                # IAM-identity users are named <role name>/<session name>.
                "Sid": "TenantRoleSessionUsersOnly",
                "Effect": "Allow",
                "Action": GENERATE_EMBED_URL,
                "Resource": users,
            }
        )
    statements += allowed_domains_guard(tenant)
    return {"Version": POLICY_VERSION, "Statement": statements}


def _register_sessions_just_in_time(
    tenant: TenantConfig, users: str | list[str], partition: str, account_id: str
) -> dict[str, Any]:
    """RegisterUser for the tenant's own sessions (only when the file opts in): IAM has no key
    for UserRole or CustomPermissionsName, so whoever may call it picks them (README
    "Security"); what IAM can pin is the identity registered."""
    role_arn = embed_role_arn(partition, account_id, tenant.role_name)
    return {
        "Sid": "RegisterTenantSessionsJustInTime",
        "Effect": "Allow",
        "Action": REGISTER_USER,
        "Resource": users,
        "Condition": {
            # quicksight:IamArn holds an ARN: compared as one (parliament's type check). A
            # request without it (IdentityType QUICKSIGHT) matches nothing, so it is denied.
            "ArnEquals": {IAM_ARN: role_arn},
            "StringEquals": {SESSION_NAME: _user_names(tenant)},
        },
    }


def allowed_domains_guard(tenant: TenantConfig) -> list[dict[str, Any]]:
    """Deny statements: GenerateEmbedUrlForRegisteredUser only with the tenant's AllowedDomains.

    AWS: "Without this condition, developers can list any domain on the internet in the
    AllowedDomains parameter" (QuickSight User Guide, embedding for registered users, step 1).
    Denies, so they hold whatever else is attached to the role, and the user list (which in the
    default namespace is every user's ARN) is not written twice.

    - A domain outside the file: `ForAnyValue:StringNotEquals` (StringNotLike when the file has
      a `https://*.` entry) is true when any domain sent matches none of the file's.
    - No domain sent: `ForAnyValue` is false for a missing key, so `Null: true` refuses it:
      a URL framed by whatever the account's static domains allow is not the tenant's to mint.
      (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition_examples-multi-valued-context-keys.html)
    - A tenant without `allowed_domains` may send none: `Null: false` refuses any.

    IAM's `*` also crosses dots and slashes: for a wildcard entry IAM admits any value ending
    in the domain, the embedder only whole subdomains (`tenant_file.origins`).
    """
    domains = list(tenant.embedding.allowed_domains)
    deny: dict[str, Any] = {"Effect": "Deny", "Action": GENERATE_EMBED_URL, "Resource": "*"}
    if not domains:
        return [
            {
                "Sid": "NoAllowedDomainsInTheTenantFile",
                **deny,
                "Condition": {"Null": {ALLOWED_EMBEDDING_DOMAINS: "false"}},
            }
        ]
    operator = "StringNotLike" if any("*" in d for d in domains) else "StringNotEquals"
    return [
        {
            "Sid": "OnlyTheTenantsAllowedDomains",
            **deny,
            "Condition": {f"ForAnyValue:{operator}": {ALLOWED_EMBEDDING_DOMAINS: domains}},
        },
        {
            "Sid": "AllowedDomainsRequired",
            **deny,
            "Condition": {"Null": {ALLOWED_EMBEDDING_DOMAINS: "true"}},
        },
    ]


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


# -- the deploying identity ------------------------------------------------------------------

DEPLOY_ROLE_ACTIONS = (
    # What pulumi-aws (terraform-provider-aws internal/service/iam/role.go, role_policy.go)
    # calls to create, read, update and delete an embed role and its inline policy; the read
    # lists inline and attached policies, the delete looks for instance profiles.
    "iam:CreateRole",
    "iam:DeleteRole",
    "iam:DeleteRolePolicy",
    "iam:GetRole",
    "iam:GetRolePolicy",
    "iam:ListAttachedRolePolicies",
    "iam:ListInstanceProfilesForRole",
    "iam:ListRolePolicies",
    "iam:PutRolePolicy",
    "iam:UpdateAssumeRolePolicy",
    "iam:UpdateRole",
    "iam:UpdateRoleDescription",
)
NAMESPACE_DIRECTORY_ACTIONS = (
    # CreateNamespace also needs these Directory Service actions, on "*" (AWS's own example:
    # https://docs.aws.amazon.com/quicksight/latest/user/iam-policy-examples.html).
    "ds:AuthorizeApplication",
    "ds:CreateIdentityPoolDirectory",
    "ds:DescribeDirectories",
)
NAMESPACE_DIRECTORY_DELETE_ACTIONS = (
    # What DeleteNamespace needs of Directory Service: on "*", so on every directory of the
    # account (a corporate AD too); granted only where the stack may delete namespaces.
    "ds:DeleteDirectory",
    "ds:UnauthorizeApplication",
)


def deployer_policy(
    tenants: Sequence[TenantConfig], *, account_id: str = ACCOUNT_PLACEHOLDER
) -> PolicyDocument:
    """What the identity running `pulumi up` (or `qs-embed local up`) needs for `tenants`.

    Scoped to what the stack owns: the embed roles (`role/qs-embed-*`, a prefix reserved for
    them), the tenants' namespaces, profiles and users (the same user scope as the embed
    roles'). Delete actions on QuickSight appear only when a tenant opts out of retaining
    users (`retain_users_on_delete: false`): otherwise the stack never deletes them.
    `account_id`: for tenant files that name none (the deploying account).
    """
    roles: set[str] = set()
    namespaces: set[str] = set()
    profiles: set[str] = set()
    users: set[str] = set()
    deletes = False
    for tenant in tenants:
        account = tenant.account_id or account_id
        partition = partition_for_region(tenant.region)
        prefix = f"arn:{partition}:quicksight:{tenant.region}:{account}"
        roles.add(f"arn:{partition}:iam::{account}:role/{ROLE_NAME_PREFIX}*")
        if tenant.namespace != DEFAULT_NAMESPACE:
            namespaces.add(f"{prefix}:namespace/{tenant.namespace}")
        profiles.update(
            f"{prefix}:custompermissions/{tenant.profile_name(key)}"
            for key in tenant.permission_profiles
        )
        users.update(tenant_user_resources(tenant, partition=partition, account_id=account))
        deletes = deletes or not tenant.retain_users_on_delete

    def maybe_delete(*actions: str) -> list[str]:
        return list(actions) if deletes else []

    statements: list[dict[str, Any]] = [
        {
            "Sid": "EmbedRolesAndTheirInlinePolicy",
            "Effect": "Allow",
            "Action": list(DEPLOY_ROLE_ACTIONS),
            "Resource": sorted(roles),
        }
    ]
    if namespaces:
        statements += [
            {
                "Sid": "TenantNamespaces",
                "Effect": "Allow",
                "Action": sorted(
                    [
                        "quicksight:CreateNamespace",
                        "quicksight:DescribeNamespace",
                        "quicksight:ListTagsForResource",
                        *maybe_delete("quicksight:DeleteNamespace"),
                    ]
                ),
                "Resource": sorted(namespaces),
            },
            {
                "Sid": "NamespaceDirectoryHasNoResourceType",
                "Effect": "Allow",
                "Action": [
                    *NAMESPACE_DIRECTORY_ACTIONS,
                    *maybe_delete(*NAMESPACE_DIRECTORY_DELETE_ACTIONS),
                ],
                "Resource": "*",
            },
        ]
    if profiles:
        statements.append(
            {
                "Sid": "TenantPermissionProfiles",
                "Effect": "Allow",
                "Action": sorted(
                    [
                        "quicksight:CreateCustomPermissions",
                        "quicksight:DescribeCustomPermissions",
                        "quicksight:ListTagsForResource",
                        "quicksight:UpdateCustomPermissions",
                        *maybe_delete("quicksight:DeleteCustomPermissions"),
                    ]
                ),
                "Resource": sorted(profiles),
            }
        )
    statements.append(
        {
            # infra.quicksight_user: RegisterUser, DescribeUser (adoption, preview), UpdateUser
            # (role, email), Update/DeleteUserCustomPermission (the profile line).
            "Sid": "TenantUsers",
            "Effect": "Allow",
            "Action": sorted(
                [
                    "quicksight:DeleteUserCustomPermission",
                    "quicksight:DescribeUser",
                    "quicksight:RegisterUser",
                    "quicksight:UpdateUser",
                    "quicksight:UpdateUserCustomPermission",
                    *maybe_delete("quicksight:DeleteUser"),
                ]
            ),
            "Resource": sorted(users),
        }
    )
    return {"Version": POLICY_VERSION, "Statement": statements}
