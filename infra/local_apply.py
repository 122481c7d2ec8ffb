"""Apply the Pulumi program to the local emulator, without the Pulumi CLI or provider plugin.

The program runs in-process under Pulumi's mocks (`infra.offline`); these mocks create each
declared resource in the emulator with boto3 and hand back the real ids and ARNs, so the
program's own Outputs (role ARN into IAM-identity users, profile names into attachments) flow
exactly as they would under `pulumi up`. Pulumi registers a resource only once its inputs are
resolved, so dependencies are created first. Applying twice converges: what exists is updated.

This is a local stand-in for the provider, not a deployment engine: nothing is deleted and no
state is kept; the emulator is the state.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import boto3
from botocore.exceptions import ClientError
from pulumi.runtime.mocks import MockCallArgs, MockResourceArgs

from embedder.config import TenantConfig
from infra.capabilities import DENY, capability_names
from infra.offline import OfflineRun, plain_properties, run_offline
from infra.plan_mocks import TenantResourceMocks, UnsupportedResourceError, declared_user_name
from infra.program import declare_tenants
from infra.tenant_stack import TenantStack
from policies.resources import (
    CALLER_IDENTITY,
    namespace_of,
)

Outputs = dict[str, Any]


class LocalApplyError(Exception):
    """The emulator refused to create a declared resource; says which one and why."""


@contextmanager
def _refusal(type_token: str, name: str) -> Iterator[None]:
    try:
        yield
    except ClientError as e:
        error = e.response.get("Error", {})
        raise LocalApplyError(
            f"{name} ({type_token}): {error.get('Code', 'error')}: {error.get('Message', e)}"
        ) from e


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


class LocalApplyMocks(TenantResourceMocks):
    """Creates (or updates) each declared resource in the emulator behind `session`."""

    def __init__(self, session: boto3.Session) -> None:
        # Any: boto3-stubs types clients by literal service name; these are chosen at run time.
        self._session: Any = session
        self._lock = threading.Lock()  # clients are thread-safe, creating them is not
        self._clients: dict[tuple[str, str | None], Any] = {}
        super().__init__()

    def call(self, args: MockCallArgs) -> tuple[Outputs, list[tuple[str, str]]]:
        if args.token != CALLER_IDENTITY:
            raise UnsupportedResourceError(args.token, "invoke", [CALLER_IDENTITY])
        with _refusal(args.token, "caller identity"):
            me = self._client("sts").get_caller_identity()
        return {"accountId": me["Account"], "arn": me["Arn"], "userId": me["UserId"]}, []

    def _handle(
        self, args: MockResourceArgs, handler: Callable[[Outputs], tuple[str, Outputs]]
    ) -> tuple[str, Outputs]:
        # AWS gets the plain values; the outputs keep the inputs as given (secrets wrapped).
        inputs, _ = plain_properties(args.inputs)
        with _refusal(args.typ, args.name):
            return handler(inputs)

    def _client(self, service: str, region: str | None = None) -> Any:
        with self._lock:
            key = (service, region)
            if key not in self._clients:
                self._clients[key] = self._session.client(service, region_name=region)
            return self._clients[key]

    def _quicksight(self, inputs: Outputs) -> Any:
        return self._client("quicksight", inputs.get("region"))

    # -- IAM -------------------------------------------------------------------------------

    def _role(self, inputs: Outputs) -> tuple[str, Outputs]:
        iam = self._client("iam")
        name = inputs["name"]
        settings = {
            "Description": inputs.get("description", ""),
            "MaxSessionDuration": int(inputs.get("maxSessionDuration", 3600)),
        }
        try:
            role = iam.create_role(
                RoleName=name, AssumeRolePolicyDocument=inputs["assumeRolePolicy"], **settings
            )["Role"]
        except ClientError as e:
            if _code(e) != "EntityAlreadyExists":
                raise
            iam.update_assume_role_policy(RoleName=name, PolicyDocument=inputs["assumeRolePolicy"])
            iam.update_role(RoleName=name, **settings)
            role = iam.get_role(RoleName=name)["Role"]
        return name, {"arn": role["Arn"], "uniqueId": role["RoleId"], "path": role["Path"]}

    def _role_policy(self, inputs: Outputs) -> tuple[str, Outputs]:
        role, name = inputs["role"], inputs["name"]
        self._client("iam").put_role_policy(
            RoleName=role, PolicyName=name, PolicyDocument=inputs["policy"]
        )
        return f"{role}:{name}", {}

    # -- QuickSight ------------------------------------------------------------------------

    def _namespace(self, inputs: Outputs) -> tuple[str, Outputs]:
        qs, account, name = self._quicksight(inputs), inputs["awsAccountId"], inputs["namespace"]
        try:
            created = qs.create_namespace(
                AwsAccountId=account,
                Namespace=name,
                IdentityStore=inputs.get("identityStore", "QUICKSIGHT"),
            )
            described = {k: created[k] for k in ("Arn", "CapacityRegion", "CreationStatus")}
        except ClientError as e:
            if _code(e) != "ResourceExistsException":
                raise
            described = qs.describe_namespace(AwsAccountId=account, Namespace=name)["Namespace"]
        return f"{account},{name}", {
            "arn": described["Arn"],
            "capacityRegion": described["CapacityRegion"],
            "creationStatus": described["CreationStatus"],
        }

    def _custom_permissions(self, inputs: Outputs) -> tuple[str, Outputs]:
        qs, account = self._quicksight(inputs), inputs["awsAccountId"]
        name = inputs["customPermissionsName"]
        capabilities = dict.fromkeys(capability_names(inputs.get("capabilities", {})), DENY)
        request = {
            "AwsAccountId": account,
            "CustomPermissionsName": name,
            "Capabilities": capabilities,
        }
        try:
            arn = qs.create_custom_permissions(**request)["Arn"]
        except ClientError as e:
            if _code(e) != "ResourceExistsException":
                raise
            arn = qs.update_custom_permissions(**request)["Arn"]
        return f"{account},{name}", {"arn": arn}

    def _user(self, inputs: Outputs) -> tuple[str, Outputs]:
        qs, account = self._quicksight(inputs), inputs["awsAccountId"]
        namespace, user_name = namespace_of(inputs), declared_user_name(inputs)
        identity: dict[str, str] = {"IdentityType": inputs["identityType"]}
        if inputs["identityType"] == "IAM":
            identity |= {"IamArn": inputs["iamArn"], "SessionName": inputs["sessionName"]}
        else:
            identity["UserName"] = user_name
        try:
            user = qs.register_user(
                AwsAccountId=account,
                Namespace=namespace,
                Email=inputs["email"],
                UserRole=inputs["userRole"],
                **identity,
            )["User"]
        except ClientError as e:
            if _code(e) != "ResourceExistsException":
                raise
            user = qs.update_user(
                AwsAccountId=account,
                Namespace=namespace,
                UserName=user_name,
                Email=inputs["email"],
                Role=inputs["userRole"],
            )["User"]
        return f"{account}/{namespace}/{user['UserName']}", {
            "arn": user["Arn"],
            "userName": user["UserName"],
        }

    def _user_permission(self, inputs: Outputs) -> tuple[str, Outputs]:
        account, namespace = inputs["awsAccountId"], namespace_of(inputs)
        self._quicksight(inputs).update_user_custom_permission(
            AwsAccountId=account,
            Namespace=namespace,
            UserName=inputs["userName"],
            CustomPermissionsName=inputs["customPermissionsName"],
        )
        return f"{account},{namespace},{inputs['userName']}", {}


def apply_locally(
    tenants: Sequence[TenantConfig], session: boto3.Session
) -> OfflineRun[dict[str, TenantStack]]:
    """Declare every tenant, creating its resources in the emulator behind `session`.

    `tenants` should come from `infra.program.load_checked_tenants` (checked as a whole).
    Raises `LocalApplyError` naming the first resource the emulator refused.
    """
    return run_offline(lambda: declare_tenants(tenants), LocalApplyMocks(session), stack="local")
