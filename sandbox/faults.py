"""Faults injected per operation at run time: throttling, internal failure, latency."""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

from sandbox.quicksight.botocore_model import service_model

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


def _optional_int(value: Any, name: str) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"{name} must be an integer")
    return value


class FaultBook:
    """Armed faults; each firing uses one of ``times``. Thread-safe: the server is threaded."""

    def __init__(self) -> None:
        self._armed: list[tuple[Fault, int | None]] = []
        self._lock = threading.Lock()

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

    def describe(self) -> list[dict[str, Any]]:
        with self._lock:
            return [asdict(fault) | {"remaining": left} for fault, left in self._armed]
