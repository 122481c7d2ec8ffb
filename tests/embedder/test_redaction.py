"""Embed URLs, auth codes and role secrets never reach logs (even botocore's DEBUG wire logs),
reprs or exception text."""

from __future__ import annotations

import json
import logging
import pickle
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import botocore.session
import pytest
from hypothesis import given
from hypothesis import strategies as st

import embedder
from embedder import (
    AccessDeniedError,
    ClientPool,
    Embedder,
    EmbedUrl,
    QuickSightUserNotFoundError,
    RoleSession,
)
from embedder.redaction import (
    AWS_SDK_LOGGERS,
    WITHHELD,
    RedactingFilter,
    _redact_fully,
    install_log_redaction,
    redact,
    withheld,
)
from tests.fakes import Failure, FakeAws, FakeClock, canned_response, registering, tenant

SECRET_MARKERS = (
    "AUTHCODE",  # the auth code in every fake embed URL
    "/embed/",  # the session path of an embed URL
    "role-secret-",  # SecretAccessKey of the assumed role
    "token-qs-embed",  # SessionToken of the tenant role session
    "token-dana",  # SessionToken of a user role session
    "app-secret-key",  # the app's own secret key
    "ASIA0000",  # the access key id of the assumed role (Credential=... in signed requests)
    "AKIDAPPEXAMPLE",  # the app's own access key id
    "globex-embed-7f3c9a",  # the external id
)


def assert_clean(text: str) -> None:
    for marker in SECRET_MARKERS:
        assert marker not in text, f"{marker!r} leaked"


def test_debug_logs_of_botocore_and_the_embedder_leak_nothing(
    aws: FakeAws, clock: FakeClock, pool: ClientPool, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    acme = Embedder(tenant(), session=aws.session(), clock=clock, client_pool=pool)
    globex = Embedder(
        registering(tenant("iam")), session=aws.session(), clock=clock, client_pool=pool
    )
    aws.check_registration = True
    aws.registered.add("qs-embed")  # acme's tenant session stands for registered users
    urls = [
        acme.session_embed_url("alice").url,
        acme.generate_console_url("bob").url,
        globex.session_embed_url("dana").url,  # with just-in-time registration
        globex.generate_console_url("dana").url,
    ]
    clock.advance(minutes=50)  # a refresh, logged by botocore.credentials
    urls.append(acme.session_embed_url("alice").url)
    aws.fail("GetSessionEmbedUrl", Failure("AccessDeniedException", 401, f"denied {urls[0]}"))
    with pytest.raises(AccessDeniedError):
        acme.session_embed_url("alice")

    assert all("AUTHCODE" in url for url in urls), "the fake did hand out secrets"
    by_logger = {r.name for r in caplog.records}
    assert {"botocore.parsers", "botocore.endpoint", "botocore.auth"} <= by_logger
    bodies = [r.getMessage() for r in caplog.records if r.name == "botocore.parsers"]
    assert any("<redacted>" in body for body in bodies), "response bodies were logged, redacted"
    assert_clean(caplog.text)
    for record in caplog.records:
        assert_clean(record.getMessage())
    assert any("registered dana" in r.getMessage() for r in caplog.records)


def test_a_traceback_logged_by_botocore_is_redacted(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("botocore.credentials")
    install_log_redaction()  # as every Embedder does
    assert any(isinstance(f, RedactingFilter) for f in logger.filters)
    caplog.set_level(logging.DEBUG)
    try:
        raise RuntimeError("failed on https://x.example/embed/1?code=AUTHCODE-9")
    except RuntimeError:
        logger.warning("refresh failed", exc_info=True)
    assert "refresh failed" in caplog.text
    assert_clean(caplog.text)


def test_result_repr_and_str_hide_the_url() -> None:
    url = "https://us-east-1.quicksight.aws.amazon.com/embed/s1/sessions/x?code=AUTHCODE-1"
    result = EmbedUrl(url, datetime(2030, 1, 1, tzinfo=UTC), "req-1", 200, "acme", "alice")
    for text in (repr(result), str(result), f"{result}", f"{result!r}", repr([result])):
        assert_clean(text)
        assert "url=<redacted>" in text
    assert result.url == url
    assert result.to_json()["url"] == url


def test_embedder_and_role_session_reprs_hide_secrets(
    aws: FakeAws, clock: FakeClock, pool: ClientPool
) -> None:
    emb = Embedder(tenant("iam"), session=aws.session(), clock=clock, client_pool=pool)
    assert repr(emb) == (
        "Embedder(tenant='globex', identity='iam', region='eu-west-1', namespace='globex')"
    )
    assert_clean(repr(emb.config))
    role = emb._role_session("dana")
    role.credentials.get_frozen_credentials()  # fetched: now it holds a key and token
    assert_clean(repr(role))
    assert isinstance(role, RoleSession)


def test_exception_text_is_scrubbed_of_urls_and_auth_codes() -> None:
    url = "https://eu-west-1.quicksight.aws.amazon.com/embed/abc/sessions/x?code=AUTHCODE-7"
    error = QuickSightUserNotFoundError(
        operation="GetSessionEmbedUrl",
        tenant="acme",
        code="QuickSightUserNotFoundException",
        message=f"user of {url} and auth_code=AUTHCODE-8 not found",
        request_id="r",
        http_status=404,
        attempts=1,
    )
    assert_clean(str(error))
    assert "<redacted embed URL>" in str(error)
    copy = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own object
    assert type(copy) is QuickSightUserNotFoundError
    assert (copy.request_id, copy.http_status) == ("r", 404)
    assert_clean(str(copy))


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        (
            'b\'{"EmbedUrl": "https://h/embed/1/sessions?code=AUTHCODE", "RequestId": "r1"}\'',
            '"RequestId": "r1"',
        ),
        ("{'EmbedUrl': 'https://h/embed/1?code=AUTHCODE', 'Status': 200}", "'Status': 200"),
        (
            "<Credentials><AccessKeyId>ASIA1</AccessKeyId><SecretAccessKey>role-secret-1"
            "</SecretAccessKey><SessionToken>token-qs-embed-1</SessionToken></Credentials>",
            "<AccessKeyId><redacted>",
        ),
        ("x-amz-security-token:token-qs-embed-1\nhost:sts", "host:sts"),
        ("headers={'X-Amz-Security-Token': b'token-dana-1', 'Host': b'h'}", "'Host': b'h'"),
        ("see https:\\/\\/h\\/embed\\/x?code=AUTHCODE ok", "ok"),
        (
            "auth_code=AUTHCODE-2 and code%3DAUTHCODE in https://h/embed/a?x=1&code%3DAUTHCODE",
            "and",
        ),
        ("https://quicksight.us-east-1.amazonaws.com/accounts/1/session-embed-url", "accounts/1"),
    ],
)
def test_redact(text: str, kept: str) -> None:
    cleaned = redact(text)
    assert_clean(cleaned)
    assert kept in cleaned


