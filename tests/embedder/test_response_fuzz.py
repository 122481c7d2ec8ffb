"""Whatever STS or QuickSight answer, what leaves the embedder is an `EmbedderError` and no
credential, auth code or embed URL reaches its text, repr, chained exceptions, a traceback an
app logs with `logger.exception`, or botocore's own logs.

The answers are the fake's real ones (role credentials, embed URLs) rewritten on the wire:
truncated, with junk after or inside them, empty, another content type, huge, or valid documents
missing the field the operation returns.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from embedder import ClientPool, Embedder, EmbedderError, EmbedUrl
from embedder.errors import UnreadableResponseError
from embedder.redaction import WITHHELD, withheld
from tests.fakes import (
    FIXED_TAG_VALUE,
    FakeAws,
    FakeClock,
    Reply,
    experience_tenant,
    skip_retry_sleeps,
)
from tests.profiles import examples

TAG_VALUE = "reader-region-s3cr3t"
"""The app's session tag value of every anonymous mint (a secret, like the fixed one)."""

OPERATIONS = (
    "AssumeRole",
    "GetSessionEmbedUrl",
    "GenerateEmbedUrlForRegisteredUser",
    "GenerateEmbedUrlForAnonymousUser",
)
# Pieces of the secrets the fake hands out: the role's secret key and session token, and the
# auth code of an embed URL (what makes it redeemable; junk spliced into a URL may leave its
# path, without the code, in a log). Each is checked as a substring of everything that leaves.
SECRETS = (
    "role-secret",
    "secret-qs-embed",
    "token-qs-embed",
    "AUTHCODE",
    TAG_VALUE,
    FIXED_TAG_VALUE,
)
# botocore's standard retry mode makes up to 5 attempts on a 5xx: each gets the same rewrite.
ATTEMPTS = 5
MEGABYTE = 1_000_000
Headers = dict[str, str]


@dataclass(frozen=True)
class Mutation:
    """One way of spoiling an answer; its repr is what hypothesis prints for a failing case."""

    kind: str
    at: float = 0.0
    junk: bytes = b""
    status: int = 200

    def __call__(self, status: int, headers: Headers, body: bytes) -> tuple[int, Headers, bytes]:
        cut = int(len(body) * self.at)
        if self.kind == "truncate":
            body = body[:cut]
        elif self.kind == "junk-after":
            body = body + self.junk
        elif self.kind == "junk-inside":
            body = body[:cut] + self.junk + body[cut:]
        elif self.kind == "empty":
            body = b""
        elif self.kind == "html":  # a proxy's page, quoting what it got
            headers = {**headers, "Content-Type": "text/html"}
            body = b"<html><body><pre>" + body + b"</pre></body></html>"
        elif self.kind == "huge":
            body = body + b" " * MEGABYTE + self.junk
        elif self.kind == "not-json-object":
            body = b"[" + body + b"]"
        return self.status, headers, body


MUTATIONS = st.builds(
    Mutation,
    kind=st.sampled_from(
        ["truncate", "junk-after", "junk-inside", "empty", "html", "huge", "not-json-object"]
    ),
    at=st.floats(0, 1),
    junk=st.binary(max_size=64)
    | st.sampled_from([b"<junk", b"}", b"{}", b"</AssumeRoleResponse>", b"\xff\xfe"]),
    status=st.sampled_from([200, 200, 200, 201, 204, 400, 403, 404, 500, 503]),
)


@contextmanager
def captured_logs() -> Iterator[list[str]]:
    """Every record logged anywhere, formatted with its traceback, at DEBUG."""
    lines: list[str] = []

    class Capture(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(self.format(record))

    handler = Capture(logging.DEBUG)
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield lines
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)


