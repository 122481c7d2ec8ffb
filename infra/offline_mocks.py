"""Mocks answering like AWS would, offline: ids and ARNs built from the declared inputs.

Used by `qs-embed plan` and the tests. An account the tenant file does not name is shown as
the placeholder `<account>`: the real one is known only when deploying with credentials.
A resource type the program starts declaring without being taught here is an error, so the
plan never shows a resource with made-up outputs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from pulumi.runtime.mocks import MockCallArgs, MockResourceArgs, Mocks

from infra.offline import Properties
from policies.embed_role import ACCOUNT_PLACEHOLDER
from policies.project import QS_DYNAMIC_USER
from policies.resources import (
    CALLER_IDENTITY,
    QS_CUSTOM_PERMISSIONS,
    QS_NAMESPACE,
    QS_USER,
    QS_USER_CUSTOM_PERMISSION,
    ROLE,
    ROLE_POLICY,
    namespace_of,
    role_name_of_arn,
)
from tenant_file.config import TenantConfig
from tenant_file.names import (
    embed_role_arn,
    partition_for_region,
    quicksight_user_arn,
    role_session_user_name,
)

DEFAULT_REGION = "us-east-1"


def declared_user_name(inputs: Mapping[str, Any]) -> str:
    """The QuickSight user name a `User` declares: `userName`, or for IAM identity the name
    QuickSight gives a session of the role, `<role name>/<session name>`."""
    if inputs["identityType"] != "IAM":
        return str(inputs["userName"])
    role = role_name_of_arn(str(inputs["iamArn"]))
    if role is None:
        raise ValueError(f"iamArn {inputs['iamArn']!r} is not an IAM role ARN")
    return role_session_user_name(role, str(inputs["sessionName"]))


class UnsupportedResourceError(Exception):
    """The program declared a resource type these mocks (or local apply) cannot handle."""

    def __init__(self, type_token: str, name: str, supported: Iterable[str]) -> None:
        super().__init__(
            f"{name}: resource type {type_token} is not supported here; "
            f"supported: {', '.join(sorted(supported))}"
        )


class OfflineMocks(Mocks):
    """Properties for the resource types TenantStack declares, consistent with AWS's ARN formats:
    one handler per type, taking the declared inputs and giving the id and outputs. The local
    engine's preview (`local_engine.engine`) answers from its state first, and from here for
    the rest."""

    def __init__(self, tenants: Iterable[TenantConfig], account_id: str | None = None) -> None:
        # The role is the only resource that carries no account or region of its own.
        self._tenants_by_role = {t.role_name: t for t in tenants}
        self._caller_account = account_id or ACCOUNT_PLACEHOLDER
        self._handlers: dict[str, Callable[[Properties], tuple[str, Properties]]] = {
            ROLE: self._role,
            ROLE_POLICY: self._role_policy,
            QS_NAMESPACE: self._namespace,
            QS_CUSTOM_PERMISSIONS: self._custom_permissions,
            QS_USER: self._user,
            QS_DYNAMIC_USER: self._user,
            QS_USER_CUSTOM_PERMISSION: self._user_permission,
        }

    def new_resource(self, args: MockResourceArgs) -> tuple[str, Properties]:
        if not args.custom:
            return f"{args.name}-id", dict(args.inputs)
        handler = self._handlers.get(args.typ)
        if handler is None:
            raise UnsupportedResourceError(args.typ, args.name, self._handlers)
        resource_id, outputs = handler(dict(args.inputs))
        return resource_id, {**args.inputs, **outputs, "id": resource_id}

    def call(self, args: MockCallArgs) -> tuple[Properties, list[tuple[str, str]]]:
        if args.token == CALLER_IDENTITY:
            account = self._caller_account
            return {
                "accountId": account,
                "arn": f"arn:aws:iam::{account}:user/plan",
                "userId": "PLAN",
                "id": account,
            }, []
        raise UnsupportedResourceError(args.token, "invoke", [CALLER_IDENTITY])

    # -- per type ------------------------------------------------------------------------

    def _account(self, inputs: Properties) -> str:
        return str(inputs.get("awsAccountId") or self._caller_account)

    def _region(self, inputs: Properties) -> str:
        return str(inputs.get("region") or DEFAULT_REGION)

    def _quicksight_arn(self, inputs: Properties, resource: str) -> str:
        region = self._region(inputs)
        partition = partition_for_region(region)
        return f"arn:{partition}:quicksight:{region}:{self._account(inputs)}:{resource}"

    def _role(self, inputs: Properties) -> tuple[str, Properties]:
        name = str(inputs["name"])
        tenant = self._tenants_by_role.get(name)
        account = (tenant.account_id if tenant else None) or self._caller_account
        partition = partition_for_region(tenant.region if tenant else DEFAULT_REGION)
        return name, {
            "arn": embed_role_arn(partition, account, name),
            "uniqueId": f"AROA{name.upper()[:17]}",
            "path": "/",
        }

    def _role_policy(self, inputs: Properties) -> tuple[str, Properties]:
        return f"{inputs['role']}:{inputs['name']}", {}

    def _namespace(self, inputs: Properties) -> tuple[str, Properties]:
        name = str(inputs["namespace"])
        return f"{self._account(inputs)},{name}", {
            "arn": self._quicksight_arn(inputs, f"namespace/{name}"),
            "capacityRegion": inputs.get("region") or DEFAULT_REGION,
            "creationStatus": "CREATED",
        }

    def _custom_permissions(self, inputs: Properties) -> tuple[str, Properties]:
        name = str(inputs["customPermissionsName"])
        return f"{self._account(inputs)},{name}", {
            "arn": self._quicksight_arn(inputs, f"custompermissions/{name}"),
        }

    def _user(self, inputs: Properties) -> tuple[str, Properties]:
        user_name, namespace = declared_user_name(inputs), namespace_of(inputs)
        account, region = self._account(inputs), self._region(inputs)
        arn = quicksight_user_arn(
            partition_for_region(region), region, account, namespace, user_name
        )
        return f"{account}/{namespace}/{user_name}", {"userName": user_name, "arn": arn}

    def _user_permission(self, inputs: Properties) -> tuple[str, Properties]:
        return f"{self._account(inputs)},{namespace_of(inputs)},{inputs['userName']}", {}
