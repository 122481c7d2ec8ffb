"""A stub AWS transport: canned STS and QuickSight answers at botocore's `before-send` event.

`before-send` fires after a request is serialised and signed, so everything a real call does
in the client (parameter validation and serialisation, signing with the role credentials and
their refresh, retries, response parsing) runs; only the socket is replaced. The raw boto3
client and the Embedder compared by a benchmark are answered by the same handlers, at the
same cost.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, cast
from urllib.parse import parse_qs

import boto3
from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from botocore.compat import HTTPHeaders

ACCOUNT = "111122223333"
REGION = "us-east-1"
ROLE_SECONDS = 3600
REQUEST_ID = "0f4c3a5e-8d2b-4c1e-9a7f-2b6d8e1c3f50"
"""Shaped as QuickSight's and STS's request ids: a UUID."""
EMBED_BODY = (
    b'{"Status": 200, "EmbedUrl": "https://us-east-1.quicksight.aws.amazon.com/embed/'
    b'0123456789abcdef/sessions/fedcba9876543210?code=STUBCODE", '
    b'"RequestId": "' + REQUEST_ID.encode() + b'"}'
)
EMBED_OPERATIONS = (
    "GetSessionEmbedUrl",
    "GenerateEmbedUrlForRegisteredUser",
    "GenerateEmbedUrlForAnonymousUser",
)
"""The mints the stub answers, each with EMBED_BODY."""
# botocore-stubs types event handlers as returning None; botocore takes the first response.
Handler = Callable[..., None]
_ASSUME_ROLE = """<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <Credentials>
      <AccessKeyId>ASIASTUB{n:012d}</AccessKeyId>
      <SecretAccessKey>stub-secret-{n}</SecretAccessKey>
      <SessionToken>stub-token-{n}</SessionToken>
      <Expiration>{expiry}</Expiration>
    </Credentials>
    <AssumedRoleUser>
      <AssumedRoleId>AROASTUB:{session}</AssumedRoleId>
      <Arn>arn:aws:sts::{account}:assumed-role/{role}/{session}</Arn>
    </AssumedRoleUser>
  </AssumeRoleResult>
  <ResponseMetadata><RequestId>6b1e9d2a-3f4c-4e8b-a5d7-c0e2f1a4b9d3</RequestId></ResponseMetadata>
</AssumeRoleResponse>"""


def _utc_now() -> datetime:
    return datetime.now(UTC)


class _Body:
    """The `raw` of an AWSResponse: what urllib3 would have streamed."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


def _response(url: str, body: bytes, content_type: str) -> AWSResponse:
    headers = HTTPHeaders()
    headers["x-amzn-RequestId"] = REQUEST_ID
    headers["Content-Type"] = content_type
    return AWSResponse(url, 200, headers, _Body(body))


class StubAws:
    """Answers AssumeRole (counted per role session) and the mints, in-process.

    `clock` dates the role credentials (their expiry is an hour from its now), so a benchmark
    with a fake clock decides when they need refreshing.
    """

    def __init__(self, clock: Callable[[], datetime] = _utc_now) -> None:
        self.clock = clock
        self.assume_role_calls: Counter[str] = Counter()
        self.embed_calls = 0
        self._lock = threading.Lock()

    def session(self) -> boto3.Session:
        """The app's boto3 session (static app credentials) whose requests this stub answers."""
        session = boto3.Session(
            aws_access_key_id="AKIDSTUBAPP",
            aws_secret_access_key="stub-app-secret",  # noqa: S106 - the stub's fake key
            region_name=REGION,
        )
        self.install(session)
        return session

    def warmed_session(self) -> boto3.Session:
        """`session()` after one mint, so that what every first mint loads (botocore's models,
        the embedder's modules) is in a memory benchmark's baseline, not in its growth."""
        from bench.tenants import tenant
        from embedder import Embedder

        session = self.session()
        Embedder(tenant("warm-up"), session=session).session_embed_url("u000")
        return session

    def install(self, session: boto3.Session) -> None:
        session.events.register("before-send.sts.AssumeRole", cast(Handler, self.assume_role))
        for operation in EMBED_OPERATIONS:
            session.events.register(
                f"before-send.quicksight.{operation}", cast(Handler, self.embed_url)
            )

    def assume_role(self, request: AWSPreparedRequest, **_: Any) -> AWSResponse:
        body = request.body
        text = body.decode() if isinstance(body, bytes) else str(body or "")
        params = {k: v[0] for k, v in parse_qs(text).items()}
        session = params["RoleSessionName"]
        with self._lock:
            self.assume_role_calls[session] += 1
            n = sum(self.assume_role_calls.values())
        expiry = self.clock() + timedelta(seconds=ROLE_SECONDS)
        xml = _ASSUME_ROLE.format(
            n=n,
            expiry=expiry.strftime("%Y-%m-%dT%H:%M:%SZ"),
            session=session,
            account=params["RoleArn"].split(":")[4],  # the role's own account
            role=params["RoleArn"].rsplit("/", 1)[-1],
        )
        return _response(request.url, xml.encode(), "text/xml")

    def embed_url(self, request: AWSPreparedRequest, **_: Any) -> AWSResponse:
        # Not locked: a lost increment under threads only blurs a figure nobody asserts on.
        self.embed_calls += 1
        return _response(request.url, EMBED_BODY, "application/json")

    def role_credentials(self, role_arn: str, session_name: str) -> tuple[str, str, str]:
        """Key id, secret and token of a role session, as an app gets them from AssumeRole."""
        sts = self.session().client("sts")
        creds = sts.assume_role(RoleArn=role_arn, RoleSessionName=session_name)["Credentials"]
        return creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"]
