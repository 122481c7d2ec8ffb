"""Faults (``sandbox.faults``): the book and what each fault answers, then faults as the
emulator's callers see them; the control API that arms them is only reachable with its token."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from sandbox import Emulator, EmulatorSession
from sandbox.faults import FAULT_ERRORS, Fault, FaultBook, FaultKind, InjectedFault
from sandbox.quicksight.botocore_model import error_status

from .conftest import ACCOUNT, NO_RETRIES, user_arn

AUTHOR = user_arn("acme", "acme-author")


class TestFaults:
    def test_counted_faults_run_out(self) -> None:
        book = FaultBook()
        book.inject(Fault("GetSessionEmbedUrl", FaultKind.THROTTLE, times=2))

        taken = [book.take("quicksight", "GetSessionEmbedUrl") for _ in range(3)]

        assert [fault is not None for fault in taken] == [True, True, False]

    def test_faults_are_per_service_and_operation(self) -> None:
        book = FaultBook()
        book.inject(Fault("ListUsers", FaultKind.INTERNAL, service="iam"))

        assert book.take("quicksight", "ListUsers") is None
        assert book.take("iam", "ListUsers") is not None
        assert book.take("iam", "ListUsers") is not None  # no times: until cleared
        book.clear()
        assert book.take("iam", "ListUsers") is None

    def test_a_latency_fault_waits_and_lets_the_call_through(self) -> None:
        waited: list[float] = []
        book = FaultBook(sleep=waited.append)
        book.inject(Fault("GetSessionEmbedUrl", FaultKind.LATENCY, times=1, latency_ms=300))

        book.apply("quicksight", "GetSessionEmbedUrl")
        book.apply("quicksight", "GetSessionEmbedUrl")

        assert waited == [0.3]

    def test_apply_raises_an_armed_error_fault_once_per_firing(self) -> None:
        book = FaultBook()
        book.inject(Fault("AssumeRole", FaultKind.THROTTLE, service="sts", times=1))

        with pytest.raises(InjectedFault) as fired:
            book.apply("sts", "AssumeRole")
        book.apply("sts", "AssumeRole")  # used up: the call goes through

        assert fired.value.error.code == "Throttling"

    def test_quicksight_faults_answer_as_quicksight_errors_with_the_modelled_status(self) -> None:
        status, headers, body = InjectedFault("quicksight", FaultKind.THROTTLE).response("r-1")

        assert (status, headers["x-amzn-ErrorType"]) == (429, "ThrottlingException")
        assert json.loads(body)["RequestId"] == "r-1"
        for (protocol, _), error in FAULT_ERRORS.items():
            if protocol == "rest-json":
                assert error_status(error.code) == error.status, error.code

    def test_sts_and_iam_faults_answer_in_the_query_protocol(self) -> None:
        status, _, body = InjectedFault("iam", FaultKind.INTERNAL).response()

        assert status == 500
        assert "<Type>Receiver</Type><Code>InternalFailure</Code>" in body

    @pytest.mark.parametrize(
        ("fields", "problem"),
        [
            ({"operation": "GetSessionEmbedURL", "kind": "throttle"}, "no operation named"),
            ({"operation": "GetSessionEmbedUrl", "kind": "latency"}, "needs latency_ms"),
            ({"operation": "GetSessionEmbedUrl", "kind": "throttle", "times": 0}, "at least 1"),
            ({"operation": "GetSessionEmbedUrl", "kind": "throttle", "service": "s3"}, "one of"),
            ({"operation": "GetSessionEmbedUrl", "kind": "throttle", "typo": 1}, "unknown"),
        ],
    )
    def test_bad_faults_are_refused(self, fields: dict[str, object], problem: str) -> None:
        with pytest.raises(ValueError, match=problem):
            Fault.from_json(fields)


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


def test_a_latency_fault_lets_the_call_through(emu: Emulator, qs: Any) -> None:
    """How long it waits is a unit test of the book: no test here times the wall clock."""
    emu.faults.inject("GetSessionEmbedUrl", kind="latency", latency_ms=1, times=1)

    assert mint(qs)["Status"] == 200
    assert emu.faults.active() == []


def test_sts_faults_use_the_query_protocol_codes(emu: Emulator, admin: EmulatorSession) -> None:
    sts = admin.client("sts", config=NO_RETRIES)
    emu.faults.inject("GetCallerIdentity", kind="throttle", service="sts", times=1)

    with pytest.raises(ClientError) as error:
        sts.get_caller_identity()

    assert error.value.response["Error"]["Code"] == "Throttling"
    assert sts.get_caller_identity()["Account"] == ACCOUNT
