"""What the providers do per resource type, against AWS (or the emulator) with boto3.

For pulumi-aws types each handler makes the calls the Terraform provider makes (the source
file is named on each class), and fails as it fails: CreateRole of an existing role is
EntityAlreadyExists, CreateNamespace and CreateCustomPermissions of existing ones are
ResourceExists. QuickSight users go through `infra.quicksight_user.QuickSightUserProvider`
itself, the code `pulumi up` runs, in the Pulumi provider host (`local_engine.provider_host`).

`conflict` is the engine's look before it changes anything: for a resource about to be
created it says why the create would fail on an existing resource (and how to adopt it).
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol

import boto3
from botocore.config import Config as BotocoreConfig
from botocore.exceptions import ClientError

from infra.aws_config import AwsProviderConfig, ConfiguredClients, StackConfig, stack_config_for
from infra.capabilities import capabilities_input, capability_names
from infra.offline import Properties
from infra.quicksight_user import QuickSightUserProvider, serialized_provider
from local_engine.provider_host import PROVIDER_KEY, DynamicProviderHost, HostDiff
from policies.project import PROJECT, QS_DYNAMIC_USER
from policies.resources import (
    IAM_DEFAULT_MAX_SESSION_SECONDS,
    QS_CUSTOM_PERMISSIONS,
    QS_NAMESPACE,
    ROLE,
    ROLE_POLICY,
)
from tenant_file.limits import CAPABILITY_DENY

DEFAULT_NAMESPACE_TIMEOUT = 120.0
"""terraform-provider-aws namespace.go: SetDefaultCreateTimeout(2 * time.Minute)."""
NAMESPACE_POLL_SECONDS = 10.0
"""namespace.go waits with MinTimeout 10 s between DescribeNamespace calls."""


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


class Clients:
    """boto3 clients of one session (and endpoint), made once per service and region, and the
    stack config that points the providers at the same account and endpoint.

    `Clients(session, endpoint_url)` acts with `session` and hands the users' provider the
    config a user writes for that endpoint (`infra.aws_config.stack_config_for`);
    `Clients.configured(stack_config)` reads a stack's `aws:` config as pulumi-aws does and
    acts with the session it describes (the account checked as the aws provider checks it).
    """

    def __init__(
        self,
        session: boto3.Session,
        endpoint_url: str | None = None,
        config: BotocoreConfig | None = None,
        *,
        stack_config: StackConfig | None = None,
    ) -> None:
        self._session: Any = session  # boto3-stubs types clients per literal service name
        self._endpoint_url = endpoint_url or getattr(session, "endpoint_url", None)
        self._config = config
        self._lock = threading.Lock()  # clients are thread-safe, creating them is not
        self._made: dict[tuple[str, str | None], Any] = {}
        self._configured: ConfiguredClients | None = None
        self.stack_config = stack_config or stack_config_for(session, self._endpoint_url)

    @classmethod
    def configured(cls, stack_config: StackConfig) -> Clients:
        """Clients of the session the stack's `aws:` config describes (AwsConfigError if it
        cannot: no region, an account outside aws:allowedAccountIds, ...)."""
        settings = AwsProviderConfig.from_pulumi_config(stack_config.values, os.environ)
        configured = ConfiguredClients(settings)
        configured.configure()
        clients = cls(configured.session(), stack_config=stack_config)
        clients._configured = configured
        return clients

    @property
    def default_region(self) -> str | None:
        """The provider's region (aws:region): where a call without a resource region goes."""
        region: str | None = self._session.region_name
        return region

    def __call__(self, service: str, region: str | None = None) -> Any:
        if self._configured is not None:
            return self._configured(service, region)
        with self._lock:
            key = (service, region)
            if key not in self._made:
                options: dict[str, Any] = {"region_name": region}
                if self._endpoint_url is not None:
                    options["endpoint_url"] = self._endpoint_url
                if self._config is not None:
                    options["config"] = self._config
                self._made[key] = self._session.client(service, **options)
            return self._made[key]

    def endpoint(self, service: str, region: str | None = None) -> str:
        """The endpoint the client of `service` really uses, as botocore resolved it (the
        override, `AWS_ENDPOINT_URL[_<SERVICE>]` unless `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS`,
        the config file's `endpoint_url`, or AWS's own)."""
        return str(self(service, region).meta.endpoint_url)