def chain(error: BaseException) -> Iterator[BaseException]:
    """`error` and every exception chained to it, suppressed or not."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [error]
    while todo:
        current = todo.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        todo += [current.__cause__, current.__context__]


def leaked(texts: list[str]) -> list[str]:
    return [secret for secret in SECRETS for text in texts if secret in text]


class Harness:
    """Mints through the fake with one operation's answer rewritten."""

    def __init__(self, aws: FakeAws, clock: FakeClock) -> None:
        self.aws = aws
        self.clock = clock
        self.session = aws.session()
        self.sts = self.session.client("sts", region_name="us-east-1")
        self.pool = ClientPool(4)
        self.config = experience_tenant()
        self.warm = Embedder(self.config, session=self.session, clock=clock, client_pool=self.pool)
        self.warm.session_embed_url("alice")  # the role session exists: mints go straight out

    def mint(self, operation: str, rewrite: Callable[..., tuple[int, Headers, bytes]]) -> object:
        """Mint with `operation`'s answers rewritten; the URL, or the exception raised."""
        self.aws.failures.clear()
        self.aws.fail(operation, *[Reply(rewrite)] * ATTEMPTS)
        emb = self.warm
        if operation == "AssumeRole":  # a new Embedder assumes the role afresh
            emb = Embedder(self.config, session=self.session, sts_client=self.sts, clock=self.clock)
        try:
            if operation == "GenerateEmbedUrlForRegisteredUser":
                return emb.generate_console_url("alice")
            if operation == "GenerateEmbedUrlForAnonymousUser":
                tags = {"region": TAG_VALUE}
                return emb.anonymous_dashboard_url("public-kpis", session_tags=tags)
            return emb.session_embed_url("alice")
        except Exception as e:
            logging.getLogger("app.without.filters").exception("minting failed")
            return e
        finally:
            self.aws.failures.clear()


def check(outcome: object, logs: list[str]) -> None:
    """An EmbedUrl, or an EmbedderError; either way no secret anywhere but in the URL."""
    if isinstance(outcome, EmbedUrl):
        # A rewrite that leaves a valid document (junk inside the URL's text) still mints.
        assert outcome.url.startswith("https://")
        texts = [repr(outcome), str(outcome)]
    else:
        assert isinstance(outcome, EmbedderError), f"{type(outcome).__name__} escaped"
        texts = ["".join(traceback.format_exception(outcome))]
        for e in chain(outcome):
            texts += [str(e), repr(e), *map(repr, e.args)]
    assert not leaked(texts + logs), leaked(texts + logs)


@pytest.fixture(scope="module")
def harness() -> Iterator[Harness]:
    """One fake AWS and warm Embedder for the module (a boto3 session loads its models once);
    botocore's retry loop skips its sleeps."""
    with pytest.MonkeyPatch.context() as patch:
        skip_retry_sleeps(patch, [])
        clock = FakeClock()
        yield Harness(FakeAws(clock), clock)


