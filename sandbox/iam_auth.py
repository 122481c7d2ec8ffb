"""IAM enforcement fixes, in a subclass of moto's ``IAMRequest`` and one hook that uses it.

- Signatures: moto signs a body-less request (every QuickSight GET/DELETE) with its parsed
  parameters as the payload, so a correct SigV4 signature never matches; the SDK signs an empty
  payload there, and so does this class.
- Trust policies: see ``sandbox.trust``; AssumeRole on a role that does not exist is refused
  instead of minting credentials for nothing.
- ``authorize`` checks one action on a resource ARN and returns the caller, so QuickSight can
  authorize against the real user ARN and also check GetAuthCode on the UserArn.

``sandbox.moto_hooks`` makes moto's other services (STS, IAM) use this class too.
"""

from __future__ import annotations

from typing import Any

from botocore.awsrequest import AWSRequest
from moto import settings
from moto.core.authorization import ActionAuthenticatorMixin
from moto.iam.access_control import AssumedRoleAccessKey, IAMRequest
from moto.iam.exceptions import NotFoundException
from moto.iam.utils import (
    REQUIRE_RESOURCE_ACCESS_POLICIES_CHECK,
    format_incoming_conditional_values,
)

from sandbox.trust import Caller, trust_allows


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

    def _is_assuming_role_operation(self, resource_arn: str) -> bool:
        return self._action in REQUIRE_RESOURCE_ACCESS_POLICIES_CHECK and ":role/" in resource_arn

    def _check_role_trust_relationship(self, role_arn: str) -> bool:
        try:
            role = self.backend.get_role_by_arn(role_arn)
        except NotFoundException:
            return False
        context = format_incoming_conditional_values(self._data)
        if session_name := self._data.get("RoleSessionName"):
            context["sts:RoleSessionName"] = session_name[0]
        return trust_allows(role.assume_role_policy_document, self.caller(), self._action, context)


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


def authorize(response: Any, action: str, resource: str) -> Caller:
    """Check the signature and that the caller may do ``action`` on ``resource``.

    Raises moto's IAM errors (AccessDenied, SignatureDoesNotMatch, InvalidClientTokenId).
    """
    request = iam_request(response, action)
    request.check_signature()
    request.check_action_permitted(resource)
    return request.caller()
