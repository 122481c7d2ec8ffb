"""Mocks answering like AWS would, offline: ids and ARNs built from the declared inputs.

Used by `qs-embed plan` and the tests. An account the tenant file does not name is shown as
the placeholder `<account>`: the real one is known only when deploying with credentials.
A resource type the program starts declaring without being taught here is an error, so the
plan never shows a resource with made-up outputs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from pulumi.runtime.mocks import MockCallArgs, MockResourceArgs, Mocks

from embedder.config import TenantConfig
from policies.iam import ACCOUNT_PLACEHOLDER, partition_for_region

CALLER_IDENTITY = "aws:index/getCallerIdentity:getCallerIdentity"
DEFAULT_REGION = "us-east-1"

Outputs = dict[str, Any]


class UnsupportedResourceError(Exception):
    """The program declared a resource type these mocks (or local apply) cannot handle."""

    def __init__(self, type_token: str, name: str, supported: Iterable[str]) -> None:
        super().__init__(
            f"{name}: resource type {type_token} is not supported here; "
            f"supported: {', '.join(sorted(supported))}"
        )


class PlanMocks(Mocks):
    """Outputs for the resource types TenantStack declares, consistent with AWS's ARN formats."""

    def __init__(self, tenants: Iterable[TenantConfig], account_id: str | None = None) -> None:
        # The role is the only resource that carries no account or region of its own.
        self._tenants_by_role = {t.role_name: t for t in tenants}
        self._caller_account = account_id or ACCOUNT_PLACEHOLDER
        self._builders: dict[str, Callable[[str, Outputs], tuple[str, Outputs]]] = {
            "aws:iam/role:Role": self._role,
            "aws:iam/rolePolicy:RolePolicy": self._role_policy,
            "aws:quicksight/namespace:Namespace": self._namespace,
            "aws:quicksight/customPermissions:CustomPermissions": self._custom_permissions,
            "aws:quicksight/user:User": self._user,
            "aws:quicksight/userCustomPermission:UserCustomPermission": self._user_permission,
        }

    def call(self, args: MockCallArgs) -> tuple[Outputs, list[tuple[str, str]]]:
        if args.token == CALLER_IDENTITY:
            account = self._caller_account
            return {
                "accountId": account,
                "arn": f"arn:aws:iam::{account}:user/plan",
                "userId": "PLAN",
                "id": account,
            }, []
        raise UnsupportedResourceError(args.token, "invoke", [CALLER_IDENTITY])

    def new_resource(self, args: MockResourceArgs) -> tuple[str, Outputs]:
        if not args.custom:
            return f"{args.name}-id", dict(args.inputs)
        builder = self._builders.get(args.typ)
        if builder is None:
            raise UnsupportedResourceError(args.typ, args.name, self._builders)
        resource_id, outputs = builder(args.name, dict(args.inputs))
        return resource_id, {**args.inputs, **outputs, "id": resource_id}

    # -- per type ------------------------------------------------------------------------

    def _account(self, inputs: Outputs) -> str:
        return str(inputs.get("awsAccountId") or self._caller_account)

    def _quicksight_arn(self, inputs: Outputs, resource: str) -> str:
        region = str(inputs.get("region") or DEFAULT_REGION)
        partition = partition_for_region(region)
        return f"arn:{partition}:quicksight:{region}:{self._account(inputs)}:{resource}"

    def _role(self, _: str, inputs: Outputs) -> tuple[str, Outputs]:
        name = str(inputs["name"])
        tenant = self._tenants_by_role.get(name)
        account = (tenant.account_id if tenant else None) or self._caller_account
        partition = partition_for_region(tenant.region if tenant else DEFAULT_REGION)
        return name, {
            "arn": f"arn:{partition}:iam::{account}:role/{name}",
            "uniqueId": f"AROA{name.upper()[:17]}",
            "path": "/",
        }

    def _role_policy(self, _: str, inputs: Outputs) -> tuple[str, Outputs]:
        return f"{inputs['role']}:{inputs['name']}", {}

    def _namespace(self, _: str, inputs: Outputs) -> tuple[str, Outputs]:
        name = str(inputs["namespace"])
        return f"{self._account(inputs)},{name}", {
            "arn": self._quicksight_arn(inputs, f"namespace/{name}"),
            "capacityRegion": inputs.get("region") or DEFAULT_REGION,
            "creationStatus": "CREATED",
        }

    def _custom_permissions(self, _: str, inputs: Outputs) -> tuple[str, Outputs]:
        name = str(inputs["customPermissionsName"])
        return f"{self._account(inputs)},{name}", {
            "arn": self._quicksight_arn(inputs, f"custompermissions/{name}"),
        }

    def _user(self, _: str, inputs: Outputs) -> tuple[str, Outputs]:
        if inputs["identityType"] == "IAM":
            role_name = str(inputs["iamArn"]).rsplit("/", 1)[-1]
            user_name = f"{role_name}/{inputs['sessionName']}"
        else:
            user_name = str(inputs["userName"])
        namespace = str(inputs.get("namespace") or "default")
        return f"{self._account(inputs)}/{namespace}/{user_name}", {
            "userName": user_name,
            "arn": self._quicksight_arn(inputs, f"user/{namespace}/{user_name}"),
        }

    def _user_permission(self, _: str, inputs: Outputs) -> tuple[str, Outputs]:
        namespace = inputs.get("namespace") or "default"
        return f"{self._account(inputs)},{namespace},{inputs['userName']}", {}
