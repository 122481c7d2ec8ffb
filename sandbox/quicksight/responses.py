"""The QuickSight service of the emulator: request handlers, moto's ``responses`` layer.

``SandboxQuickSightResponse`` extends moto's ``QuickSightResponse``. Per request it applies
injected faults, authorizes against the real resource ARN with QuickSight's error shapes
(AccessDeniedException 401, never an XML SignatureDoesNotMatch), parses inputs by botocore's
model and answers with one request id in body and header. moto dispatches by operation name
(botocore's model routes each request), so a method named after an operation in snake case
implements it: here namespaces, users and CustomPermissions with AWS's shapes, and the two
embedding operations moto does not have; moto's own methods serve the rest.

Tenant isolation for QUICKSIGHT identity rests on one rule AWS enforces and this reproduces:
GetSessionEmbedUrl itself is authorized against ``*``, so a caller that sends ``UserArn`` must
also be allowed ``quicksight:GetAuthCode`` on that user's ARN.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Iterable, Sequence
from functools import cached_property
from typing import Any, TypeVar
from urllib.parse import parse_qs

from moto.core.authorization import ActionAuthenticatorMixin
from moto.core.common_types import TYPE_RESPONSE
from moto.quicksight.responses import QuickSightResponse
from werkzeug.exceptions import HTTPException

from sandbox import runtime
from sandbox.embed_urls import EmbedGrant
from sandbox.faults import InjectedFault
from sandbox.iam_auth import authorize, iam_enforced, iam_request
from sandbox.quicksight import botocore_model
from sandbox.quicksight.authorization import quicksight_context, resource_arn
from sandbox.quicksight.exceptions import QuickSightError, access_denied, invalid
from sandbox.quicksight.models import (
    SandboxQuickSightBackend,
    User,
    require_console_role,
    sandbox_quicksight_backends,
)
from sandbox.trust import Caller

log = logging.getLogger(__name__)

T = TypeVar("T")

# moto's IAM error codes -> what a REST-JSON service such as QuickSight answers.
_IAM_ERRORS = {
    "SignatureDoesNotMatch": "InvalidSignatureException",
    "InvalidClientTokenId": "UnrecognizedClientException",
}
_PAGE_SIZE = 100
_USER_ARN = re.compile(
    r"arn:[\w-]+:quicksight:(?P<region>[\w-]+):(?P<account>\d{12}):user/(?P<namespace>[^/]+)/(?P<name>.+)"
)
DEFAULT_ENTRY_POINT = "/start"


class SandboxQuickSightResponse(QuickSightResponse):
    request_id: str = ""
    caller: Caller | None = None

    @property
    def quicksight_backend(self) -> SandboxQuickSightBackend:
        return sandbox_quicksight_backends[self.current_account][self.region]

    @property
    def arn_prefix(self) -> str:
        return f"arn:{self.partition}:quicksight:{self.region}:{self.current_account}:"

    def call_action(self) -> TYPE_RESPONSE:
        self.request_id = str(uuid.uuid4())
        operation = self._get_action()
        try:
            if not operation:
                raise QuickSightError("UnknownOperationException", "No such QuickSight operation")
            runtime.current().faults.apply("quicksight", operation)
            self.caller = self._authorize(operation, self._determine_resource())
            status, headers, body = super().call_action()
        except QuickSightError as err:
            return err.render(self.request_id)
        except InjectedFault as fault:
            return fault.response(self.request_id)
        except Exception:
            log.exception("QuickSight %s failed inside the emulator", operation)
            failure = QuickSightError("InternalFailureException", "An internal failure occurred")
            return failure.render(self.request_id)
        for name in [name for name in headers if name.lower() == "x-amzn-requestid"]:
            del headers[name]
        headers["x-amzn-RequestId"] = self.request_id
        if not any(name.lower() == "content-type" for name in headers):
            headers["Content-Type"] = "application/json"
        return status, headers, body

    def _determine_resource(self) -> str:
        return resource_arn(self._get_action(), self.raw_params, self.arn_prefix)

    def _authenticate_and_authorize_normal_action(self, resource: str = "*") -> None:
        """Already done by ``call_action``, where IAM failures become QuickSight errors."""

    def _authorize(self, operation: str, resource: str) -> Caller | None:
        if not iam_enforced():
            ActionAuthenticatorMixin.request_count += 1
            return None
        if "Authorization" not in self.headers:
            raise QuickSightError(
                "MissingAuthenticationTokenException", "Missing Authentication Token"
            )
        try:
            return authorize(
                self, operation, resource, quicksight_context(operation, self.raw_params)
            )
        except HTTPException as e:
            code = getattr(e, "error_type", "")
            if code == "AccessDenied":
                raise access_denied(
                    f"User: {self._caller_arn()} is not authorized to perform: "
                    f"quicksight:{operation} on resource: {resource}"
                ) from e
            raise QuickSightError(
                _IAM_ERRORS.get(code, "AccessDeniedException"), str(getattr(e, "message", e))
            ) from e

    def authorize_also(self, action: str, resource: str) -> None:
        """A second permission one operation needs (GetAuthCode for GetSessionEmbedUrl)."""
        if iam_enforced():
            self._authorize(action, resource)

    def caller_identity(self) -> Caller:
        return self.caller or iam_request(self, self._get_action()).caller()

    def _caller_arn(self) -> str:
        try:
            return self.caller_identity().arn
        except Exception:  # the caller's key itself may be what is wrong
            return "the caller"

    # -- inputs -----------------------------------------------------------------------------

    def _json_body(self) -> dict[str, Any]:
        if not self.body:
            return {}
        try:
            body = json.loads(self.body)
        except ValueError as e:
            raise invalid("The request body is not valid JSON") from e
        if not isinstance(body, dict):
            raise invalid("The request body must be a JSON object")
        return body

    @cached_property
    def raw_params(self) -> dict[str, Any]:
        """Input members by their model names, from URI, query string and JSON body; not
        validated. One response object serves one request, so this is parsed once."""
        shape = botocore_model.input_shape(self._get_action())
        try:
            body = self._json_body()
        except QuickSightError:
            body = {}
        query = parse_qs(self.parsed_url.query, keep_blank_values=True)
        params: dict[str, Any] = {}
        for name, member in shape.members.items():
            location = member.serialization.get("location")
            wire = member.serialization.get("name", name)
            if location == "uri":
                value = self.uri_match.get(wire)
            elif location == "querystring":
                value = query[wire][0] if wire in query else None
                if value is not None and member.type_name in ("integer", "long"):
                    value = _int_or_raw(value)
            elif location == "header":
                value = self.headers.get(wire)
            else:
                value = body.get(name)
            if value is not None:
                params[name] = value
        return params

    def params(self, *, skip: Iterable[str] = ()) -> dict[str, Any]:
        """Validated inputs: required members present, each value within the model's limits,
        the account the caller's. Members in ``skip`` have their own error code."""
        operation = self._get_action()
        self._json_body()  # malformed JSON is an error here, not just an empty body
        params = dict(self.raw_params)
        for name in botocore_model.input_shape(operation).required_members:
            if name not in params:
                raise invalid(f"{name} is required")
        skipped = set(skip)
        for name, value in params.items():
            if name in skipped:
                continue
            if problem := botocore_model.check_member(operation, name, value):
                raise invalid(problem)
        if params["AwsAccountId"] != self.current_account:
            raise access_denied(f"The caller cannot act in account {params['AwsAccountId']}")
        return params

    # -- outputs ----------------------------------------------------------------------------

    def ok(self, **fields: Any) -> str:
        present = {name: value for name, value in fields.items() if value is not None}
        return json.dumps({**present, "Status": 200, "RequestId": self.request_id})

    def page(self, items: Sequence[T], params: dict[str, Any]) -> tuple[list[T], str | None]:
        token = params.get("NextToken")
        try:
            start = int(token) if token is not None else 0
        except ValueError as e:
            raise QuickSightError("InvalidNextTokenException", "NextToken is not valid") from e
        if not 0 <= start <= len(items):
            raise QuickSightError("InvalidNextTokenException", "NextToken is not valid")
        end = start + int(params.get("MaxResults", _PAGE_SIZE))
        return list(items[start:end]), (str(end) if end < len(items) else None)

    # -- namespaces -------------------------------------------------------------------------

    def create_namespace(self) -> str:
        params = self.params()
        namespace = self.quicksight_backend.create_namespace(params["Namespace"])
        self.quicksight_backend.tagger.tag_resource(namespace.arn, params.get("Tags"))
        api = namespace.to_api()
        return self.ok(
            **{
                key: api[key]
                for key in ("Arn", "Name", "CapacityRegion", "CreationStatus", "IdentityStore")
            }
        )

    def describe_namespace(self) -> str:
        params = self.params()
        return self.ok(
            Namespace=self.quicksight_backend.get_namespace(params["Namespace"]).to_api()
        )

    def delete_namespace(self) -> str:
        params = self.params()
        self.quicksight_backend.delete_namespace(params["Namespace"])
        return self.ok()

    def list_namespaces(self) -> str:
        params = self.params()
        namespaces = list(self.quicksight_backend.namespaces.values())
        page, token = self.page(namespaces, params)
        return self.ok(Namespaces=[namespace.to_api() for namespace in page], NextToken=token)

    # -- custom permissions -----------------------------------------------------------------

    def create_custom_permissions(self) -> str:
        params = self.params()
        profile = self.quicksight_backend.create_profile(
            params["CustomPermissionsName"], params.get("Capabilities")
        )
        self.quicksight_backend.tagger.tag_resource(profile.arn, params.get("Tags"))
        return self.ok(Arn=profile.arn)

    def describe_custom_permissions(self) -> str:
        params = self.params()
        profile = self.quicksight_backend.get_profile(params["CustomPermissionsName"])
        return self.ok(CustomPermissions=profile.to_api())

    def update_custom_permissions(self) -> str:
        params = self.params()
        profile = self.quicksight_backend.update_profile(
            params["CustomPermissionsName"], params.get("Capabilities")
        )
        return self.ok(Arn=profile.arn)

    def delete_custom_permissions(self) -> str:
        params = self.params()
        return self.ok(
            Arn=self.quicksight_backend.delete_profile(params["CustomPermissionsName"]).arn
        )

    def list_custom_permissions(self) -> str:
        params = self.params()
        page, token = self.page(list(self.quicksight_backend.profiles.values()), params)
        return self.ok(
            CustomPermissionsList=[profile.to_api() for profile in page], NextToken=token
        )

    # -- users ------------------------------------------------------------------------------

    def register_user(self) -> str:
        params = self.params()
        user = self.quicksight_backend.register_user(
            namespace=params["Namespace"],
            identity_type=params["IdentityType"],
            email=params["Email"],
            role=params["UserRole"],
            user_name=params.get("UserName"),
            iam_arn=params.get("IamArn"),
            session_name=params.get("SessionName"),
            custom_permissions_name=params.get("CustomPermissionsName"),
        )
        self.quicksight_backend.tagger.tag_resource(user.arn, params.get("Tags"))
        return self.ok(User=user.to_api())

    def describe_user(self) -> str:
        params = self.params()
        user = self.quicksight_backend.get_user(params["Namespace"], params["UserName"])
        return self.ok(User=user.to_api())

    def update_user(self) -> str:
        params = self.params()
        user = self.quicksight_backend.update_user(
            namespace=params["Namespace"],
            user_name=params["UserName"],
            email=params["Email"],
            role=params["Role"],
            custom_permissions_name=params.get("CustomPermissionsName"),
            unapply_custom_permissions=bool(params.get("UnapplyCustomPermissions")),
        )
        return self.ok(User=user.to_api())

    def delete_user(self) -> str:  # type: ignore[override]
        params = self.params()
        self.quicksight_backend.delete_user(
            self.current_account, params["Namespace"], params["UserName"]
        )
        return self.ok()

    def list_users(self) -> str:
        params = self.params()
        page, token = self.page(self.quicksight_backend.users_in(params["Namespace"]), params)
        return self.ok(UserList=[user.to_api() for user in page], NextToken=token)

    def update_user_custom_permission(self) -> str:
        params = self.params()
        profile = params["CustomPermissionsName"]
        self.quicksight_backend.set_user_profile(params["Namespace"], params["UserName"], profile)
        return self.ok()

    def delete_user_custom_permission(self) -> str:
        params = self.params()
        self.quicksight_backend.set_user_profile(params["Namespace"], params["UserName"], None)
        return self.ok()

    # -- embedding --------------------------------------------------------------------------

    def get_session_embed_url(self) -> str:
        operation = "GetSessionEmbedUrl"
        params = self.params(skip={"SessionLifetimeInMinutes"})
        lifetime = self._lifetime(operation, params)
        entry_point = params.get("EntryPoint", DEFAULT_ENTRY_POINT)
        if not botocore_model.is_console_entry_point(entry_point):
            raise invalid(
                "EntryPoint must be /start, /start/analyses, /start/dashboards, /start/favorites, "
                "/dashboards/<DashboardId> or /analyses/<AnalysisId>"
            )
        user_arn = params.get("UserArn")
        if user_arn is None:
            user = self._caller_as_user()
        else:
            parsed = _parse_user_arn(user_arn)  # malformed is invalid input, not denied
            self.authorize_also("GetAuthCode", user_arn)
            user = self._registered_user(parsed)
            if user.identity_type != "QUICKSIGHT":
                raise invalid(
                    "UserArn is only for QUICKSIGHT identity users; for IAM users and IAM role "
                    "sessions omit it and call as that identity"
                )
        require_console_role(user)
        return self._issue(user, entry_point, lifetime, ())

    def generate_embed_url_for_registered_user(self) -> str:
        operation = "GenerateEmbedUrlForRegisteredUser"
        params = self.params(skip={"SessionLifetimeInMinutes"})
        lifetime = self._lifetime(operation, params)
        entry_point, console = _experience_entry_point(params["ExperienceConfiguration"])
        domains = params.get("AllowedDomains", [])
        if not all(isinstance(domain, str) for domain in domains):
            raise invalid("AllowedDomains must be a list of domain strings")
        user = self._registered_user(_parse_user_arn(params["UserArn"]))
        if console:
            require_console_role(user)
        return self._issue(user, entry_point, lifetime, tuple(domains))

    def _lifetime(self, operation: str, params: dict[str, Any]) -> int:
        low, high = botocore_model.limits(operation, "SessionLifetimeInMinutes")
        value = params.get("SessionLifetimeInMinutes", high)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise QuickSightError(
                "SessionLifetimeInMinutesInvalidException",
                f"SessionLifetimeInMinutes must be {low}-{high} minutes",
            )
        return value

    def _registered_user(self, match: re.Match[str]) -> User:
        user_arn = match.string
        if match["account"] != self.current_account:
            raise access_denied(f"The user {user_arn} is not in account {self.current_account}")
        backend = self.quicksight_backend
        backend.get_namespace(match["namespace"])  # ResourceNotFoundException when missing
        user = backend.directory.get((match["namespace"], match["name"]))
        if match["region"] != self.region or user is None:
            raise _user_not_found(user_arn, self.region)
        return user

    def _caller_as_user(self) -> User:
        """The QuickSight user an IAM caller is: an IAM user, or a role session ``role/session``."""
        caller = self.caller_identity()
        iam_arn = caller.role_arn if caller.session_name else caller.arn
        user = None
        if iam_arn is not None:
            user = self.quicksight_backend.user_for_iam_identity(iam_arn, caller.session_name)
        if user is None:
            raise QuickSightError(
                "QuickSightUserNotFoundException",
                f"No QuickSight user is registered for the IAM identity {caller.arn}",
            )
        return user

    def _issue(self, user: User, entry_point: str, lifetime: int, domains: tuple[str, ...]) -> str:
        grant = EmbedGrant(
            user_arn=user.arn,
            user_name=user.user_name,
            namespace=user.namespace,
            entry_point=entry_point,
            lifetime_minutes=lifetime,
            custom_permissions_name=user.custom_permissions_name,
            allowed_domains=domains,
        )
        current = runtime.current()
        return self.ok(EmbedUrl=current.embeds.issue(grant, current.base_url))


