"""Facts of the Service Authorization Reference: which IAM actions have a resource type.

botocore's service models describe APIs, not IAM, so they cannot say that an action has no
resource type. parliament ships AWS's published IAM definition (the same facts as the Service
Authorization Reference); this module reads it lazily so importing `policies` stays cheap.
"""

from __future__ import annotations

from functools import cache
from typing import Any


@cache
def action_resource_types(service: str) -> dict[str, frozenset[str]]:
    """`<service>:<Action>` -> the resource types it can be scoped to (empty: none)."""
    from parliament import iam_definition

    definitions: list[dict[str, Any]] = [d for d in iam_definition if d["prefix"] == service]
    if not definitions:
        raise KeyError(f"no IAM definition for service prefix {service!r}")
    out: dict[str, frozenset[str]] = {}
    for privilege in definitions[0]["privileges"]:
        types = {
            str(r["resource_type"]).rstrip("*")
            for r in privilege["resource_types"]
            if r["resource_type"]
        }
        out[f"{service}:{privilege['privilege']}"] = frozenset(types)
    return out
