"""The ARNs the embedder sends: the embed role and QuickSight users (pure functions)."""

from __future__ import annotations

from functools import cache

from botocore.regions import EndpointResolver

from embedder.limits import model_loader


@cache
def partition_for_region(region: str) -> str:
    """`aws`, `aws-cn`, `aws-us-gov`, ... as botocore's endpoint data knows them (read without
    a session, so an unusable AWS profile does not matter here)."""
    return str(_endpoint_resolver().get_partition_for_region(region))


@cache
def _endpoint_resolver() -> EndpointResolver:
    return EndpointResolver(model_loader().load_data("endpoints"), uses_builtin_data=True)


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
