"""botocore's exceptions turned into the typed errors of `embedder.errors`, scrubbed."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import (
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    ProfileNotFound,
)
from botocore.parsers import ResponseParserError

from embedder.aws_errors import (
    REASON_MAX_CHARS,
    client_setup_failure,
    quicksight_error,
    scrub,
    sts_error,
    typed_failure,
)
from embedder.errors import (
    AccessDeniedError,
    AssumeRoleError,
    AwsConfigurationError,
    AwsError,
    AwsSdkError,
    EndpointUnreachableError,
    ExpiredCredentialsError,
    InternalFailureError,
    MissingCredentialsError,
    ThrottlingError,
    UnreadableResponseError,
)

URL = "https://h.example/embed/x?code=AUTHCODE123"


def client_error(code: str, status: int = 400, message: str = "denied") -> ClientError:
    response: Any = {
        "Error": {"Code": code, "Message": message},
        "ResponseMetadata": {"RequestId": "r-1", "HTTPStatusCode": status, "RetryAttempts": 2},
    }
    return ClientError(response, "GetSessionEmbedUrl")


def fail(error: Exception) -> Any:
    return typed_failure(
        error,
        tenant="acme",
        service="quicksight",
        operation="GetSessionEmbedUrl",
        role="qs-embed-acme",
        endpoint=None,
        api_error=lambda e: quicksight_error(e, tenant="acme", operation="GetSessionEmbedUrl"),
    )


def test_quicksight_codes_get_their_class_and_the_answers_fields() -> None:
    denied = quicksight_error(
        client_error("AccessDeniedException", 403), tenant="acme", operation="X"
    )
    assert type(denied) is AccessDeniedError
    assert (denied.request_id, denied.http_status, denied.attempts) == ("r-1", 403, 3)
    other = quicksight_error(client_error("SomethingNew"), tenant="acme", operation="X")
    assert type(other) is AwsError


@pytest.mark.parametrize(
    ("code", "status", "cls"),
    [
        ("ExpiredToken", 400, ExpiredCredentialsError),
        ("Throttling", 400, ThrottlingError),
        ("InternalFailure", 500, InternalFailureError),
        ("AccessDenied", 403, AssumeRoleError),
        ("AccessDenied", 499, AssumeRoleError),  # one short of a server error
    ],
)
def test_sts_errors(code: str, status: int, cls: type[Exception]) -> None:
    error = sts_error(client_error(code, status), tenant="acme", role="qs-embed-acme")
    assert type(error) is cls


@pytest.mark.parametrize(
    ("error", "cls"),
    [
        (client_error("ThrottlingException", 429), ThrottlingError),
        (NoCredentialsError(), MissingCredentialsError),
        (EndpointConnectionError(endpoint_url="http://127.0.0.1:9"), EndpointUnreachableError),
        (ResponseParserError(f"Unable to parse\nbody: {URL}"), UnreadableResponseError),
        (ProfileNotFound(profile="nope"), AwsConfigurationError),
        (UnicodeDecodeError("utf-8", b"\xff", 0, 1, "bad"), UnreadableResponseError),
    ],
)
def test_every_failure_gets_its_typed_error(error: Exception, cls: type[Exception]) -> None:
    typed = fail(error)
    assert type(typed) is cls
    assert typed.__suppress_context__ is True


def test_only_botocores_exceptions_are_chained_and_scrubbed() -> None:
    parser = fail(ResponseParserError(f"Unable to parse response\nbody: {URL}"))
    assert parser.__cause__ is not None
    assert "AUTHCODE123" not in str(parser.__cause__)
    assert "AUTHCODE123" not in str(parser)
    foreign = fail(UnicodeDecodeError("utf-8", URL.encode(), 0, 1, URL))
    assert foreign.__cause__ is None
    assert "AUTHCODE123" not in str(foreign)


def test_a_client_errors_message_holding_a_secret_is_withheld() -> None:
    error = scrub(client_error("AccessDenied", 403, message=f"not allowed: {URL}"))
    assert "AUTHCODE123" not in str(error)
    assert isinstance(error, ClientError)
    assert "AUTHCODE123" not in str(error.response["Error"]["Message"])


def test_scrub_follows_the_chain_and_a_parsers_text_is_cut_short() -> None:
    inner = ValueError(f"inner {URL}")
    outer = ResponseParserError("x" * (REASON_MAX_CHARS * 2) + f"\n{URL}")
    outer.__cause__ = inner
    scrub(outer)
    assert "AUTHCODE123" not in str(inner)
    assert "\n" not in str(outer)
    assert "AUTHCODE123" not in str(outer)
    typed = fail(ResponseParserError("y" * (REASON_MAX_CHARS + 1)))
    assert len(typed.reason) == REASON_MAX_CHARS
    assert typed.reason.endswith("...")


def test_client_setup_failures() -> None:
    bad_url = client_setup_failure(
        ValueError("Invalid endpoint: nope"), tenant="acme", service="sts", endpoint="nope"
    )
    assert type(bad_url) is AwsConfigurationError
    assert "the endpoint URL 'nope' is not valid" in str(bad_url)
    assert bad_url.__cause__ is not None
    other = client_setup_failure(KeyError(URL), tenant="acme", service="sts", endpoint=None)
    assert type(other) is AwsSdkError
    assert other.__cause__ is None
    assert "AUTHCODE123" not in str(other)
