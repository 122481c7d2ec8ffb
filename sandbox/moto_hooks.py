"""The one hook into moto: the authorization step every moto service runs before an action.

Installed only inside the emulator's own process (``sandbox.server``), never where tests or
apps import moto, so moto's behaviour elsewhere is untouched. It arms injected faults and
authorizes with ``SandboxIAMRequest``.
"""

from __future__ import annotations

import time
from typing import Any
from xml.sax.saxutils import escape

from moto.core.authorization import ActionAuthenticatorMixin
from werkzeug.exceptions import HTTPException

from sandbox import runtime
from sandbox.faults import FaultKind
from sandbox.iam_auth import SandboxIAMRequest

# Query-protocol (STS, IAM) spelling of the faults; QuickSight renders its own.
_QUERY_FAULTS = {
    FaultKind.THROTTLE: (400, "Throttling", "Rate exceeded", "Sender"),
    FaultKind.INTERNAL: (500, "InternalFailure", "Injected internal failure", "Receiver"),
}


class QueryProtocolFault(HTTPException):
    def __init__(self, status: int, code: str, message: str, fault_type: str) -> None:
        super().__init__()
        self.code = status
        self.description = (
            "<ErrorResponse><Error>"
            f"<Type>{fault_type}</Type><Code>{code}</Code><Message>{escape(message)}</Message>"
            "</Error><RequestId>injected-fault</RequestId></ErrorResponse>"
        )


def _authorize_with_faults(self: Any, resource: str = "*") -> None:
    fault = runtime.current().faults.take(self.service_name, self._get_action())
    if fault is not None:
        if fault.kind is FaultKind.LATENCY:
            time.sleep(fault.latency_ms / 1000)
        else:
            raise QueryProtocolFault(*_QUERY_FAULTS[fault.kind])
    self._authenticate_and_authorize_action(SandboxIAMRequest, resource)


def install() -> None:
    ActionAuthenticatorMixin._authenticate_and_authorize_normal_action = (  # type: ignore[method-assign]
        _authorize_with_faults
    )
