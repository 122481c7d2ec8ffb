"""Faults fire as configured and clear; the control API is only reachable with its token."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from sandbox import Emulator, EmulatorError, EmulatorSession

from .conftest import ACCOUNT, NO_RETRIES, user_arn

AUTHOR = user_arn("acme", "acme-author")


@pytest.fixture
def emu(emulator: Emulator) -> Iterator[Emulator]:
    yield emulator
    emulator.faults.clear()


@pytest.fixture
def qs(acme_embed: EmulatorSession) -> Any:
    return acme_embed.client("quicksight", config=NO_RETRIES)


def mint(qs: Any) -> dict[str, Any]:
    response: dict[str, Any] = qs.get_session_embed_url(AwsAccountId=ACCOUNT, UserArn=AUTHOR)
    return response


def test_throttle_fires_the_configured_number_of_times(emu: Emulator, qs: Any) -> None:
    emu.faults.inject("GetSessionEmbedUrl", kind="throttle", times=3)

    for _ in range(3):
        with pytest.raises(qs.exceptions.ThrottlingException):
            mint(qs)
    assert mint(qs)["Status"] == 200
    assert emu.faults.active() == []


def test_sdk_retries_ride_out_a_short_burst_of_throttling(
    emu: Emulator, acme_embed: EmulatorSession
) -> None:
    retrying = acme_embed.client(
        "quicksight", config=Config(retries={"mode": "standard", "total_max_attempts": 3})
    )
    emu.faults.inject("GetSessionEmbedUrl", kind="throttle", times=2)

    response = mint(retrying)

    assert response["ResponseMetadata"]["RetryAttempts"] == 2


def test_fault_without_times_lasts_until_cleared(emu: Emulator, qs: Any) -> None:
    emu.faults.inject("GetSessionEmbedUrl", kind="internal")

    for _ in range(2):
        with pytest.raises(qs.exceptions.InternalFailureException):
            mint(qs)
    emu.faults.clear()

    assert mint(qs)["Status"] == 200


def test_faults_target_one_operation(emu: Emulator, qs: Any) -> None:
    emu.faults.inject("DescribeUser", kind="throttle", times=1)

    assert mint(qs)["Status"] == 200
    with pytest.raises(qs.exceptions.ThrottlingException):
        qs.describe_user(AwsAccountId=ACCOUNT, Namespace="acme", UserName="acme-author")


def test_latency_delays_the_call(emu: Emulator, qs: Any) -> None:
    emu.faults.inject("GetSessionEmbedUrl", kind="latency", latency_ms=300, times=1)

    started = time.monotonic()
    response = mint(qs)
    slow = time.monotonic() - started
    started = time.monotonic()
    mint(qs)
    fast = time.monotonic() - started

    assert response["Status"] == 200
    assert slow >= 0.3
    assert fast < slow


def test_sts_faults_use_the_query_protocol_codes(emu: Emulator, admin: EmulatorSession) -> None:
    sts = admin.client("sts", config=NO_RETRIES)
    emu.faults.inject("GetCallerIdentity", kind="throttle", service="sts", times=1)

    with pytest.raises(ClientError) as error:
        sts.get_caller_identity()

    assert error.value.response["Error"]["Code"] == "Throttling"
    assert sts.get_caller_identity()["Account"] == ACCOUNT


def test_unknown_operation_or_kind_is_refused(emu: Emulator) -> None:
    with pytest.raises(EmulatorError, match="no operation named 'GetSessionEmbedURL'"):
        emu.faults.inject("GetSessionEmbedURL", kind="throttle")
    with pytest.raises(ValueError, match="explode"):
        emu.faults.inject("GetSessionEmbedUrl", kind="explode")
    assert emu.faults.active() == []


def _control(emu: Emulator, method: str, path: str, headers: dict[str, str]) -> int:
    return _post(f"{emu.endpoint_url}/_sandbox/{path}", method, headers)


def _post(url: str, method: str = "POST", headers: dict[str, str] | None = None) -> int:
    request = urllib.request.Request(  # noqa: S310 (local emulator)
        url,
        data=json.dumps({"operation": "GetSessionEmbedUrl", "kind": "throttle"}).encode(),
        method=method,
        headers=headers or {},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return int(response.status)
    except urllib.error.HTTPError as e:
        return e.code


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


def test_moto_admin_api_is_not_reachable(emu: Emulator, qs: Any) -> None:
    """moto's /moto-api/reset-auth could otherwise switch IAM enforcement off."""
    assert _post(f"{emu.endpoint_url}/moto-api/reset-auth") == 404
    assert _post(f"{emu.endpoint_url}/moto-api/reset") == 404
    with pytest.raises(qs.exceptions.AccessDeniedException):
        qs.list_namespaces(AwsAccountId=ACCOUNT)
