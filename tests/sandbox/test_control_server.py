"""The control API (``sandbox.control_server``) is reachable only with its token, never by an
AWS-signed call."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

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


def test_health_needs_no_token_and_names_the_embed_origin(emu: Emulator) -> None:
    with urllib.request.urlopen(f"{emu.endpoint_url}/_sandbox/health", timeout=10) as response:  # noqa: S310
        health = json.load(response)
    assert health["status"] == "ok"
    assert health["embed_origin"].startswith("http")


@pytest.mark.parametrize(
    ("body", "problem"),
    [(b"not json", "the body must be JSON"), (b"[1]", "the body must be a JSON object")],
)
def test_a_body_that_is_not_a_json_object_is_a_400(
    emu: Emulator, body: bytes, problem: str
) -> None:
    request = urllib.request.Request(  # noqa: S310 (local emulator)
        f"{emu.endpoint_url}/_sandbox/faults",
        data=body,
        method="POST",
        headers={"X-Sandbox-Token": emu.control_token},
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)  # noqa: S310
    assert refused.value.code == 400
    assert json.loads(refused.value.read())["error"] == problem
    assert emu.faults.active() == []
