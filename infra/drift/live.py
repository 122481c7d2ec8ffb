"""What the account holds, read once per run and only as far as drift needs it.

Every list is read through botocore's paginators (QuickSight and IAM list in pages), and every
client retries throttling with botocore's adaptive mode: it backs off on 429 and ThrottlingException
and then paces its own requests with a client-side rate limiter, which a scan of thousands of users
needs (https://boto3.amazonaws.com/v1/documentation/api/latest/guide/retries.html). Reads are
cached per run: one ListNamespaces and one ListCustomPermissions per region, one ListUsers per
namespace, one ListRoles per account.

Failures leave as `DriftReadError` (exit 1) naming the call; an access denial says which
command prints the policy drift needs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any, TypeVar

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from embedder.errors import EmbedderError
from embedder.redaction import redact
from tenant_file.names import ROLE_NAME_PREFIX

if TYPE_CHECKING:
    import boto3

T = TypeVar("T")

READ_CONFIG = Config(
    retries={"mode": "adaptive", "total_max_attempts": 10},
    connect_timeout=10,
    read_timeout=30,
    user_agent_extra="quicksight-embedding-drift",
)
IAM_REGION = "us-east-1"
"""IAM is global; its endpoint in the aws partition is signed for us-east-1."""
DENIED_CODES = frozenset({"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"})


class DriftReadError(EmbedderError):
    """Reading the account failed (AWS refused or could not be reached): exit 1."""


@dataclass(frozen=True)
class LiveRole:
    """An embed role as IAM holds it."""

    name: str
    arn: str
    trust: Any
    max_session_duration: int
    inline: dict[str, Any] = field(default_factory=dict)
    """Inline policy name -> its document."""
    attached: tuple[str, ...] = ()
    """ARNs of the managed policies attached to it."""


class LiveAccount:
    """The account behind `session` (the environment's credentials, or the emulator's)."""

    def __init__(self, session: boto3.Session, *, endpoint_url: str | None = None) -> None:
        self._session = session
        self._endpoint_url = endpoint_url
        self._clients: dict[tuple[str, str], Any] = {}
        self._account: str | None = None
        self._cache: dict[tuple[str, ...], Any] = {}

    # -- identity --------------------------------------------------------------------------

    def account_id(self) -> str:
        if self._account is None:
            sts = self._client("sts", self._session.region_name or IAM_REGION)
            answer = self._read("sts:GetCallerIdentity", sts.get_caller_identity)
            self._account = str(answer["Account"])
        return self._account

    # -- QuickSight --------------------------------------------------------------------------

    def namespaces(self, region: str) -> dict[str, dict[str, Any]]:
        """Namespace name -> ListNamespaces' entry."""
        return self._cached(("namespaces", region), lambda: {
            ns["Name"]: ns
            for ns in self._pages(
                "quicksight", region, "list_namespaces", "Namespaces",
                AwsAccountId=self.account_id(),
            )
        })  # fmt: skip

    def profiles(self, region: str) -> dict[str, dict[str, Any]]:
        """CustomPermissions name -> ListCustomPermissions' entry (with its Capabilities)."""
        return self._cached(("profiles", region), lambda: {
            p["CustomPermissionsName"]: p
            for p in self._pages(
                "quicksight", region, "list_custom_permissions", "CustomPermissionsList",
                AwsAccountId=self.account_id(),
            )
        })  # fmt: skip

    def users(self, region: str, namespace: str) -> dict[str, dict[str, Any]]:
        """User name -> ListUsers' entry, for one namespace."""
        return self._cached(("users", region, namespace), lambda: {
            u["UserName"]: u
            for u in self._pages(
                "quicksight", region, "list_users", "UserList",
                AwsAccountId=self.account_id(), Namespace=namespace,
            )
        })  # fmt: skip

    def user(self, region: str, namespace: str, name: str) -> dict[str, Any]:
        """DescribeUser's answer (for what a ListUsers entry leaves out)."""
        qs = self._client("quicksight", region)
        answer = self._read(
            "quicksight:DescribeUser",
            lambda: qs.describe_user(
                AwsAccountId=self.account_id(), Namespace=namespace, UserName=name
            ),
        )
        user: dict[str, Any] = answer["User"]
        return user

    # -- IAM -----------------------------------------------------------------------------------

    def embed_role_names(self) -> list[str]:
        """Every role of the account named `qs-embed-*` (ListRoles has no name filter)."""
        return self._cached(("roles",), lambda: sorted(
            r["RoleName"]
            for r in self._pages("iam", IAM_REGION, "list_roles", "Roles")
            if r["RoleName"].startswith(ROLE_NAME_PREFIX)
        ))  # fmt: skip

    def role(self, name: str) -> LiveRole | None:
        """The role with its trust policy, inline and attached policies; None if missing."""
        iam = self._client("iam", IAM_REGION)
        try:
            found = iam.get_role(RoleName=name)["Role"]
        except ClientError as e:
            if _code(e) == "NoSuchEntity":
                return None
            raise _failure("iam:GetRole", e) from None
        except BotoCoreError as e:
            raise _failure("iam:GetRole", e) from None
        names = self._pages("iam", IAM_REGION, "list_role_policies", "PolicyNames", RoleName=name)
        inline = {policy: self._inline_policy(iam, name, policy) for policy in names}
        attached = tuple(
            p["PolicyArn"]
            for p in self._pages(
                "iam", IAM_REGION, "list_attached_role_policies", "AttachedPolicies", RoleName=name
            )
        )
        return LiveRole(
            name=name,
            arn=found["Arn"],
            trust=found.get("AssumeRolePolicyDocument"),
            max_session_duration=int(found.get("MaxSessionDuration", 3600)),
            inline=inline,
            attached=attached,
        )

    def _inline_policy(self, iam: Any, role: str, policy: str) -> Any:
        answer = self._read(
            "iam:GetRolePolicy", lambda: iam.get_role_policy(RoleName=role, PolicyName=policy)
        )
        return answer["PolicyDocument"]

    # -- plumbing ----------------------------------------------------------------------------

    def _client(self, service: str, region: str) -> Any:
        key = (service, region)
        if key not in self._clients:
            session: Any = self._session  # boto3-stubs types client() per service name
            self._clients[key] = session.client(
                service, region_name=region, config=READ_CONFIG, endpoint_url=self._endpoint_url
            )
        return self._clients[key]

    def _pages(
        self, service: str, region: str, operation: str, key: str, **params: Any
    ) -> Iterator[Any]:
        paginator = self._client(service, region).get_paginator(operation)
        action = f"{service}:{_action(operation)}"
        pages = iter(paginator.paginate(**params))
        while True:
            page = self._read(action, lambda: next(pages, None))
            if page is None:
                return
            yield from page.get(key, [])

    def _read(self, action: str, call: Callable[[], T]) -> T:
        try:
            return call()
        except ClientError as e:
            failure = _failure(action, e)
        except BotoCoreError as e:
            failure = _failure(action, e)
        raise failure

    def _cached(self, key: tuple[str, ...], read: Callable[[], T]) -> T:
        if key not in self._cache:
            self._cache[key] = read()
        value: T = self._cache[key]
        return value


@cache
def _action(operation: str) -> str:
    return "".join(part.capitalize() for part in operation.split("_"))


def _code(e: ClientError) -> str:
    return str(e.response.get("Error", {}).get("Code", ""))


def _failure(action: str, e: Exception) -> DriftReadError:
    if isinstance(e, ClientError):
        code = _code(e)
        message = e.response.get("Error", {}).get("Message", "")
        text = f"{action} failed: {code}: {message}"
        request_id = e.response.get("ResponseMetadata", {}).get("RequestId")
        if request_id:
            text += f" (request id {request_id})"
        if code in DENIED_CODES:
            text += "; 'qs-embed drift --policy' prints the read-only policy drift needs"
    else:
        text = f"{action} failed: {type(e).__name__}: {e}"
    return DriftReadError(redact(text))