def _parse_user_arn(user_arn: str) -> re.Match[str]:
    match = _USER_ARN.fullmatch(user_arn)
    if match is None:
        raise invalid("UserArn must be a QuickSight user ARN: arn:...:user/<namespace>/<name>")
    return match


def _user_not_found(user_arn: str, region: str) -> QuickSightError:
    return QuickSightError(
        "QuickSightUserNotFoundException",
        f"The user {user_arn} does not exist in {region}, the QuickSight identity region",
    )


def _experience_entry_point(experience: dict[str, Any]) -> tuple[str, bool]:
    """Where the session opens, and whether it is the console (which needs an author)."""
    if len(experience) != 1:
        raise invalid("ExperienceConfiguration must name exactly one experience")
    if "QuickSightConsole" in experience:
        path = (experience["QuickSightConsole"] or {}).get("InitialPath", DEFAULT_ENTRY_POINT)
        if not isinstance(path, str) or not botocore_model.is_console_entry_point(path):
            raise invalid("QuickSightConsole.InitialPath is not a console entry point")
        return path, True
    if "Dashboard" in experience:
        dashboard_id = (experience["Dashboard"] or {}).get("InitialDashboardId")
        path = f"/dashboards/{dashboard_id}"
        if not isinstance(dashboard_id, str) or not botocore_model.is_console_entry_point(path):
            raise invalid("Dashboard.InitialDashboardId is not a valid dashboard id")
        return path, False
    raise invalid("The emulator embeds the QuickSightConsole and Dashboard experiences only")


def _int_or_raw(value: str) -> int | str:
    try:
        return int(value)
    except ValueError:
        return value  # left for validation to name
