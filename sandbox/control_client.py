"""Client side of the control API: ``emu.faults`` and ``emu.clock`` in the test process."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from typing import Any

from sandbox.control_server import CONTROL_PREFIX, TOKEN_HEADER
from sandbox.faults import FaultKind


class EmulatorError(RuntimeError):
    """The emulator could not start, stopped unexpectedly, or refused a control request."""


class ControlClient:
    def __init__(self, base_url: str, token: str) -> None:
        self._base_url = base_url
        self._token = token

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(  # noqa: S310 (always http://127.0.0.1)
            self._base_url + CONTROL_PREFIX + path,
            data=data,
            method=method,
            headers={TOKEN_HEADER: self._token, "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                result: dict[str, Any] = json.load(response)
                return result
        except urllib.error.HTTPError as e:
            detail = json.loads(e.read() or b"{}").get("error", e.reason)
            raise EmulatorError(f"control API {method} {path}: {e.code} {detail}") from e


class Faults:
    """Faults per operation, e.g. ``inject("GetSessionEmbedUrl", kind="throttle", times=3)``."""

    def __init__(self, control: ControlClient) -> None:
        self._control = control

    def inject(
        self,
        operation: str,
        *,
        kind: FaultKind | str,
        times: int | None = None,
        latency_ms: int = 0,
        service: str = "quicksight",
    ) -> None:
        fault: dict[str, Any] = {"operation": operation, "kind": str(FaultKind(kind))}
        fault |= {"service": service, "times": times, "latency_ms": latency_ms}
        self._control.call("POST", "faults", fault)

    def clear(self) -> None:
        self._control.call("DELETE", "faults")

    def active(self) -> list[dict[str, Any]]:
        faults: list[dict[str, Any]] = self._control.call("GET", "faults")["faults"]
        return faults


class EmulatorClock:
    """The emulator's clock, which decides embed URL expiry; it only moves forward."""

    def __init__(self, control: ControlClient) -> None:
        self._control = control

    def now(self) -> datetime:
        return datetime.fromisoformat(self._control.call("GET", "clock")["now"])

    def advance(self, by: timedelta | float) -> datetime:
        seconds = by.total_seconds() if isinstance(by, timedelta) else by
        return datetime.fromisoformat(
            self._control.call("POST", "clock/advance", {"seconds": seconds})["now"]
        )
