"""The published JSON Schema of a tenant file, for editors and CI (`qs-embed schema`).

pydantic gives the structure; the AWS limits checked by validators are added from botocore's
models so that the schema and the loader never disagree.
"""

from __future__ import annotations

from typing import Any

from tenant_file.config import TenantConfig, console_user_roles
from tenant_file.entry_points import ALLOWED_DESCRIPTION
from tenant_file.limits import StringLimit, service_limits
from tenant_file.origins import ALLOWED_ORIGIN_PATTERN

ASCII_ID = r"^[A-Za-z0-9_-]+$"
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
    _experience_limits(defs)
    return schema


def _ascii_id(limit: StringLimit) -> dict[str, Any]:
    # AWS's `[\w\-]+` read as Java reads `\w` (ASCII), anchored as the loader matches it.
    return {"minLength": limit.min_length, "maxLength": limit.max_length, "pattern": ASCII_ID}


def _experience_limits(defs: dict[str, Any]) -> None:
    """Dashboard and topic ids, session tags: botocore's shapes (`embedder.experience_config`)."""
    limits = service_limits()
    dashboard, topic = _ascii_id(limits.resource_id), _ascii_id(limits.topic_id)
    defs["Embedding"]["properties"]["dashboards"].update(uniqueItems=True)
    defs["Embedding"]["properties"]["dashboards"]["items"].update(dashboard)
    defs["Embedding"]["properties"]["experiences"].update(uniqueItems=True)
    anonymous = defs["Anonymous"]["properties"]
    anonymous["dashboards"].update(uniqueItems=True)
    anonymous["dashboards"]["items"].update(dashboard)
    anonymous["topics"].update(uniqueItems=True)
    anonymous["topics"]["items"].update(topic)
    key = {
        "minLength": limits.session_tag_key.min_length,
        "maxLength": limits.session_tag_key.max_length,
    }
    value = {
        "minLength": limits.session_tag_value.min_length,
        "maxLength": limits.session_tag_value.max_length,
    }
    tags = defs["SessionTags"]["properties"]
    tags["keys"].update(uniqueItems=True, maxItems=limits.session_tags_max)
    tags["keys"]["items"].update(key)
    tags["fixed"].update(propertyNames=key, maxProperties=limits.session_tags_max)
    tags["fixed"]["additionalProperties"].update(value)