def timeout_seconds(value: str | None, default: float) -> float:
    """A Pulumi custom timeout (`20m`, `1h30m`, `90s`) in seconds; `default` when not set."""
    if not value:
        return default
    units = {"h": 3600.0, "m": 60.0, "s": 1.0}
    total, number = 0.0, ""
    for char in value:
        if char.isdigit() or char == ".":
            number += char
        elif char in units and number:
            total, number = total + float(number) * units[char], ""
        else:
            raise ValueError(f"{value!r} is not a timeout such as 20m")
    if number:
        raise ValueError(f"{value!r} is not a timeout such as 20m (a unit is missing)")
    return total


class ResourceHandler(Protocol):
    def create(self, inputs: Properties) -> tuple[str, Properties]: ...
    def update(self, id_: str, olds: Properties, news: Properties) -> Properties: ...
    def delete(self, id_: str, olds: Properties) -> None: ...
    def conflict(self, inputs: Properties) -> str | None: ...
    def read(self, id_: str, inputs: Properties) -> Properties | None: ...
    def refresh(self, id_: str, olds: Properties) -> Properties | None: ...
    def expected_id(self, inputs: Properties) -> str: ...


class _Handler:
    def __init__(self, clients: Clients) -> None:
        self._clients = clients

    def _qs(self, inputs: Mapping[str, Any]) -> Any:
        return self._clients("quicksight", inputs.get("region"))

    def read(self, id_: str, inputs: Properties) -> Properties | None:
        raise NotImplementedError(f"{type(self).__name__} cannot import ({id_})")

    def refresh(self, id_: str, olds: Properties) -> Properties | None:
        """The resource as AWS has it now (`pulumi refresh`: the provider's Read), by input
        and output names, or None when it is gone. A value equal in meaning to the old one
        (the same policy written differently) is returned as the old one."""
        raise NotImplementedError

    def expected_id(self, inputs: Properties) -> str:
        """The provider id `create` gives for `inputs` (every id here is made of names), so
        a create interrupted before it was recorded can be looked up."""
        raise NotImplementedError


class RoleHandler(_Handler):
    """terraform-provider-aws internal/service/iam/role.go."""

    def create(self, inputs: Properties) -> tuple[str, Properties]:
        name = inputs["name"]
        role = self._clients("iam").create_role(
            RoleName=name,
            Path=inputs.get("path", "/"),
            AssumeRolePolicyDocument=inputs["assumeRolePolicy"],
            Description=inputs.get("description", ""),
            MaxSessionDuration=_session_seconds(inputs),
        )["Role"]
        return name, {"arn": role["Arn"], "uniqueId": role["RoleId"], "path": role["Path"]}

    def update(self, id_: str, olds: Properties, news: Properties) -> Properties:
        iam = self._clients("iam")
        if olds.get("assumeRolePolicy") != news["assumeRolePolicy"]:
            iam.update_assume_role_policy(RoleName=id_, PolicyDocument=news["assumeRolePolicy"])
        settings = {}
        if olds.get("description") != news.get("description"):
            settings["Description"] = news.get("description", "")
        if olds.get("maxSessionDuration") != news.get("maxSessionDuration"):
            settings["MaxSessionDuration"] = _session_seconds(news)
        if settings:
            iam.update_role(RoleName=id_, **settings)
        return {k: olds[k] for k in ("arn", "uniqueId", "path") if k in olds}

    def delete(self, id_: str, olds: Properties) -> None:
        try:
            self._clients("iam").delete_role(RoleName=id_)
        except ClientError as e:
            if error_code(e) != "NoSuchEntity":
                raise

    def expected_id(self, inputs: Properties) -> str:
        return str(inputs["name"])

    def refresh(self, id_: str, olds: Properties) -> Properties | None:
        # role.go resourceRoleRead: GetRole; assume_role_policy compared as policy JSON.
        try:
            role = self._clients("iam").get_role(RoleName=id_)["Role"]
        except ClientError as e:
            if error_code(e) == "NoSuchEntity":
                return None
            raise
        return {
            "name": role["RoleName"],
            "assumeRolePolicy": same_document(
                olds.get("assumeRolePolicy"), role["AssumeRolePolicyDocument"]
            ),
            "description": role.get("Description", ""),
            "maxSessionDuration": role.get("MaxSessionDuration", IAM_DEFAULT_MAX_SESSION_SECONDS),
            "arn": role["Arn"],
            "uniqueId": role["RoleId"],
            "path": role["Path"],
        }

    def conflict(self, inputs: Properties) -> str | None:
        try:
            self._clients("iam").get_role(RoleName=inputs["name"])
        except ClientError as e:
            if error_code(e) == "NoSuchEntity":
                return None
            raise
        return (
            f"IAM role {inputs['name']} already exists and is not in this state; the stack "
            "creates its embed role itself: delete the old role (it grants only embedding) "
            "or deploy with the state that created it"
        )