# --- Percent-encoded secrets -------------------------------------------------------------------

EXTERNAL_ID = "globex-embed-7f3c9a"
TRUST_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111122223333:role/globex-web"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:ExternalId": EXTERNAL_ID}},
        }
    ],
}
EMBED_URL = "https://eu-west-1.quicksight.aws.amazon.com/embed/abc/sessions/x?code=AUTHCODE-3"


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        # IAM returns policy documents URL-encoded (GetRole, as botocore.parsers logs it).
        (
            "<AssumeRolePolicyDocument>"
            + quote(json.dumps(TRUST_POLICY), safe="")
            + "</AssumeRolePolicyDocument>",
            "sts:AssumeRole",
        ),
        ("b'<Doc>" + quote(json.dumps(TRUST_POLICY)) + "</Doc>'", "2012-10-17"),
        # Encoded twice (a document inside an encoded form field).
        ("PolicyDocument=" + quote(quote(json.dumps(TRUST_POLICY), safe=""), safe=""), "Policy"),
        # A form-encoded request body carrying a policy document.
        ("Action=UpdateAssumeRolePolicy&PolicyDocument=" + quote(json.dumps(TRUST_POLICY)), "&"),
        (
            quote(json.dumps({"SecretAccessKey": "role-secret-1", "SessionToken": "token-dana-1"})),
            "SecretAccessKey",
        ),
        (quote("<SessionToken>token-qs-embed-1</SessionToken>", safe=""), "SessionToken"),
        ("redirect=" + quote(EMBED_URL, safe="") + " done", "done"),
        ("next=" + quote(quote(EMBED_URL, safe=""), safe="") + " done", "done"),
        # Several external ids in one condition, plain and encoded.
        (json.dumps({"sts:ExternalId": [EXTERNAL_ID, "globex-embed-7f3c9a-old"]}), "ExternalId"),
        (quote(json.dumps({"sts:ExternalId": [EXTERNAL_ID]})), "ExternalId"),
    ],
)
def test_redact_finds_percent_encoded_secrets(text: str, kept: str) -> None:
    cleaned = redact(text)
    assert_clean(cleaned)
    assert kept in cleaned
    assert "<redacted" in cleaned


def test_encoded_text_without_secrets_is_left_as_it_was() -> None:
    text = "path=%2Fdashboards%2Fabc q=%7B%22a%22%3A1%7D 100% done %zz"
    assert redact(text) == text


@pytest.fixture
def no_redaction_installed() -> Iterator[None]:
    """The loggers as in a process that has made no Embedder yet (restored afterwards)."""
    loggers = [logging.getLogger(n) for n in {*AWS_SDK_LOGGERS, *logging.root.manager.loggerDict}]
    removed = {lg: [f for f in lg.filters if isinstance(f, RedactingFilter)] for lg in loggers}
    for lg, filters in removed.items():
        for f in filters:
            lg.removeFilter(f)
    yield
    for lg, filters in removed.items():
        for f in filters:
            if f not in lg.filters:
                lg.addFilter(f)


