"""Every AWS name and ARN derived from a tenant file (pure functions), in one place: the embed
role, the profiles' CustomPermissions, QuickSight users and their ARNs. Names are fixed, so apps
find them without stack outputs; `TenantConfig` offers them per tenant (`role_name`,
`profile_name`, `quicksight_user_name`)."""

from __future__ import annotations

from functools import cache

from botocore.regions import EndpointResolver

from tenant_file.limits import model_loader


@cache
def partition_for_region(region: str) -> str:
    """`aws`, `aws-cn`, `aws-us-gov`, ... as botocore's endpoint data knows them (read without
    a session, so an unusable AWS profile does not matter here)."""
    return str(_endpoint_resolver().get_partition_for_region(region))


@cache
def _endpoint_resolver() -> EndpointResolver:
    return EndpointResolver(model_loader().load_data("endpoints"), uses_builtin_data=True)


ROLE_NAME_PREFIX = "qs-embed-"
"""Every embed role is `qs-embed-<tenant>`; the prefix is reserved for them (deployer policy)."""


def embed_role_name(tenant: str) -> str:
    """The deterministic embed role name, so apps find it without stack outputs."""
    return f"{ROLE_NAME_PREFIX}{tenant}"


def profile_physical_name(tenant: str, profile: str) -> str:
    """The CustomPermissionsName in QuickSight of a tenant's profile."""
    return f"{tenant}-{profile}"


def embed_role_arn(partition: str, account_id: str, role_name: str) -> str:
    return f"arn:{partition}:iam::{account_id}:role/{role_name}"


def quicksight_user_arn(
    partition: str, region: str, account_id: str, namespace: str, user_name: str
) -> str:
    """A QuickSight user; `region` is the identity region, where QuickSight keeps its users."""
    return f"arn:{partition}:quicksight:{region}:{account_id}:user/{namespace}/{user_name}"


def role_session_user_name(role_name: str, session_name: str) -> str:
    """The QuickSight user name of an IAM role session: `<role name>/<session name>`."""
    return f"{role_name}/{session_name}"