@pytest.mark.parametrize("operation", OPERATIONS)
@settings(
    max_examples=examples(30),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(mutation=MUTATIONS)
@example(mutation=Mutation("junk-after", junk=b"<junk"))
@example(mutation=Mutation("truncate", at=0.3))
@example(mutation=Mutation("junk-inside", at=0.375, junk=b"\x00"))  # breaks <SessionToken>
@example(mutation=Mutation("junk-inside", at=0.65625, junk=b'"'))  # ends EmbedUrl's string
@example(mutation=Mutation("junk-inside", at=0.65625, junk=b'"', status=400))  # ...as an error
def test_any_answer_gives_a_url_or_a_typed_error_and_leaks_nothing(
    harness: Harness, operation: str, mutation: Mutation
) -> None:
    with captured_logs() as logs:
        outcome = harness.mint(operation, mutation)
    check(outcome, logs)


def _without(field: bytes) -> Callable[[int, Headers, bytes], tuple[int, Headers, bytes]]:
    """A valid document whose `field` (an XML element or JSON member) was dropped."""

    def rewrite(status: int, headers: Headers, body: bytes) -> tuple[int, Headers, bytes]:
        if body.startswith(b"<"):
            start = body.index(b"<" + field + b">")
            end = body.index(b"</" + field + b">") + len(field) + 3
        else:
            start = body.index(b'"' + field + b'"')
            end = body.index(b", ", start) + 2
        return status, headers, body[:start] + body[end:]

    return rewrite


def _replaced(body: bytes) -> Callable[[int, Headers, bytes], tuple[int, Headers, bytes]]:
    return lambda status, headers, _: (status, headers, body)


EXPLICIT = {
    "junk after a valid document": Mutation("junk-after", junk=b"<junk/>garbage"),
    "truncated inside the secret": Mutation("truncate", at=0.35),
    "truncated before the end": Mutation("truncate", at=0.9),
    "empty 200": Mutation("empty"),
    "html page with the document": Mutation("html"),
    "huge body": Mutation("huge", junk=b"<junk"),
    "not UTF-8": Mutation("junk-inside", at=0.5, junk=b"\xff\xfe\xfd"),
}


@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.parametrize("case", EXPLICIT, ids=str)
def test_a_spoiled_200_is_an_unreadable_response_error(
    harness: Harness, operation: str, case: str
) -> None:
    with captured_logs() as logs:
        outcome = harness.mint(operation, EXPLICIT[case])
    check(outcome, logs)
    assert isinstance(outcome, UnreadableResponseError)
    assert operation in str(outcome)
    assert "tenant 'acme'" in str(outcome)


@pytest.mark.parametrize(
    ("operation", "rewrite", "reason"),
    [
        ("AssumeRole", _without(b"SessionToken"), "no Credentials.SessionToken"),
        ("AssumeRole", _without(b"Credentials"), "no Credentials.AccessKeyId"),
        ("AssumeRole", _without(b"Expiration"), "no Credentials.Expiration"),
        ("GetSessionEmbedUrl", _without(b"EmbedUrl"), "no EmbedUrl"),
        ("GenerateEmbedUrlForRegisteredUser", _without(b"EmbedUrl"), "no EmbedUrl"),
        ("GetSessionEmbedUrl", _replaced(b'{"EmbedUrl": 5}'), "no EmbedUrl"),
        ("GetSessionEmbedUrl", _replaced(b'{"EmbedUrl": ["https://x"]}'), "no EmbedUrl"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_a_200_without_the_expected_field_names_the_field(
    harness: Harness,
    operation: str,
    rewrite: Callable[[int, Headers, bytes], tuple[int, Headers, bytes]],
    reason: str,
) -> None:
    with captured_logs() as logs:
        outcome = harness.mint(operation, rewrite)
    check(outcome, logs)
    assert isinstance(outcome, UnreadableResponseError)
    assert reason in str(outcome)


def test_credentials_already_expired_by_the_app_s_clock_are_refused(harness: Harness) -> None:
    def expired(status: int, headers: Headers, body: bytes) -> tuple[int, Headers, bytes]:
        start = body.index(b"<Expiration>") + len(b"<Expiration>")
        return status, headers, body[:start] + b"2000-01-01T00:00:00Z" + body[start + 20 :]

    outcome = harness.mint("AssumeRole", expired)
    assert isinstance(outcome, UnreadableResponseError)
    assert "Credentials.Expiration 2000-01-01T00:00:00+00:00 is not after the app's clock" in str(
        outcome
    )
    check(outcome, [])


def test_the_parser_error_is_kept_as_cause_without_the_body(harness: Harness) -> None:
    outcome = harness.mint("AssumeRole", Mutation("junk-after", junk=b"<junk"))
    assert isinstance(outcome, UnreadableResponseError)
    cause = outcome.__cause__
    assert type(cause).__name__ == "ResponseParserError"
    assert "junk after document element" in str(cause)
    assert outcome.__suppress_context__
    check(outcome, [])


def test_an_aws_message_is_kept_and_a_quoted_body_is_withheld() -> None:
    denied = (
        "User: arn:aws:sts::111122223333:assumed-role/qs-embed-acme/qs-embed is not authorized "
        "to perform: quicksight:GetAuthCode on resource: "
        "arn:aws:quicksight:us-east-1:111122223333:user/acme/bob"
    )
    assert withheld(denied) == denied
    for body in ('{"EmbedUrl": "https://x.example/emb', "<SessionTo\x00ken>tok</SessionToken>"):
        assert withheld(body) == WITHHELD