class RolePolicyHandler(_Handler):
    """terraform-provider-aws internal/service/iam/role_policy.go: PutRolePolicy for create
    and update alike (IAM replaces an inline policy of that name: no clash to look for)."""

    def create(self, inputs: Properties) -> tuple[str, Properties]:
        self._put(inputs)
        return f"{inputs['role']}:{inputs['name']}", {}

    def update(self, id_: str, olds: Properties, news: Properties) -> Properties:
        self._put(news)
        return {}

    def _put(self, inputs: Properties) -> None:
        self._clients("iam").put_role_policy(
            RoleName=inputs["role"], PolicyName=inputs["name"], PolicyDocument=inputs["policy"]
        )

    def delete(self, id_: str, olds: Properties) -> None:
        role, name = id_.split(":", 1)
        try:
            self._clients("iam").delete_role_policy(RoleName=role, PolicyName=name)
        except ClientError as e:
            if error_code(e) != "NoSuchEntity":
                raise

    def conflict(self, inputs: Properties) -> str | None:
        return None

    def expected_id(self, inputs: Properties) -> str:
        return f"{inputs['role']}:{inputs['name']}"

    def refresh(self, id_: str, olds: Properties) -> Properties | None:
        # role_policy.go resourceRolePolicyRead: GetRolePolicy (gone with its role, too).
        role, name = id_.split(":", 1)
        try:
            found = self._clients("iam").get_role_policy(RoleName=role, PolicyName=name)
        except ClientError as e:
            if error_code(e) == "NoSuchEntity":
                return None
            raise
        policy = same_document(olds.get("policy"), found["PolicyDocument"])
        return {"role": role, "name": name, "policy": policy}


