"""Reading resources as the policy engine hands them: unknown values, parents.

Kept apart from `policies.resources` (pulumi-free, imported by the program and its mocks):
these need pulumi-policy's proxy and resource types.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import PolicyResource
from pulumi_policy.proxy import UnknownValueError

from policies.project import TENANT_STACK
from policies.resources import text


def known_text(props: Mapping[str, Any], key: str) -> str | None:
    """A string property, or None when it is absent or not known until deploy (preview)."""
    try:
        return text(props, key)
    except UnknownValueError:
        return None


def tenant_stack_of(resource: PolicyResource) -> PolicyResource | None:
    """The nearest TenantStack component above a resource (stack policies see parents)."""
    parent = resource.parent
    while parent is not None:
        if parent.resource_type == TENANT_STACK:
            return parent
        parent = parent.parent
    return None
