"""The published JSON Schema of a tenant file, for editors and CI (`qs-embed schema`).

pydantic gives the structure; the AWS limits checked by validators are added from botocore's
models so that the schema and the loader never disagree.
"""

from __future__ import annotations

from typing import Any

from tenant_file.config import TenantConfig, console_user_roles
from tenant_file.entry_points import ALLOWED_DESCRIPTION
from tenant_file.limits import service_limits
from tenant_file.origins import ALLOWED_ORIGIN_PATTERN

SCHEMA_ID = "https://github.com/quicksight-embedding/quicksight-embedding/tenant.schema.json"


def tenant_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of `tenants/<tenant>.yaml`."""
    limits = service_limits()
    schema = TenantConfig.model_json_schema()
    defs = schema["$defs"]
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = SCHEMA_ID
    props = schema["properties"]
    props["account_id"]["anyOf"][0].update(pattern=limits.account_id.pattern)
    props["namespace"].update(
        maxLength=limits.namespace.max_length, minLength=1, pattern=limits.namespace.pattern
    )
    defs["PermissionProfile"]["properties"]["deny"]["items"]["enum"] = sorted(
        limits.capability_names
    )
    defs["TenantUser"]["properties"]["role"]["enum"] = list(console_user_roles())
    embedding = defs["Embedding"]["properties"]
    embedding["session_lifetime_minutes"].update(
        minimum=limits.session_lifetime_min, maximum=limits.session_lifetime_max
    )
    embedding["default_entry_point"].update(
        maxLength=limits.entry_point.max_length, description=f"Entry point: {ALLOWED_DESCRIPTION}."
    )
    embedding["allowed_domains"]["items"].update(pattern=ALLOWED_ORIGIN_PATTERN)
    # Just-in-time registration is for iam identity only (a cross-field rule of the loader).
    defs["Embedding"]["if"] = {"properties": {"identity": {"const": "quicksight"}}}
    defs["Embedding"]["then"] = {"properties": {"register_on_first_use": {"const": False}}}
    embedding["external_id"]["anyOf"][0].update(
        minLength=limits.external_id.min_length,
        maxLength=limits.external_id.max_length,
        pattern=limits.external_id.pattern,
    )
    return schema