class NamespaceHandler(_Handler):
    """terraform-provider-aws internal/service/quicksight/namespace.go: CreateNamespace, then
    wait for CREATED (custom timeout, default 2 minutes); no in-place update; import by
    `account,namespace`."""

    def __init__(
        self,
        clients: Clients,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(clients)
        self._sleep, self._clock = sleep, clock

    def create(self, inputs: Properties) -> tuple[str, Properties]:
        qs, account, name = self._qs(inputs), inputs["awsAccountId"], inputs["namespace"]
        qs.create_namespace(
            AwsAccountId=account,
            Namespace=name,
            IdentityStore=inputs.get("identityStore", "QUICKSIGHT"),
        )
        # Its `timeouts` input (NamespaceTimeoutsArgs), not the custom_timeouts option.
        timeout = timeout_seconds(_timeouts(inputs).get("create"), DEFAULT_NAMESPACE_TIMEOUT)
        deadline = self._clock() + timeout
        while True:
            described = qs.describe_namespace(AwsAccountId=account, Namespace=name)["Namespace"]
            if described["CreationStatus"] != "CREATING":
                break
            if self._clock() >= deadline:
                raise TimeoutError(f"namespace {name} still CREATING after {timeout:.0f} s")
            self._sleep(NAMESPACE_POLL_SECONDS)
        if described["CreationStatus"] != "CREATED":
            raise RuntimeError(f"namespace {name} is {described['CreationStatus']}")
        return f"{account},{name}", self._outputs(described)

    def update(self, id_: str, olds: Properties, news: Properties) -> Properties:
        return {k: olds[k] for k in ("arn", "capacityRegion", "creationStatus") if k in olds}

    def delete(self, id_: str, olds: Properties) -> None:
        account, name = id_.split(",", 1)
        qs = self._qs(olds)
        try:
            qs.delete_namespace(AwsAccountId=account, Namespace=name)
        except ClientError as e:
            if error_code(e) != "ResourceNotFoundException":
                raise
            return
        # namespace.go waitNamespaceDeleted: DELETING until gone, the `timeouts` input's delete.
        timeout = timeout_seconds(_timeouts(olds).get("delete"), DEFAULT_NAMESPACE_TIMEOUT)
        deadline = self._clock() + timeout
        while True:
            found = self.read(id_, olds)
            if found is None or found.get("creationStatus") != "DELETING":
                return
            if self._clock() >= deadline:
                raise TimeoutError(f"namespace {name} still DELETING after {timeout:.0f} s")
            self._sleep(NAMESPACE_POLL_SECONDS)

    def read(self, id_: str, inputs: Properties) -> Properties | None:
        account, name = id_.split(",", 1)
        try:
            described = self._qs(inputs).describe_namespace(AwsAccountId=account, Namespace=name)
        except ClientError as e:
            if error_code(e) == "ResourceNotFoundException":
                return None
            raise
        namespace = described["Namespace"]
        return {
            "region": inputs.get("region") or self._clients.default_region,
            "awsAccountId": account,
            "namespace": namespace["Name"],
            "identityStore": namespace.get("IdentityStore", "QUICKSIGHT"),
            **self._outputs(namespace),
        }

    def expected_id(self, inputs: Properties) -> str:
        return f"{inputs['awsAccountId']},{inputs['namespace']}"

    def refresh(self, id_: str, olds: Properties) -> Properties | None:
        return self.read(id_, olds)

    def conflict(self, inputs: Properties) -> str | None:
        if self.read(f"{inputs['awsAccountId']},{inputs['namespace']}", inputs) is None:
            return None
        return (
            f"QuickSight namespace {inputs['namespace']} already exists; to take it over "
            "(with the users in it), add `adopt_namespace: true`"
        )

    @staticmethod
    def _outputs(described: Mapping[str, Any]) -> Properties:
        return {
            "arn": described["Arn"],
            "capacityRegion": described["CapacityRegion"],
            "creationStatus": described["CreationStatus"],
        }


class CustomPermissionsHandler(_Handler):
    """terraform-provider-aws internal/service/quicksight/custom_permissions.go."""

    def _request(self, inputs: Properties) -> dict[str, Any]:
        deny = capability_names(inputs.get("capabilities") or {})
        return {
            "AwsAccountId": inputs["awsAccountId"],
            "CustomPermissionsName": inputs["customPermissionsName"],
            "Capabilities": dict.fromkeys(deny, CAPABILITY_DENY),
        }

    def create(self, inputs: Properties) -> tuple[str, Properties]:
        arn = self._qs(inputs).create_custom_permissions(**self._request(inputs))["Arn"]
        return f"{inputs['awsAccountId']},{inputs['customPermissionsName']}", {"arn": arn}

    def update(self, id_: str, olds: Properties, news: Properties) -> Properties:
        arn = self._qs(news).update_custom_permissions(**self._request(news))["Arn"]
        return {"arn": arn}

    def delete(self, id_: str, olds: Properties) -> None:
        account, name = id_.split(",", 1)
        try:
            self._qs(olds).delete_custom_permissions(
                AwsAccountId=account, CustomPermissionsName=name
            )
        except ClientError as e:
            if error_code(e) != "ResourceNotFoundException":
                raise

    def read(self, id_: str, inputs: Properties) -> Properties | None:
        account, name = id_.split(",", 1)
        try:
            profile = self._qs(inputs).describe_custom_permissions(
                AwsAccountId=account, CustomPermissionsName=name
            )["CustomPermissions"]
        except ClientError as e:
            if error_code(e) == "ResourceNotFoundException":
                return None
            raise
        denied = sorted(
            k for k, v in profile.get("Capabilities", {}).items() if v == CAPABILITY_DENY
        )
        return {
            "region": inputs.get("region") or self._clients.default_region,
            "awsAccountId": account,
            "customPermissionsName": name,
            "deny": denied,
            "arn": profile["Arn"],
        }

    def expected_id(self, inputs: Properties) -> str:
        return f"{inputs['awsAccountId']},{inputs['customPermissionsName']}"

    def refresh(self, id_: str, olds: Properties) -> Properties | None:
        found = self.read(id_, olds)
        if found is None:
            return None
        deny = found.pop("deny")
        old = olds.get("capabilities") or {}
        same = sorted(capability_names(old)) == deny
        found["capabilities"] = old if same else capabilities_input(deny)
        return found

    def conflict(self, inputs: Properties) -> str | None:
        found = self.read(f"{inputs['awsAccountId']},{inputs['customPermissionsName']}", inputs)
        if found is None:
            return None
        return (
            f"CustomPermissions {inputs['customPermissionsName']} already exists; to take it "
            "over, add `adopt: true` to this profile (its capabilities must then equal deny)"
        )


class UserHandler(_Handler):
    """`QuickSightUserProvider` as `pulumi up` runs it: in the Pulumi provider host
    (`python -m pulumi.dynamic`, `local_engine.provider_host`), deserialized from the resource's
    `__provider` and configured with the stack's config; nothing of this process is handed
    to it. The host starts at the first call and stops with `close()`."""

    def __init__(self, clients: Clients) -> None:
        super().__init__(clients)
        config = clients.stack_config
        self.host = DynamicProviderHost(config.values, secret_keys=config.secret_keys)
        self._fallback: str | None = None

    def _props(self, props: Properties) -> Properties:
        """`props` with the program's serialized provider; a state keeps only its digest (it
        is a secret), so for a resource of the state the same bytes are made again."""
        if isinstance(props.get(PROVIDER_KEY), str) and props[PROVIDER_KEY]:
            return dict(props)
        if self._fallback is None:
            self._fallback = serialized_provider()
        return {**props, PROVIDER_KEY: self._fallback}

    @staticmethod
    def _urn(props: Properties) -> str:  # the host reads no URN; the engine sends one
        return f"urn:pulumi:local::{PROJECT}::{QS_DYNAMIC_USER}::{props.get('userName')}"

    def create(self, inputs: Properties) -> tuple[str, Properties]:
        return self.host.create(self._urn(inputs), self._props(inputs))

    def update(self, id_: str, olds: Properties, news: Properties) -> Properties:
        return self.host.update(self._urn(news), id_, self._props(olds), self._props(news))

    def delete(self, id_: str, olds: Properties) -> None:
        self.host.delete(self._urn(olds), id_, self._props(olds))

    def diff(self, id_: str, olds: Properties, news: Properties) -> HostDiff:
        return self.host.diff(self._urn(news), id_, self._props(olds), self._props(news))

    def read(self, id_: str, inputs: Properties) -> Properties | None:
        props = self._props(inputs)
        found, outputs = self.host.read(self._urn(inputs), id_, props, props)
        return outputs if found else None

    def expected_id(self, inputs: Properties) -> str:
        return QuickSightUserProvider._id(inputs)  # the id create gives (Terraform's format)

    def refresh(self, id_: str, olds: Properties) -> Properties | None:
        # The host's Read runs the provider's read() (pulumi/dynamic/__main__.py read). It
        # answers as Pulumi serializes (pulumi/runtime/rpc.py serialize_properties leaves out
        # None): a property the answer lacks is null now (a profile lifted in the console).
        live = self.read(id_, olds)
        if live is None:
            return None
        return {**{k: None for k in olds if k != PROVIDER_KEY}, **live}

    def conflict(self, inputs: Properties) -> str | None:
        failures = self.host.check(self._urn(inputs), {}, self._props(inputs)).failures
        return "; ".join(reason for _, reason in failures) or None

    def close(self) -> None:
        self.host.close()


def resource_handlers(
    clients: Clients,
    *,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> dict[str, ResourceHandler]:
    return {
        ROLE: RoleHandler(clients),
        ROLE_POLICY: RolePolicyHandler(clients),
        QS_NAMESPACE: NamespaceHandler(clients, sleep=sleep, clock=clock),
        QS_CUSTOM_PERMISSIONS: CustomPermissionsHandler(clients),
        QS_DYNAMIC_USER: UserHandler(clients),
    }


def _timeouts(inputs: Mapping[str, Any]) -> Mapping[str, str]:
    timeouts = inputs.get("timeouts")
    return timeouts if isinstance(timeouts, Mapping) else {}


def same_document(old: Any, live: Any) -> Any:
    """`old` when it is the same JSON document as `live` (IAM answers documents decoded, in
    its own layout), else `live` as JSON text."""
    if isinstance(old, str):
        try:
            if json.loads(old) == live:
                return old
        except ValueError:
            pass
    return live if isinstance(live, str) else json.dumps(live)


def _session_seconds(inputs: Properties) -> int:
    return int(inputs.get("maxSessionDuration", IAM_DEFAULT_MAX_SESSION_SECONDS))
