"""One QuickSight request in the emulator (``sandbox.quicksight.request``): signed or refused,
its inputs read as the model names them, its answer carrying the request id."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest

from sandbox import Emulator, EmulatorSession

from ..conftest import ACCOUNT


def _send(url: str, method: str, body: bytes | None, headers: dict[str, str]) -> tuple[int, Any]:
    sent = urllib.request.Request(url, data=body, headers=headers, method=method)  # noqa: S310
    try:
        with urllib.request.urlopen(sent, timeout=10) as response:  # noqa: S310
            return int(response.status), json.load(response)
    except urllib.error.HTTPError as e:
        return e.code, {**json.loads(e.read()), "header": e.headers.get("x-amzn-ErrorType")}


def _signed(admin: EmulatorSession, url: str, body: bytes) -> dict[str, str]:
    request = AWSRequest(
        method="POST", url=url, data=body, headers={"Content-Type": "application/json"}
    )
    credentials = admin.get_credentials()
    assert credentials is not None
    SigV4Auth(credentials.get_frozen_credentials(), "quicksight", "us-east-1").add_auth(request)
    return dict(request.headers)


def test_a_body_that_is_not_json_is_an_invalid_parameter(
    emulator: Emulator, admin: EmulatorSession
) -> None:
    url = f"{emulator.endpoint_url}/accounts/{ACCOUNT}/custom-permissions"
    body = b"{not json"
    status, answer = _send(url, "POST", body, _signed(admin, url, body))
    assert status == 400
    assert answer["__type"] == "InvalidParameterValueException"
    assert answer["Message"] == "The request body is not valid JSON"


def test_the_answer_and_its_header_carry_one_request_id(qs_admin: Any) -> None:
    answer = qs_admin.describe_namespace(AwsAccountId=ACCOUNT, Namespace="default")
    headers = answer["ResponseMetadata"]["HTTPHeaders"]
    assert answer["RequestId"] == headers["x-amzn-requestid"]
    again = qs_admin.describe_namespace(AwsAccountId=ACCOUNT, Namespace="default")
    assert again["RequestId"] != answer["RequestId"], "one id per request"


@pytest.mark.parametrize("token", ["not-a-number", "-1", "100000"])
def test_a_next_token_the_emulator_did_not_give_is_refused(qs_admin: Any, token: str) -> None:
    with pytest.raises(qs_admin.exceptions.InvalidNextTokenException):
        qs_admin.list_users(AwsAccountId=ACCOUNT, Namespace="default", NextToken=token)
