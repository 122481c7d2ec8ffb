"""The control API (``sandbox.control_server``) is reachable only with its token, never by an
AWS-signed call."""

from __future__ import annotations

from sandbox import Emulator

from .conftest import post_fault


def _control(emu: Emulator, method: str, path: str, headers: dict[str, str]) -> int:
    return post_fault(f"{emu.endpoint_url}/_sandbox/{path}", method, headers)


def test_control_api_needs_its_token_and_refuses_aws_signed_calls(emu: Emulator) -> None:
    signed = {
        "X-Sandbox-Token": emu.control_token,
        "Authorization": "AWS4-HMAC-SHA256 Credential=AKIA/20240101/us-east-1/quicksight/x",
    }

    assert _control(emu, "POST", "faults", {}) == 403
    assert _control(emu, "POST", "faults", {"X-Sandbox-Token": "guess"}) == 403
    assert _control(emu, "POST", "faults", signed) == 403
    assert emu.faults.active() == []
    assert _control(emu, "POST", "faults", {"X-Sandbox-Token": emu.control_token}) == 201
    assert len(emu.faults.active()) == 1
