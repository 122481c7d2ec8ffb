"""An answer's error code and request id reach messages and reprs only in their AWS shape: a
secret planted in either (an endpoint echoing one) never does."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError
from hypothesis import given
from hypothesis import strategies as st

from embedder.aws_errors import quicksight_error, sts_error
from embedder.aws_identifiers import (
    UNRECOGNISED_CODE,
    UNRECOGNISED_REQUEST_ID,
    safe_error_code,
    safe_request_id,
)
from embedder.redaction import redact
from tests.fakes import FakeAws, FakeClock, Reply, tenant

PLANTED = (
    "ASIAZZZZZZZZZZZZZZZZ",  # a session's access key id
    "https://h/embed/x?code=AUTHCODE",  # an embed URL
    "x\nforged log line",  # a line break: a second, forged log line
)


@pytest.mark.parametrize(
    ("value", "kept"),
    [
        ("AccessDeniedException", True),
        ("Client.InvalidToken", True),
        ("Throttling", True),
        ("", False),
        ("Access Denied", False),
        ("x" * 101, False),
        *[(secret, False) for secret in PLANTED],
    ],
)
def test_error_codes_keep_their_shape(value: str, kept: bool) -> None:
    assert safe_error_code(value) == (value if kept else UNRECOGNISED_CODE)


@pytest.mark.parametrize(
    ("value", "kept"),
    [
        ("0f8d2c1e-3a4b-4c5d-9e6f-7a8b9c0d1e2f", True),
        ("r-1", True),
        ("4442587FB7D0A2F9", True),
        ("a" * 64, True),
        ("a" * 65, False),  # one past the edge
        ("-leading-dash", False),
        *[(secret, False) for secret in PLANTED],
    ],
)
def test_request_ids_keep_their_shape(value: str, kept: bool) -> None:
    assert safe_request_id(value) == (value if kept else UNRECOGNISED_REQUEST_ID)
    assert safe_request_id(None) is None
    assert safe_request_id("") is None


UUIDS = st.from_regex(r"[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}", fullmatch=True)


@given(UUIDS)
def test_a_uuid_request_id_is_kept(request_id: str) -> None:
    """QuickSight's and STS's own request ids, UUIDs, are kept by their shape, as the full
    check (shape, then `redact` changing nothing) keeps them: hex digits and hyphens hide no
    secret."""
    assert redact(request_id) == request_id
    assert safe_request_id(request_id) == request_id


@pytest.mark.parametrize(
    ("value", "kept"),
    [
        ("0f8d2c1e-3a4b-4c5d-9e6f-7a8b9c0d1e2", True),  # one digit short: the full check keeps it
        ("0f8d2c1e-3a4b-4c5d-9e6f-7a8b9c0d1e2f" + "a" * 29, False),  # past the shape's 64
        ("ASIAZZZZZZZZZZZZZZZZ-3a4b-4c5d-9e6f-7a8b9c0d1e2f", False),  # an access key id first
    ],
)
def test_what_is_one_step_past_a_uuid_is_kept_only_in_an_aws_shape(value: str, kept: bool) -> None:
    assert safe_request_id(value) == (value if kept else UNRECOGNISED_REQUEST_ID)


def _client_error(code: str, request_id: str) -> ClientError:
    response: Any = {
        "Error": {"Code": code, "Message": "denied"},
        "ResponseMetadata": {"RequestId": request_id, "HTTPStatusCode": 403},
    }
    return ClientError(response, "GetSessionEmbedUrl")


@pytest.mark.parametrize("secret", PLANTED)
def test_a_secret_planted_in_an_errors_code_or_request_id_reaches_no_text(secret: str) -> None:
    errors: list[Any] = [
        quicksight_error(_client_error(secret, secret), tenant="acme", operation="X"),
        sts_error(_client_error(secret, secret), tenant="acme", role="r"),
    ]
    for error in errors:
        for text in (str(error), repr(error), repr(error.kwargs)):
            assert secret not in text
            assert "AUTHCODE" not in text
        assert error.request_id == UNRECOGNISED_REQUEST_ID


def test_the_embed_urls_repr_shows_a_request_id_only_in_its_shape(
    aws: FakeAws, clock: FakeClock
) -> None:
    from embedder import ClientPool, Embedder

    secret = PLANTED[0]

    def plant(
        status: int, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        document = json.loads(body)
        document["RequestId"] = secret
        return status, headers, json.dumps(document).encode()

    emb = Embedder(tenant(), session=aws.session(), clock=clock, client_pool=ClientPool(2))
    aws.fail("GetSessionEmbedUrl", Reply(plant))
    url = emb.session_embed_url("alice")

    assert url.request_id == UNRECOGNISED_REQUEST_ID
    assert secret not in repr(url)
    assert redact(repr(url)) == repr(url)
