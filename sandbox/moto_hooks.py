"""The one hook into moto: the authorization step every moto service runs before an action.

Installed only inside the emulator's own process (``sandbox.server``), never where tests or
apps import moto, so moto's behaviour elsewhere is untouched. It applies injected faults
(``sandbox.faults``, which also renders them) and authorizes with ``SandboxIAMRequest``, on the
resource the Service Authorization Reference gives each IAM and STS action.
"""

from __future__ import annotations

from typing import Any

from moto.core.authorization import ActionAuthenticatorMixin
from werkzeug.exceptions import HTTPException

from sandbox import runtime
from sandbox.conditions import UnsupportedPolicyElement
from sandbox.faults import InjectedFault
from sandbox.iam_auth import (
    UnsupportedElementDenied,
    consistent_read,
    iam_enforced,
    iam_request,
    iam_resource,
)


class _FaultAnswer(HTTPException):
    """moto answers an HTTPException from the authorization step with its code and
    description as status and body."""

    def __init__(self, fault: InjectedFault) -> None:
        super().__init__()
        self.code, _, self.description = fault.response()


def _authorize_with_faults(self: Any, resource: str = "*") -> None:
    """moto's ``_authenticate_and_authorize_action``, with the request built by
    ``iam_request`` (it carries the caller's address for aws:SourceIp) and the resource the
    Service Authorization Reference gives the action (``iam_resource``)."""
    action = self._get_action()
    try:
        runtime.current().faults.apply(self.service_name, action)
    except InjectedFault as fault:
        raise _FaultAnswer(fault) from None
    if not iam_enforced():
        ActionAuthenticatorMixin.request_count += 1
        return
    request = iam_request(self, action)
    request.check_signature()
    try:
        target = consistent_read(lambda: iam_resource(self, request, resource))
    except UnsupportedPolicyElement as e:  # an action the SAR does not list: refused, named
        raise UnsupportedElementDenied(request.caller().arn, request._action, e) from None
    request.check_action_permitted(target)


def install() -> None:
    ActionAuthenticatorMixin._authenticate_and_authorize_normal_action = (  # type: ignore[method-assign]
        _authorize_with_faults
    )
