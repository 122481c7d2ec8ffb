"""QuickSight users as a Pulumi dynamic resource: every edit a tenant file allows, in place.

pulumi-aws 7's `quicksight.User` (Terraform `aws_quicksight_user`) cannot serve a tenant file:
`user_role` is ForceNew, so a role edit replaces the user, and the replacement's RegisterUser of
a name that exists fails with ResourceExists (hashicorp/terraform-provider-aws#43508); "You cannot
import this resource", so an existing user can never be taken over; its
`user_invitation_url` is a plain output. QuickSight itself changes role, email and permission
profile in place (UpdateUser, UpdateUserCustomPermission, DeleteUserCustomPermission), so this
provider does exactly that:

- `diff`: role, email and profile update in place; only the user's identity (account, region,
  namespace, identity type, name, IAM ARN, session name) replaces it.
- `create`: RegisterUser; an existing user is taken over only when the file says `adopt: true`
  (then UpdateUser brings it to what the file says), else refused with the fix.
- `check`: for a user new to the stack, looks the name up first, so `pulumi preview` (and the
  local engine, before it changes anything) refuses an existing user not marked `adopt`.
- The profile is a property of the user: removing the `profile:` line of a user who stays
  unapplies it (DeleteUserCustomPermission); a user removed from the file is retained with
  its restriction (retain_on_delete), never lifted behind the tenant's back.

AWS clients come from the stack's `aws:` configuration, which the Pulumi host hands to
`configure()` (pulumi `sdk/python/lib/pulumi/dynamic/__main__.py`, get_provider): region,
profile, keys, assumed roles and endpoints as pulumi-aws reads them (`infra.aws_config`), so
users are registered with the credentials and in the account the rest of the stack uses.
Nothing of a configured provider is serialized: Pulumi stores the provider in the state, and
`__getstate__` keeps the session, credentials and clients out of it. The local engine runs
this provider through the host's own server (`python -m pulumi.dynamic`), not in its process.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable, Mapping
from typing import Any

import pulumi
from botocore.exceptions import ClientError
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)
from pulumi.runtime.rpc import UNKNOWN

from embedder.redaction import install_log_redaction
from infra.aws_config import KEYS, NAMESPACE, AwsProviderConfig, ConfiguredClients
from policies.project import USERS_MODULE, USERS_NAME

ClientFactory = Callable[[str, str | None], Any]
"""`clients(service, region)` -> a boto3 client (a unit test's stubbed one)."""

# Replacement: the properties that name a different user. Terraform's aws_quicksight_user
# also has user_role ForceNew; QuickSight's UpdateUser takes Role, so here it updates in place.
# https://docs.aws.amazon.com/quicksight/latest/APIReference/API_UpdateUser.html
IDENTITY = (
    "awsAccountId",
    "region",
    "namespace",
    "identityType",
    "userName",
    "iamArn",
    "sessionName",
)
IN_PLACE = ("email", "userRole", "customPermissionsName")
SECRET_OUTPUTS = ("userInvitationUrl",)
"""RegisterUser's invitation URL lets whoever holds it activate the user with a password."""


class UserConflictError(Exception):
    """The user exists and the file does not adopt it, or it is not the user the file means."""


class NotConfiguredError(RuntimeError):
    """The provider was called before the host configured it with the stack's config."""


class WrongAccountError(RuntimeError):
    """A user of another account than the one the stack's credentials act in."""


def _known(value: Any) -> bool:
    return value is not None and value != UNKNOWN


def user_label(props: Mapping[str, Any]) -> str:
    return f"QuickSight user {props.get('userName')} in namespace {props.get('namespace')}"


def adopt_fix(props: Mapping[str, Any]) -> str:
    name = props.get("sessionName") or props.get("userName")
    return (
        f"{user_label(props)} already exists and the tenant file does not adopt it; "
        f"to take it over (role, email and profile then follow the file), add `adopt: true` "
        f"to user {name}; otherwise rename the user in the file"
    )


class QuickSightUserProvider(ResourceProvider):
    """CRUD of one QuickSight user, as the tenant file describes it."""

    def __init__(self, clients: ClientFactory | None = None) -> None:
        """`clients` is for unit tests (botocore Stubber); under Pulumi and the local engine
        the provider is built without, and `configure()` makes its clients."""
        super().__init__()
        self._clients: ClientFactory | None = clients
        self._account: str | None = None

    def __getstate__(self) -> dict[str, Any]:
        # What Pulumi serializes into `__provider` (and the state): never a session or a key.
        return {}

    def __setstate__(self, _state: Mapping[str, Any]) -> None:
        self._clients, self._account = None, None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(configured={self._clients is not None})"

    def configure(self, req: ConfigureRequest) -> None:
        """The stack's `aws:` configuration, as the host hands it over: one session, its
        account checked against aws:allowedAccountIds / aws:forbiddenAccountIds."""
        # RegisterUser answers an invitation URL (a secret): keep it out of botocore's logs in
        # the provider's process, whoever turns DEBUG logging on.
        install_log_redaction()
        config = {f"{NAMESPACE}:{k}": req.config.get(f"{NAMESPACE}:{k}") for k in KEYS}
        settings = AwsProviderConfig.from_pulumi_config(
            {k: v for k, v in config.items() if v is not None}, os.environ
        )
        clients = ConfiguredClients(settings)
        clients.configure()
        self._clients, self._account = clients, clients.account

    def _qs(self, props: Mapping[str, Any]) -> Any:
        if self._clients is None:
            raise NotConfiguredError(
                "the QuickSight users' provider was not configured: it runs in the Pulumi "
                "provider host, which configures it with the stack's aws: settings"
            )
        account = props.get("awsAccountId")
        if self._account is not None and account != self._account:
            raise WrongAccountError(
                f"{user_label(props)} is in account {account}, but the stack's AWS "
                f"credentials act in account {self._account}"
            )
        return self._clients("quicksight", props.get("region"))

    # -- lookups --------------------------------------------------------------------------

    def describe(self, props: Mapping[str, Any]) -> dict[str, Any] | None:
        """The user as QuickSight has it, or None if there is no such user."""
        try:
            user: dict[str, Any] = self._qs(props).describe_user(
                AwsAccountId=props["awsAccountId"],
                Namespace=props["namespace"],
                UserName=props["userName"],
            )["User"]
        except ClientError as e:
            if e.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                return None
            raise
        return user

    def adoption_problem(self, props: Mapping[str, Any]) -> str | None:
        """Why creating `props` would fail on an existing user, or None."""
        existing = self.describe(props)
        if existing is None:
            return None
        if not props.get("adopt"):
            return adopt_fix(props)
        if existing.get("IdentityType") != props.get("identityType"):
            return (
                f"{user_label(props)} exists with identity type {existing.get('IdentityType')}, "
                f"the tenant file says {props.get('identityType')}: it cannot be adopted"
            )
        return None

    # -- ResourceProvider -----------------------------------------------------------------

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures: list[CheckFailure] = []
        required = ["awsAccountId", "namespace", "identityType", "userName", "email", "userRole"]
        if news.get("identityType") == "IAM":
            required += ["iamArn", "sessionName"]
        failures += [CheckFailure(key, "is required") for key in required if key not in news]
        lookup = ("awsAccountId", "namespace", "userName", "region")
        if not _olds and not failures and all(_known(news.get(k)) for k in lookup):
            problem = self.adoption_problem(news)
            if problem is not None:
                failures.append(CheckFailure("userName", problem))
        return CheckResult(news, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        replaces = [k for k in IDENTITY if olds.get(k) != news.get(k)]
        changed = [k for k in IN_PLACE if olds.get(k) != news.get(k)]
        return DiffResult(
            changes=bool(replaces or changed),
            replaces=replaces,
            stables=["arn", "principalId"],
            delete_before_replace=False,
        )

    def create(self, props: dict[str, Any]) -> CreateResult:
        if props.get("adopt"):
            existing = self.describe(props)
            if existing is not None:
                problem = self.adoption_problem(props)
                if problem is not None:
                    raise UserConflictError(problem)
                self._apply(props, existing)
                return CreateResult(self._id(props), self._outputs(props, existing, adopted=True))
        request: dict[str, Any] = {
            "AwsAccountId": props["awsAccountId"],
            "Namespace": props["namespace"],
            "IdentityType": props["identityType"],
            "Email": props["email"],
            "UserRole": props["userRole"],
        }
        if props["identityType"] == "IAM":
            request |= {"IamArn": props["iamArn"], "SessionName": props["sessionName"]}
        else:
            request["UserName"] = props["userName"]
        if props.get("customPermissionsName"):
            request["CustomPermissionsName"] = props["customPermissionsName"]
        try:
            answer = self._qs(props).register_user(**request)
        except ClientError as e:
            if e.response.get("Error", {}).get("Code") == "ResourceExistsException":
                raise UserConflictError(adopt_fix(props)) from None
            raise
        outputs = self._outputs(props, answer["User"], adopted=False)
        invitation = answer.get("UserInvitationUrl")
        if invitation:
            outputs["userInvitationUrl"] = invitation  # a secret output (see QuickSightUser)
        return CreateResult(self._id(props), outputs)

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        current = {
            "Email": olds.get("email"),
            "Role": olds.get("userRole"),
            "CustomPermissionsName": olds.get("customPermissionsName"),
        }
        user = self._apply(news, current)
        known = {**news, "arn": olds.get("arn"), "principalId": olds.get("principalId")}
        kept = {k: olds[k] for k in ("adopted", *SECRET_OUTPUTS) if k in olds}
        return UpdateResult({**self._outputs(known, user, adopted=False), **kept})

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        try:
            self._qs(props).delete_user(
                AwsAccountId=props["awsAccountId"],
                Namespace=props["namespace"],
                UserName=props["userName"],
            )
        except ClientError as e:
            if e.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
                raise

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """The user as QuickSight has it now (`pulumi refresh`, `pulumi up --refresh`): its
        live role, email and profile, so a change made in the console shows in the next diff
        and is put back; None when it is gone (the next `up` creates it again)."""
        existing = self.describe(props)
        if existing is None:
            return ReadResult(None, {})
        live = {
            **props,
            # A user of another identity type under this name is not this resource: the diff
            # then replaces it (and the engine never adopts it for an interrupted create).
            "identityType": existing.get("IdentityType", props.get("identityType")),
            "email": existing.get("Email", props.get("email")),
            "userRole": existing.get("Role", props.get("userRole")),
            "customPermissionsName": existing.get("CustomPermissionsName") or None,
        }
        if not props.get("customPermissionsName") and live["customPermissionsName"] is None:
            live["customPermissionsName"] = props.get("customPermissionsName")
        return ReadResult(id_, self._outputs(live, existing, adopted=bool(props.get("adopted"))))

    # -- helpers --------------------------------------------------------------------------

    def _apply(self, props: Mapping[str, Any], current: Mapping[str, Any]) -> dict[str, Any]:
        """Bring an existing user to `props` with the fewest calls; returns the user's fields."""
        qs = self._qs(props)
        key = {
            "AwsAccountId": props["awsAccountId"],
            "Namespace": props["namespace"],
            "UserName": props["userName"],
        }
        user = dict(current)
        if current.get("Email") != props["email"] or current.get("Role") != props["userRole"]:
            user = qs.update_user(**key, Email=props["email"], Role=props["userRole"])["User"]
        wanted = props.get("customPermissionsName") or None
        if (current.get("CustomPermissionsName") or None) != wanted:
            if wanted is None:
                qs.delete_user_custom_permission(**key)
            else:
                qs.update_user_custom_permission(**key, CustomPermissionsName=wanted)
        user["CustomPermissionsName"] = wanted
        return user

    @staticmethod
    def _id(props: Mapping[str, Any]) -> str:
        # Terraform's id format for aws_quicksight_user: ACCOUNT/NAMESPACE/USER_NAME.
        return f"{props['awsAccountId']}/{props['namespace']}/{props['userName']}"

    @staticmethod
    def _outputs(
        props: Mapping[str, Any], user: Mapping[str, Any], *, adopted: bool
    ) -> dict[str, Any]:
        outputs = {k: v for k, v in props.items() if k != "__provider"}
        outputs["arn"] = user.get("Arn") or props.get("arn")
        outputs["principalId"] = user.get("PrincipalId") or props.get("principalId")
        outputs["adopted"] = adopted
        return outputs


class QuickSightUser(pulumi.dynamic.Resource, module=USERS_MODULE, name=USERS_NAME):
    """A QuickSight user of a tenant file (type `pulumi-python:dynamic/quicksight:User`)."""

    arn: pulumi.Output[str]
    userName: pulumi.Output[str]  # the wire name, as pulumi-aws spells it

    def __init__(
        self,
        name: str,
        props: Mapping[str, pulumi.Input[Any]],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        secret = pulumi.ResourceOptions(additional_secret_outputs=list(SECRET_OUTPUTS))
        try:
            super().__init__(
                QuickSightUserProvider(),
                name,
                {**props, "arn": None, "principalId": None, "adopted": None},
                pulumi.ResourceOptions.merge(opts, secret),
            )
        finally:
            _undo_provider_serialization_patch()


def serialized_provider() -> str:
    """`__provider` as the program writes it for every user (the provider has no state of its
    own, so every registration serializes to these same bytes); for states written before the
    engine kept it."""
    try:
        return str(pulumi.dynamic.dynamic.serialize_provider(QuickSightUserProvider()))
    finally:
        _undo_provider_serialization_patch()


_PICKLER_BATCH_SETITEMS = pickle._Pickler._batch_setitems  # type: ignore[attr-defined]
_PICKLER_SAVE_DICT = pickle._Pickler.save_dict  # type: ignore[attr-defined]


def _undo_provider_serialization_patch() -> None:
    """Put back what `pulumi.dynamic.serialize_provider` patches and never restores.

    It replaces `pickle._Pickler._batch_setitems` with a sorting wrapper around whatever is
    there, on every dynamic resource: each user wraps the previous wrapper, and past about 950
    users in one program (a few hundred tenants) pickling the provider raises RecursionError
    (pulumi 3.272, `pulumi/dynamic/dynamic.py`; reported as pulumi/pulumi#17803, closed for
    want of a repro). Restored after each registration, the wrapper stays one level deep.
    """
    pickle._Pickler._batch_setitems = _PICKLER_BATCH_SETITEMS  # type: ignore[attr-defined]
    pickle._Pickler.save_dict = _PICKLER_SAVE_DICT  # type: ignore[attr-defined]
