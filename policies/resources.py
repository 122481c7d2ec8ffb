"""Resource types and properties, named once for the program, its mocks, the plan and the pack.

Pulumi-free (no pulumi, pulumi-aws or pulumi-policy import), so anything may import it: the
type tokens below are the ones `infra.tenant_stack` declares, `infra.offline_mocks` and
`local_engine.local_apply` answer, `qs-embed plan` shows and the rules read. Properties are read by
their wire (camelCase) names, as declared in pulumi-aws's Python SDK
(`@pulumi.getter(name="assumeRolePolicy")` and so on).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from policies.policy_documents import DocumentError, parse_document
from policies.project import QS_DYNAMIC_USER

ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
MANAGED_POLICY = "aws:iam/policy:Policy"
ROLE_POLICY_ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
ROLE_POLICY_ATTACHMENTS_EXCLUSIVE = (
    "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive"
)
QS_USER = "aws:quicksight/user:User"
QS_CUSTOM_PERMISSIONS = "aws:quicksight/customPermissions:CustomPermissions"
QS_USER_CUSTOM_PERMISSION = "aws:quicksight/userCustomPermission:UserCustomPermission"
QS_NAMESPACE = "aws:quicksight/namespace:Namespace"
"""`infra.quicksight_user.QuickSightUser`: the users TenantStack declares (role, email and
profile in place; the profile is its `customPermissionsName`). Same property names as QS_USER."""
QS_USER_TYPES = frozenset({QS_USER, QS_DYNAMIC_USER})
"""Every type that declares a QuickSight user (rules apply to both)."""
CALLER_IDENTITY = "aws:index/getCallerIdentity:getCallerIdentity"
"""The invoke TenantStack makes when a tenant file names no account."""

DEFAULT_NAMESPACE = "default"
"""What QuickSight (and pulumi-aws) use when a user's namespace is not given."""
IAM_DEFAULT_MAX_SESSION_SECONDS = 3600
"""IAM's default MaxSessionDuration when a role does not set one."""
EMBED_ROLE_SESSION_SECONDS = IAM_DEFAULT_MAX_SESSION_SECONDS
"""The embed role's MaxSessionDuration, and the most the pack lets pass quietly: its session
only mints URLs, and the embedder refreshes it before it ends."""

DocumentKind = Literal["trust", "permissions"]


@dataclass(frozen=True)
class IamDocument:
    """One IAM document found in a resource, or why it could not be read."""

    where: str
    """`role qs-embed-acme trust policy`: how messages name it."""
    kind: DocumentKind
    role_name: str | None
    """The role the document belongs to (None: a managed policy, attached elsewhere)."""
    document: Mapping[str, Any] | None
    error: str | None = None


def text(props: Mapping[str, Any], key: str) -> str | None:
    value = props.get(key)
    return value if isinstance(value, str) else None


def namespace_of(props: Mapping[str, Any]) -> str:
    """The QuickSight namespace a user (or profile attachment) is in; absent means `default`."""
    return text(props, "namespace") or DEFAULT_NAMESPACE


def strings(props: Mapping[str, Any], key: str) -> list[str]:
    value = props.get(key)
    if isinstance(value, str):
        return [value]
    if isinstance(value, Sequence):
        return [v for v in value if isinstance(v, str)]
    return []


def role_name_of_arn(arn: str) -> str | None:
    """`arn:aws:iam::111122223333:role/path/qs-embed-acme` -> `qs-embed-acme`."""
    parts = arn.split(":", 5)
    if len(parts) == 6 and parts[2] == "iam" and parts[5].startswith("role/"):
        return parts[5].rsplit("/", 1)[-1]
    return None


def role_display(props: Mapping[str, Any], resource_name: str) -> str:
    """The role's IAM name, else its Pulumi resource name (auto-named roles)."""
    return text(props, "name") or f"<auto-named {resource_name}>"


def iam_documents(resource_type: str, props: Mapping[str, Any], name: str) -> list[IamDocument]:
    """Every IAM document a resource carries: a role's trust and inline policies, a policy's."""
    found: list[IamDocument] = []
    if resource_type == ROLE:
        role = role_display(props, name)
        if "assumeRolePolicy" in props:
            found.append(
                _read(f"role {role} trust policy", "trust", role, props["assumeRolePolicy"])
            )
        inline = props.get("inlinePolicies")
        for i, item in enumerate(inline if isinstance(inline, Sequence) else []):
            if isinstance(item, Mapping) and item.get("policy"):
                label = item.get("name") or f"#{i}"
                where = f"role {role} inline policy {label!r}"
                found.append(_read(where, "permissions", role, item["policy"]))
    elif resource_type == ROLE_POLICY and "policy" in props:
        role = text(props, "role") or "<unknown role>"
        where = f"role {role} policy {text(props, 'name') or name!r}"
        found.append(_read(where, "permissions", role, props["policy"]))
    elif resource_type == MANAGED_POLICY and "policy" in props:
        where = f"managed policy {text(props, 'name') or name}"
        found.append(_read(where, "permissions", None, props["policy"]))
    return found


def _read(where: str, kind: DocumentKind, role: str | None, value: Any) -> IamDocument:
    try:
        return IamDocument(where, kind, role, parse_document(value))
    except DocumentError as e:
        return IamDocument(where, kind, role, None, str(e))
