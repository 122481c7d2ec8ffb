"""How the emulator's QuickSight takes a request, before any operation runs: injected faults,
authorization against the real resource ARN with QuickSight's error shapes
(AccessDeniedException 401, never an XML SignatureDoesNotMatch), inputs parsed and validated by
botocore's model, answers with one request id in body and header, pagination.

``QuickSightRequest`` extends moto's ``QuickSightResponse``; the operations are its subclasses'
methods (`sandbox.quicksight.embedding`, `sandbox.quicksight.responses`).
"""

import json
import logging
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
from sandbox.conditions import UnsupportedPolicyElement
from sandbox.faults import InjectedFault
from sandbox.iam_auth import UnsupportedElementDenied, authorize, iam_enforced, iam_request
from sandbox.quicksight import botocore_model
from sandbox.quicksight.authorization import quicksight_context, resource_arn
from sandbox.quicksight.exceptions import QuickSightError, access_denied, invalid
from sandbox.quicksight.models import SandboxQuickSightBackend, sandbox_quicksight_backends
from sandbox.trust import Caller

log = logging.getLogger(__name__)

T = TypeVar("T")

# moto's IAM error codes -> what a REST-JSON service such as QuickSight answers.
_IAM_ERRORS = {
    "SignatureDoesNotMatch": "InvalidSignatureException",
    "InvalidClientTokenId": "UnrecognizedClientException",
}
_PAGE_SIZE = 100


class QuickSightRequest(QuickSightResponse):
    """One QuickSight request: faults, authorization, inputs and the shape of the answer."""

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
            self.caller = self._authorize(operation, None)
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

    def _authorize(self, operation: str, resource: str | None) -> Caller | None:
        """``resource`` None: the one the request names (``_determine_resource``)."""
        if not iam_enforced():
            ActionAuthenticatorMixin.request_count += 1
            return None
        if "Authorization" not in self.headers:
            raise QuickSightError(
                "MissingAuthenticationTokenException", "Missing Authentication Token"
            )
        try:
            if resource is None:
                resource = self._determine_resource()
            return authorize(
                self, operation, resource, quicksight_context(operation, self.raw_params)
            )
        except UnsupportedPolicyElement as e:
            log.warning("refused quicksight:%s: %s", operation, e)
            raise access_denied(
                f"User: {self._caller_arn()} is not authorized to perform: "
                f"quicksight:{operation}: {e}"
            ) from e
        except HTTPException as e:
            code = getattr(e, "error_type", "")
            if isinstance(e, UnsupportedElementDenied):
                raise access_denied(e.message) from e
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


def _int_or_raw(value: str) -> int | str:
    try:
        return int(value)
    except ValueError:
        return value  # left for validation to name
