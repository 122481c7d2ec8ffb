"""QuickSight's errors as AWS sends them: JSON body, ``x-amzn-ErrorType``, the modelled status.

Raised by ``models`` and ``responses``; ``responses`` renders them (``QuickSightError.render``).
"""

from __future__ import annotations

import json

from sandbox.quicksight.botocore_model import error_status

# Errors every AWS REST-JSON service can return, which the QuickSight model does not list.
_COMMON_STATUS = {
    "InvalidSignatureException": 403,
    "UnrecognizedClientException": 403,
    "MissingAuthenticationTokenException": 403,
    "UnknownOperationException": 404,
}


class QuickSightError(Exception):
    """An error a QuickSight operation answers with; ``code`` is the botocore error code."""

    def __init__(self, code: str, message: str, *, resource_type: str | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.resource_type = resource_type  # LimitExceededException's ResourceType member

    @property
    def status(self) -> int:
        return error_status(self.code) or _COMMON_STATUS.get(self.code, 400)

    def render(self, request_id: str) -> tuple[int, dict[str, str], str]:
        extra = {"ResourceType": self.resource_type} if self.resource_type else {}
        return json_error_response(self.status, self.code, self.message, request_id, extra)


def json_error_response(
    status: int, code: str, message: str, request_id: str, extra: dict[str, str] | None = None
) -> tuple[int, dict[str, str], str]:
    """An error as a REST-JSON service sends it: status, headers and body."""
    body = {"__type": code, "Message": message, "RequestId": request_id, **(extra or {})}
    headers = {
        "Content-Type": "application/json",
        "x-amzn-ErrorType": code,
        "x-amzn-RequestId": request_id,
    }
    return status, headers, json.dumps(body)


def invalid(message: str) -> QuickSightError:
    return QuickSightError("InvalidParameterValueException", message)


def not_found(message: str) -> QuickSightError:
    return QuickSightError("ResourceNotFoundException", message)


def exists(message: str) -> QuickSightError:
    return QuickSightError("ResourceExistsException", message)


def access_denied(message: str) -> QuickSightError:
    return QuickSightError("AccessDeniedException", message)
