"""QuickSight's errors as AWS sends them: the modelled status, the headers, the JSON body."""

from __future__ import annotations

import json

import pytest

from sandbox.quicksight.exceptions import (
    QuickSightError,
    access_denied,
    exists,
    invalid,
    json_error_response,
    not_found,
)


@pytest.mark.parametrize(
    ("error", "code", "status"),
    [
        (invalid("bad"), "InvalidParameterValueException", 400),
        (not_found("gone"), "ResourceNotFoundException", 404),
        (exists("twice"), "ResourceExistsException", 409),
        (access_denied("no"), "AccessDeniedException", 401),
        (QuickSightError("LimitExceededException", "many"), "LimitExceededException", 409),
        (QuickSightError("InvalidSignatureException", "sig"), "InvalidSignatureException", 403),
        (QuickSightError("UnknownOperationException", "op"), "UnknownOperationException", 404),
    ],
)
def test_each_error_has_its_code_and_the_modelled_status(
    error: QuickSightError, code: str, status: int
) -> None:
    assert (error.code, error.status) == (code, status)
    assert str(error) == f"{code}: {error.message}"


def test_an_error_the_model_does_not_know_is_a_client_error() -> None:
    assert QuickSightError("NoSuchErrorException", "x").status == 400


def test_render_sends_the_type_header_request_id_and_message() -> None:
    status, headers, body = not_found("no dashboard d-1").render("req-1")
    assert status == 404
    assert headers == {
        "Content-Type": "application/json",
        "x-amzn-ErrorType": "ResourceNotFoundException",
        "x-amzn-RequestId": "req-1",
    }
    assert json.loads(body) == {
        "__type": "ResourceNotFoundException",
        "Message": "no dashboard d-1",
        "RequestId": "req-1",
    }


def test_render_adds_the_resource_type_only_when_given() -> None:
    error = QuickSightError("LimitExceededException", "many", resource_type="NAMESPACE")
    assert json.loads(error.render("r")[2])["ResourceType"] == "NAMESPACE"
    assert "ResourceType" not in json.loads(invalid("x").render("r")[2])


def test_json_error_response_merges_extra_members() -> None:
    _, _, body = json_error_response(400, "X", "m", "r", {"Extra": "1"})
    assert json.loads(body) == {"__type": "X", "Message": "m", "RequestId": "r", "Extra": "1"}
