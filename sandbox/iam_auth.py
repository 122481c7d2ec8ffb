"""IAM enforcement fixes, in a subclass of moto's ``IAMRequest`` and one hook that uses it.

- Signatures: moto signs a body-less request (every QuickSight GET/DELETE) with its parsed
  parameters as the payload, so a correct SigV4 signature never matches; the SDK signs an empty
  payload there, and so does this class.
- Trust policies: see ``sandbox.trust``; AssumeRole on a role that does not exist is refused
  instead of minting credentials for nothing.
- Identity policies: moto ignores their conditions and turns an Allow whose condition fails
  into a Deny. ``SandboxIAMPolicy`` evaluates each statement as IAM does (``sandbox.conditions``)
  against a request context holding the global keys (``aws:PrincipalArn`` ...) and the
  service's own (``sts:ExternalId``, ``quicksight:SessionName`` ...): an explicit Deny wins, an
  Allow whose condition does not hold simply does not apply.
- ``authorize`` checks one action on a resource ARN and returns the caller, so QuickSight can
  authorize against the real user ARN and also check GetAuthCode on the UserArn.

``sandbox.moto_hooks`` makes moto's other services (STS, IAM) use this class too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from botocore.awsrequest import AWSRequest
from moto import settings
from moto.core.authorization import ActionAuthenticatorMixin
from moto.iam.access_control import (
    AssumedRoleAccessKey,
    IAMPolicy,
    IAMPolicyStatement,
    IAMRequest,
    PermissionResult,
)
from moto.iam.exceptions import NoSuchEntity, NotFoundException
from moto.iam.utils import REQUIRE_RESOURCE_ACCESS_POLICIES_CHECK

from sandbox.conditions import ContextInput, any_like, conditions_hold, request_context
from sandbox.trust import Caller, trust_allows

ServiceContext = Mapping[str, str | Sequence[str] | None]


class SandboxPolicyStatement(IAMPolicyStatement):
    """One identity-policy statement, evaluated as IAM does.

    moto's statement turns an Allow whose condition fails into a Deny, matches ``Resource`` as
    a regular expression (so ``.`` matches any character), treats a statement without
    ``Resource`` as matching everything and never looks at ``NotResource``.
    """

    def is_action_permitted(
        self,
        action: str,
        resource: str = "*",
        principal: str | None = None,
        incoming_condition_values: ContextInput | None = None,
    ) -> PermissionResult:
        if "Principal" in self._statement or "NotPrincipal" in self._statement:
            return PermissionResult.NEUTRAL  # IAM refuses identity policies naming principals
        if not (
            self._names(action, "Action", ignore_case=True) and self._names(resource, "Resource")
        ):
            return PermissionResult.NEUTRAL
        holds = conditions_hold(
            self._statement.get("Condition"), request_context(incoming_condition_values or {})
        )
        effect = self._statement.get("Effect")
        if effect == "Deny":
            # A Deny applies unless its condition is false; one that cannot be evaluated here
            # applies too (fail closed).
            return PermissionResult.NEUTRAL if holds is False else PermissionResult.DENIED
        if effect == "Allow" and holds is True:
            return PermissionResult.PERMITTED
        return PermissionResult.NEUTRAL  # an Allow whose condition does not hold: no effect

    def _names(self, value: str, element: str, *, ignore_case: bool = False) -> bool:
        """Whether ``element`` (or ``Not<element>``) covers ``value``; IAM needs one of them."""
        if element in self._statement:
            return any_like(_strings(self._statement[element]), value, ignore_case=ignore_case)
        negated = f"Not{element}"
        if negated in self._statement:
            return not any_like(_strings(self._statement[negated]), value, ignore_case=ignore_case)
        return False


class SandboxIAMPolicy(IAMPolicy):
    """moto's policy (it reads inline, managed and versioned documents), with IAM's statements."""

    def is_action_permitted(
        self,
        action: str,
        resource: str = "*",
        principal: str | None = None,
        incoming_condition_values: ContextInput | None = None,
    ) -> PermissionResult:
        permitted = False
        raw = self._policy_json.get("Statement", [])
        for statement in raw if isinstance(raw, list) else [raw]:
            result = SandboxPolicyStatement(statement).is_action_permitted(
                action, resource, principal, incoming_condition_values
            )
            if result == PermissionResult.DENIED:
                return result
            permitted = permitted or result == PermissionResult.PERMITTED
        return PermissionResult.PERMITTED if permitted else PermissionResult.NEUTRAL


class SandboxIAMRequest(IAMRequest):
    def _create_aws_request(self) -> AWSRequest:
        signed = self._get_string_between("SignedHeaders=", ",", self._headers["Authorization"])
        headers = self._create_headers_for_aws_request(signed.split(";"), self._headers)
        request = AWSRequest(
            method=self._method, url=self._path, data=self._payload(), headers=headers
        )
        request.context["timestamp"] = headers["X-Amz-Date"]
        return request

    def _payload(self) -> Any:
        if self._body:
            return self._body
        # A form POST arrives parsed (werkzeug empties the raw body), which moto re-encodes
        # from its parameters; only a request that sent no body at all is signed as empty.
        sent = int(self._headers.get("Content-Length") or 0)
        return self._data if sent else b""

    def caller(self) -> Caller:
        key = self._access_key
        if isinstance(key, AssumedRoleAccessKey):
            # moto keeps only the role's name on the key; the role (with its path) is in IAM.
            role_name: str = key._owner_role_name
            try:
                role_arn: str | None = self.backend.get_role(role_name).arn
            except NotFoundException:
                role_arn = None
            return Caller(key.arn, self.account_id, role_arn, key._session_name)
        return Caller(key.arn, self.account_id)

    def check_action_permitted(
        self, resource: str, service_context: ServiceContext | None = None
    ) -> None:
        """moto's check, with IAM's evaluation: every identity policy of the caller, in the
        request context (global keys and ``service_context``; STS's own keys by default)."""
        if self._action == "sts:GetCallerIdentity":
            return  # always allowed, even under an explicit Deny (as moto and AWS do)
        context = self.request_context(service_context)
        permitted = False
        for policy in self._access_key.collect_policies():
            result = SandboxIAMPolicy(policy).is_action_permitted(
                self._action, resource, None, context
            )
            if result == PermissionResult.DENIED:
                self._raise_access_denied()
            permitted = permitted or result == PermissionResult.PERMITTED
        if permitted and self._is_assuming_role_operation(resource):
            permitted = self._check_role_trust_relationship(resource)
        if not permitted:
            self._raise_access_denied()

    def request_context(self, service_context: ServiceContext | None = None) -> dict[str, Any]:
        """The condition keys of this request: the global keys IAM sets for the caller, and the
        service's own (STS's, read from the request, unless ``service_context`` is given).

        Global keys: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
        """
        caller = self.caller()
        context: dict[str, Any] = {
            "aws:PrincipalArn": caller.principal_arn,
            "aws:PrincipalAccount": caller.account_id,
            "aws:PrincipalType": "AssumedRole" if caller.session_name else "User",
            "aws:RequestedRegion": self._region,
            # The emulator stands in for AWS endpoints, which only accept TLS; its plain HTTP on
            # 127.0.0.1 is the emulator's transport, not a choice the app made.
            "aws:SecureTransport": "true",
        }
        context.update(self._principal_keys(caller))
        context.update(self._sts_context() if service_context is None else service_context)
        return context

    def _principal_keys(self, caller: Caller) -> dict[str, str]:
        """aws:userid, aws:username (IAM users only) and aws:PrincipalTag/<key>."""
        key = self._access_key
        try:
            if isinstance(key, AssumedRoleAccessKey):
                role = self.backend.get_role(key._owner_role_name)
                tags, _ = self.backend.list_role_tags(role.name, None)
                keys = {"aws:userid": f"{role.id}:{caller.session_name}"}
            else:
                user = self.backend.get_user(key._owner_user_name)
                tags = self.backend.list_user_tags(user.name)
                keys = {"aws:userid": user.id, "aws:username": user.name}
        except (NotFoundException, NoSuchEntity):  # deleted meanwhile: no principal keys
            return {}
        keys.update({f"aws:PrincipalTag/{t['Key']}": t["Value"] for t in tags})
        return keys

    def _sts_context(self) -> dict[str, str]:
        """STS's keys for AssumeRole (query protocol: each parameter is a list)."""
        names = {"ExternalId": "sts:ExternalId", "RoleSessionName": "sts:RoleSessionName"}
        found: dict[str, str] = {}
        if self._service != "sts":
            return found
        for parameter, key in names.items():
            value = self._data.get(parameter)
            if value:
                found[key] = value[0] if isinstance(value, list) else str(value)
        return found

    def _is_assuming_role_operation(self, resource_arn: str) -> bool:
        return self._action in REQUIRE_RESOURCE_ACCESS_POLICIES_CHECK and ":role/" in resource_arn

    def _check_role_trust_relationship(self, role_arn: str) -> bool:
        try:
            role = self.backend.get_role_by_arn(role_arn)
        except NotFoundException:
            return False
        return trust_allows(
            role.assume_role_policy_document, self.caller(), self._action, self.request_context()
        )


def iam_enforced() -> bool:
    """moto's switch: IAM is enforced once INITIAL_NO_AUTH_ACTION_COUNT calls have been made."""
    count: float = ActionAuthenticatorMixin.request_count
    return count >= settings.INITIAL_NO_AUTH_ACTION_COUNT


def iam_request(response: Any, action: str) -> SandboxIAMRequest:
    """The IAM view of a moto response object's request, as moto's mixin builds it."""
    path: str = response.raw_path
    if query := response.parsed_url.query:
        path += "?" + query
    return SandboxIAMRequest(
        account_id=response.current_account,
        method=response.method,
        path=path,
        data=response.data,
        body=response.raw_body,
        headers=response.headers,
        action=action,
    )


def authorize(
    response: Any, action: str, resource: str, service_context: ServiceContext | None = None
) -> Caller:
    """Check the signature and that the caller may do ``action`` on ``resource``, with the
    service's condition keys of the request in ``service_context``.

    Raises moto's IAM errors (AccessDenied, SignatureDoesNotMatch, InvalidClientTokenId).
    """
    request = iam_request(response, action)
    request.check_signature()
    request.check_action_permitted(resource, service_context or {})
    return request.caller()


def _strings(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]
