"""Mint single-use Amazon QuickSight console embed URLs for the users of a tenant.

    from embedder import Embedder
    emb = Embedder.from_yaml("tenants/acme.yaml")
    url = emb.session_embed_url("alice", entry_point="/dashboards/abc", lifetime_minutes=60)
    url.url, url.expires_at, url.request_id, url.status

Apps serving many tenants keep a registry of the tenant directory, which follows its edits:

    from embedder import TenantRegistry
    registry = TenantRegistry.from_dir("tenants/", refresh_seconds=30)
    registry.session_embed_url("acme", "alice"); registry.problems

Embed URLs and role credentials are secrets: every Embedder puts a redacting filter on botocore's
loggers; scripts that call AWS before making one call `install_log_redaction()` first.

Apps install this package with the tenant-file package (`tenant_file`: the model, the reader,
the names), as the distribution `quicksight-embedder` (boto3, botocore, pyyaml, pydantic): it
imports no other part of the repository.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from embedder.errors import (
    AccessDeniedError,
    AssumeRoleError,
    AwsConfigurationError,
    AwsError,
    AwsSdkError,
    BadInputError,
    ConfigError,
    CredentialsError,
    DomainNotAllowedError,
    EmbedderError,
    EndpointUnreachableError,
    EntryPointNotAllowedError,
    ExpiredCredentialsError,
    InternalFailureError,
    InvalidParameterValueError,
    MissingCredentialsError,
    Problem,
    QuickSightUserNotFoundError,
    ResourceExistsError,
    ResourceNotFoundError,
    SessionLifetimeInMinutesInvalidError,
    SessionLifetimeNotAllowedError,
    ThrottlingError,
    UnknownTenantError,
    UnknownUserError,
    UnreadableResponseError,
    UnsupportedUserEditionError,
)
from embedder.redaction import install_log_redaction, redact

if TYPE_CHECKING:
    from embedder.clients import ClientPool, RoleSession
    from embedder.embedder import Embedder
    from embedder.registry import TenantRegistry
    from embedder.result import EmbedUrl

__version__ = "0.2.0"
"""The version of both distributions (quicksight-embedder and quicksight-embedding): the one
place it is written; each pyproject.toml reads it from here."""

# Imported on first use, so `qs-embed validate` and `import embedder.errors` stay light.
_LAZY = {
    "ClientPool": "embedder.clients",
    "EmbedUrl": "embedder.result",
    "Embedder": "embedder.embedder",
    "RoleSession": "embedder.clients",
    "TenantRegistry": "embedder.registry",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'embedder' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "AccessDeniedError",
    "AssumeRoleError",
    "AwsConfigurationError",
    "AwsError",
    "AwsSdkError",
    "BadInputError",
    "ClientPool",
    "ConfigError",
    "CredentialsError",
    "DomainNotAllowedError",
    "EmbedUrl",
    "Embedder",
    "EmbedderError",
    "EndpointUnreachableError",
    "EntryPointNotAllowedError",
    "ExpiredCredentialsError",
    "InternalFailureError",
    "InvalidParameterValueError",
    "MissingCredentialsError",
    "Problem",
    "QuickSightUserNotFoundError",
    "ResourceExistsError",
    "ResourceNotFoundError",
    "RoleSession",
    "SessionLifetimeInMinutesInvalidError",
    "SessionLifetimeNotAllowedError",
    "TenantRegistry",
    "ThrottlingError",
    "UnknownTenantError",
    "UnknownUserError",
    "UnreadableResponseError",
    "UnsupportedUserEditionError",
    "__version__",
    "install_log_redaction",
    "redact",
]
