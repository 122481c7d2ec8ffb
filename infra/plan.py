"""The plan: what the program declares per tenant, from an offline run, as plain data.

Everything shown comes from the registrations the program really made (not from calling the
policy builders a second time), so the plan cannot disagree with `pulumi up`. The external id
is the one secret a tenant file holds; it is replaced by a marker wherever it appears.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from infra.capabilities import capability_names
from infra.offline import DeclaredResource, OfflineRun
from policies.embed_role import ACCOUNT_PLACEHOLDER
from policies.project import QS_DYNAMIC_USER, TENANT_STACK
from policies.resources import (
    QS_CUSTOM_PERMISSIONS,
    QS_NAMESPACE,
    QS_USER,
    QS_USER_CUSTOM_PERMISSION,
    ROLE,
    ROLE_POLICY,
)
from tenant_file.config import TenantConfig
from tenant_file.wording import plural

REDACTED_EXTERNAL_ID = "<secret: embedding.external_id>"

# Display order within a tenant: the order a reviewer reads the dependencies in.
TYPE_ORDER = (
    ROLE,
    ROLE_POLICY,
    QS_NAMESPACE,
    QS_CUSTOM_PERMISSIONS,
    QS_USER,
    QS_DYNAMIC_USER,
    QS_USER_CUSTOM_PERMISSION,
)
POLICY_PROPERTIES = {ROLE: "assumeRolePolicy", ROLE_POLICY: "policy"}


def resource_count(resources: int, components: int, outside: int = 0) -> str:
    """How `qs-embed plan` and `qs-embed check` count what the program declares: the AWS
    resources, and the TenantStack components (one per tenant) that hold them."""
    counted = f"{plural(resources, 'resource')} in {plural(components, 'tenant component')}"
    return counted + (f" and {outside} outside them" if outside else "")


def build_plan(tenants: Sequence[TenantConfig], run: OfflineRun[Any]) -> dict[str, Any]:
    """The machine-readable plan (`qs-embed plan --json`)."""
    components = {r.name: r for r in run.of_type(TENANT_STACK)}
    planned = [_tenant_plan(t, components[t.tenant], run) for t in tenants]
    return {
        "offline": True,
        "accountPlaceholder": ACCOUNT_PLACEHOLDER,
        "summary": {
            "tenants": len(planned),
            "resources": sum(len(p["resources"]) for p in planned),
            "components": len(planned),
        },
        "tenants": planned,
    }


def _tenant_plan(
    tenant: TenantConfig, component: DeclaredResource, run: OfflineRun[Any]
) -> dict[str, Any]:
    secrets = _secrets(tenant)
    children = sorted(run.children(component), key=_display_key)
    resources = [_resource_plan(r, secrets) for r in children]
    return {
        "tenant": tenant.tenant,
        "identity": tenant.embedding.identity,
        "account": tenant.account_id or ACCOUNT_PLACEHOLDER,
        "region": tenant.region,
        "namespace": tenant.namespace,
        "embedRole": tenant.role_name,
        "component": {"type": component.type, "name": component.name},
        "resources": resources,
        "policies": {
            "trust": _policy_of(children, ROLE, secrets),
            "permissions": _policy_of(children, ROLE_POLICY, secrets),
        },
        "outputs": _redact(run.outputs.get(tenant.tenant, {}), secrets),
    }


def _resource_plan(resource: DeclaredResource, secrets: frozenset[str]) -> dict[str, Any]:
    properties = dict(sorted(resource.inputs.items()))
    policy_key = POLICY_PROPERTIES.get(resource.type)
    if policy_key in properties:
        properties[policy_key] = json.loads(properties[policy_key])
    if resource.type == QS_CUSTOM_PERMISSIONS:
        properties["deny"] = capability_names(properties.get("capabilities", {}))
    plan: dict[str, Any] = {
        "type": resource.type,
        "name": resource.name,
        "properties": _redact(properties, secrets),
        "retainOnDelete": resource.retain_on_delete,
    }
    if resource.secret_inputs:
        plan["secretInState"] = sorted(resource.secret_inputs)
    return plan


def _policy_of(
    children: Sequence[DeclaredResource], type_token: str, secrets: frozenset[str]
) -> Any:
    for resource in children:
        if resource.type == type_token:
            return _redact(json.loads(resource.inputs[POLICY_PROPERTIES[type_token]]), secrets)
    return None


def _secrets(tenant: TenantConfig) -> frozenset[str]:
    external_id = tenant.embedding.external_id
    return frozenset() if external_id is None else frozenset({external_id.get_secret_value()})


def _redact(value: Any, secrets: frozenset[str]) -> Any:
    """Secrets replaced by a marker; whole floats (protobuf has no ints) back to ints."""
    if isinstance(value, str):
        return REDACTED_EXTERNAL_ID if value in secrets else value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Mapping):
        return {k: _redact(v, secrets) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_redact(v, secrets) for v in value]
    return value


def _display_key(resource: DeclaredResource) -> tuple[int, str]:
    rank = TYPE_ORDER.index(resource.type) if resource.type in TYPE_ORDER else len(TYPE_ORDER)
    return rank, resource.name