@pytest.mark.usefixtures("no_redaction_installed")
def test_install_log_redaction_is_public_idempotent_and_covers_iam_without_an_embedder(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A deployment script calling IAM with DEBUG logs on, before any Embedder exists: the
    external id of the trust policy arrives percent-encoded and must not be logged."""
    embedder.install_log_redaction()
    embedder.install_log_redaction()
    for name in AWS_SDK_LOGGERS:
        filters = logging.getLogger(name).filters
        assert sum(isinstance(f, RedactingFilter) for f in filters) == 1, name

    body = (
        '<GetRoleResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GetRoleResult><Role>'
        "<Path>/</Path><RoleName>qs-embed-globex</RoleName><RoleId>AROAEXAMPLEEXAMPLE1</RoleId>"
        "<Arn>arn:aws:iam::111122223333:role/qs-embed-globex</Arn>"
        "<CreateDate>2030-01-01T00:00:00Z</CreateDate>"
        f"<AssumeRolePolicyDocument>{quote(json.dumps(TRUST_POLICY), safe='')}"
        "</AssumeRolePolicyDocument></Role></GetRoleResult>"
        "<ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></GetRoleResponse>"
    ).encode()
    session = botocore.session.Session()
    session.set_credentials("AKIDAPPEXAMPLE", "app-secret-key")
    session.register(
        "before-send",
        lambda request, **_: canned_response(request.url, 200, body),  # type: ignore[arg-type]
    )
    iam: Any = session.create_client("iam", region_name="us-east-1")
    caplog.set_level(logging.DEBUG)
    role = iam.get_role(RoleName="qs-embed-globex")["Role"]
    condition = role["AssumeRolePolicyDocument"]["Statement"][0]["Condition"]
    assert condition["StringEquals"]["sts:ExternalId"] == EXTERNAL_ID, "the caller gets it"
    bodies = [r.getMessage() for r in caplog.records if r.name == "botocore.parsers"]
    assert any('"sts:ExternalId": "<redacted>"' in b for b in bodies), bodies
    assert_clean(caplog.text)


def test_an_invitation_url_is_a_secret() -> None:
    """The review found RegisterUser's answer logged whole: its UserInvitationUrl lets whoever
    reads it activate the user with a password of their own."""
    url = "https://quicksight.aws.amazon.com/sn/accept-invite?code=INVITE-SECRET-1"
    body = json.dumps({"User": {"UserName": "ann"}, "UserInvitationUrl": url, "Status": 201})
    assert "INVITE-SECRET-1" not in redact(body)
    assert "INVITE-SECRET-1" not in withheld(body)
    assert "INVITE-SECRET-1" not in redact(f"{{'UserInvitationUrl': '{url}'}}")


def test_the_access_key_id_of_a_sigv4_authorization_header_is_redacted() -> None:
    header = (
        "'Authorization': b'AWS4-HMAC-SHA256 Credential=AKIDAPPEXAMPLE/20261206/us-east-1/sts/"
        "aws4_request, SignedHeaders=host;x-amz-date, Signature=0ee6d4cf'"
    )
    shown = redact(header)
    assert "AKIDAPPEXAMPLE" not in shown
    assert "Credential=<redacted>/20261206/us-east-1/sts/aws4_request" in shown


def test_an_access_denied_naming_an_embed_url_action_keeps_its_text() -> None:
    """AWS's denial names the action and the resource refused: nothing secret, and what an
    operator needs (it was withheld whole because `GenerateEmbedUrl...` contains EmbedUrl)."""
    message = (
        "User: arn:aws:sts::111122223333:assumed-role/qs-embed-acme/qs-embed is not authorized "
        "to perform: quicksight:GenerateEmbedUrlForAnonymousUser on resource: "
        "arn:aws:quicksight:us-east-1:111122223333:dashboard/globex-kpis"
    )
    assert withheld(redact(message)) == message
    assert withheld('{"EmbedUrl": "x"}') == WITHHELD
    assert withheld("GenerateEmbedUrl returned https://h/embed/s/start?code=abc") == WITHHELD


PLAIN_PIECES = st.sampled_from(
    ["a", "Z", "0", "_", "-", ".", "/", "*", "@", "+", "ASIA", "AKIA", "SessionTags", "tags"]
)


@given(st.lists(st.one_of(PLAIN_PIECES, st.text("ASIKZ0123456789", max_size=20)), max_size=12))
def test_redacts_plain_text_shortcut_agrees_with_every_pattern_run(pieces: list[str]) -> None:
    """The shortcut agrees with the full run on plain text, access key ids and SessionTags
    included (an access key id once passed an audit event's shortcut unredacted)."""
    text = "".join(pieces)
    assert redact(text) == _redact_fully(text), text


@pytest.mark.parametrize(
    "text", ["ASIAZZZZZZZZZZZZZZZZ", "user/AKIAIOSFODNN7EXAMPLE", "SessionTags", "x?code=1"]
)
def test_plain_looking_text_with_a_secret_is_redacted(text: str) -> None:
    assert redact(text) != text
    assert redact(text) == _redact_fully(text)
