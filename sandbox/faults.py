"""Faults injected per operation at run time: throttling, internal failure, latency.

The one place faults are decided and rendered: ``FaultBook.apply`` runs in every call the
emulator serves (QuickSight's handlers, and moto's authorization step for STS and IAM); it waits
out a latency fault and raises an error fault as an ``InjectedFault``, whose ``response`` is
what the service answers, from the one table ``FAULT_ERRORS``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any
from xml.sax.saxutils import escape

from sandbox.quicksight.botocore_model import service_model
from sandbox.quicksight.exceptions import json_error_response

# Services whose operations faults can target: the ones embedding calls.
FAULT_SERVICES = ("quicksight", "sts", "iam")


class FaultKind(StrEnum):
    THROTTLE = "throttle"  # 429 ThrottlingException (QuickSight), 400 Throttling (STS/IAM)
    INTERNAL = "internal"  # 500 InternalFailureException / InternalFailure
    LATENCY = "latency"  # the call succeeds, ``latency_ms`` late


@dataclass(frozen=True)
class Fault:
    operation: str
    kind: FaultKind
    service: str = "quicksight"
    times: int | None = None  # None: until cleared
    latency_ms: int = 0

    def __post_init__(self) -> None:
        if self.service not in FAULT_SERVICES:
            raise ValueError(f"service must be one of {', '.join(FAULT_SERVICES)}")
        if self.operation not in service_model(self.service).operation_names:
            raise ValueError(f"{self.service} has no operation named {self.operation!r}")
        if self.times is not None and self.times < 1:
            raise ValueError("times must be at least 1 (or omitted: until cleared)")
        if self.kind is FaultKind.LATENCY and not 0 < self.latency_ms <= 60_000:
            raise ValueError("a latency fault needs latency_ms between 1 and 60000")

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Fault:
        allowed = {"operation", "kind", "service", "times", "latency_ms"}
        if unknown := set(data) - allowed:
            raise ValueError(f"unknown fault fields: {', '.join(sorted(unknown))}")
        try:
            kind = FaultKind(str(data.get("kind")))
        except ValueError:
            raise ValueError(f"kind must be one of {', '.join(FaultKind)}") from None
        return cls(
            operation=str(data.get("operation", "")),
            kind=kind,
            service=str(data.get("service", "quicksight")),
            times=_optional_int(data.get("times"), "times"),
            latency_ms=_optional_int(data.get("latency_ms"), "latency_ms") or 0,
        )


@dataclass(frozen=True)
class FaultError:
    status: int
    code: str
    message: str


# What a THROTTLE or INTERNAL fault answers, by the protocol of the service it hits (botocore's
# model names it: QuickSight speaks REST-JSON, STS and IAM speak Query). The REST-JSON statuses
# are the ones QuickSight's model gives these errors.
FAULT_ERRORS: Mapping[tuple[str, FaultKind], FaultError] = {
    ("rest-json", FaultKind.THROTTLE): FaultError(
        429, "ThrottlingException", "Rate exceeded (injected fault)"
    ),
    ("rest-json", FaultKind.INTERNAL): FaultError(
        500, "InternalFailureException", "Internal failure (injected fault)"
    ),
    ("query", FaultKind.THROTTLE): FaultError(400, "Throttling", "Rate exceeded"),
    ("query", FaultKind.INTERNAL): FaultError(500, "InternalFailure", "Injected internal failure"),
}


class InjectedFault(Exception):
    """A THROTTLE or INTERNAL fault fired on a call of ``service``."""

    def __init__(self, service: str, kind: FaultKind) -> None:
        self.protocol = service_model(service).protocol
        self.error = FAULT_ERRORS[self.protocol, kind]
        super().__init__(f"{self.error.code}: {self.error.message}")

    def response(self, request_id: str = "injected-fault") -> tuple[int, dict[str, str], str]:
        """Status, headers and body the service answers: REST-JSON as QuickSight's own errors,
        Query as the XML ``ErrorResponse`` of STS and IAM (whose headers are moto's own)."""
        error = self.error
        if self.protocol == "rest-json":
            return json_error_response(error.status, error.code, error.message, request_id)
        fault_type = "Sender" if error.status < 500 else "Receiver"
        body = (
            "<ErrorResponse><Error>"
            f"<Type>{fault_type}</Type><Code>{error.code}</Code>"
            f"<Message>{escape(error.message)}</Message>"
            f"</Error><RequestId>{request_id}</RequestId></ErrorResponse>"
        )
        return error.status, {}, body


def _optional_int(value: Any, name: str) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"{name} must be an integer")
    return value


class FaultBook:
    """Armed faults; each firing uses one of ``times``. Thread-safe: the server is threaded."""

    def __init__(self, sleep: Callable[[float], None] = time.sleep) -> None:
        self._armed: list[tuple[Fault, int | None]] = []
        self._lock = threading.Lock()
        self._sleep = sleep  # how a latency fault waits (tests record it instead)

    def inject(self, fault: Fault) -> None:
        with self._lock:
            self._armed.append((fault, fault.times))

    def clear(self) -> None:
        with self._lock:
            self._armed.clear()

    def take(self, service: str, operation: str) -> Fault | None:
        """The fault to apply to this call, if any, consuming one of its firings."""
        with self._lock:
            for index, (fault, left) in enumerate(self._armed):
                if fault.service != service or fault.operation != operation:
                    continue
                if left is None:
                    return fault
                if left <= 1:
                    del self._armed[index]
                else:
                    self._armed[index] = (fault, left - 1)
                return fault
        return None

    def apply(self, service: str, operation: str) -> None:
        """Apply the fault armed for this call, if any: wait out a latency fault; raise an
        error fault as ``InjectedFault``."""
        fault = self.take(service, operation)
        if fault is None:
            return
        if fault.kind is FaultKind.LATENCY:
            self._sleep(fault.latency_ms / 1000)
        else:
            raise InjectedFault(service, fault.kind)

    def describe(self) -> list[dict[str, Any]]:
        with self._lock:
            return [asdict(fault) | {"remaining": left} for fault, left in self._armed]
