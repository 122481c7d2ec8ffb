"""The tests' shared fakes: fake time, a fake AWS at the HTTP level, no waiting for retries.

`FakeClock` is the one fake clock: the embedder's `Clock` (call it) and the emulator's
`ExpiryClock` (`now()`), moved forward by `advance` instead of sleeping.

`FakeAws` answers STS and QuickSight requests from botocore's `before-send` event, which fires
after a request is signed: the real client path runs (parameter serialisation, signing with the
role credentials, which triggers their refresh, retries, response parsing, DEBUG logging).
`canned_response` is the answer such a handler returns.
"""

from __future__ import annotations

import json
import threading
import time
import types
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import botocore.endpoint
import pytest
from botocore.awsrequest import AWSPreparedRequest, AWSResponse, HTTPHeaders

from tenant_file.config import TenantConfig

ACCOUNT = "111122223333"
START = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
ROLE_SECONDS = 3600


class FakeClock:
    """Time a test moves forward instead of sleeping: `clock()` (the embedder's `Clock`) and
    `clock.now()` (the emulator's `ExpiryClock`) read it, `advance` moves it on.

    Frozen at `start`; `FakeClock.from_wall_clock()` is real time plus what `advance` added, for
    an app talking to the emulator, whose STS dates credentials on real time."""

    def __init__(self, start: datetime | None = START) -> None:
        self._start = start
        self.offset = timedelta()
        self._lock = threading.Lock()

    @classmethod
    def from_wall_clock(cls) -> FakeClock:
        return cls(None)

    def __call__(self) -> datetime:
        start = datetime.now(UTC) if self._start is None else self._start
        with self._lock:
            return start + self.offset

    def now(self) -> datetime:
        return self()

    def advance(self, **delta: float) -> None:
        with self._lock:
            self.offset += timedelta(**delta)

    def shift_sts_expiry(self, parsed: dict[str, Any] | None = None, **_: Any) -> None:
        """`after-call.sts.AssumeRole` hook for a wall-clock fake: STS answers on real time, this
        clock runs ahead of it; moving STS's expiry by the same offset puts both in one
        timeline, as if the whole world (not only the app) had moved forward."""
        credentials = (parsed or {}).get("Credentials")
        if credentials and isinstance(credentials.get("Expiration"), datetime):
            credentials["Expiration"] = credentials["Expiration"] + self.offset


def skip_retry_sleeps(patch: pytest.MonkeyPatch, slept: list[float]) -> None:
    """botocore's retry loop sleeps between attempts: record the delays in `slept` instead."""
    fake_time = types.SimpleNamespace(**{**vars(time), "sleep": slept.append})
    patch.setattr(botocore.endpoint, "time", fake_time)


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


@dataclass
class Failure:
    """A scripted error response."""

    code: str
    status: int
    message: str = "scripted failure"


@dataclass(frozen=True)
class Reply:
    """A scripted rewrite of the fake's own answer: `rewrite` gets (status, headers, body) as
    the fake would send them and returns what to send instead (a truncated body, junk after a
    valid document, another content type...)."""

    rewrite: Callable[[int, dict[str, str], bytes], tuple[int, dict[str, str], bytes]]


@dataclass
class Call:
    """One request the fake received: operation, parameters and the token that signed it."""

    service: str
    operation: str
    params: dict[str, Any]
    token: str | None
    region: str


@dataclass(repr=False)  # botocore.hooks logs handlers by repr: keep recorded tokens out
class FakeAws:
    """STS (AssumeRole, GetCallerIdentity) and QuickSight (GetSessionEmbedUrl,
    GenerateEmbedUrlForRegisteredUser, ...ForAnonymousUser, RegisterUser) behind botocore's
    `before-send`."""

    clock: FakeClock
    account: str = ACCOUNT
    registered: set[str] = field(default_factory=set)
    """Role-session users QuickSight knows (iam identity); None-checking is off when empty."""
    check_registration: bool = False
    failures: dict[str, list[Failure | Exception | Reply]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    assume_role_count: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _tokens: Counter[str] = field(default_factory=Counter)

    def session(self) -> boto3.Session:
        """A boto3 session with (fake) app credentials whose requests this fake answers."""
        session = boto3.Session(
            aws_access_key_id="AKIDAPPEXAMPLE",
            aws_secret_access_key="app-secret-key",
            region_name="us-east-1",
        )
        # botocore uses a before-send handler's answer as the response (its stubs say None).
        session.events.register("before-send", self.handle)  # type: ignore[arg-type]
        return session

    def fail(self, operation: str, *failures: Failure | Exception | Reply) -> None:
        """The next calls of `operation` fail, in order, then it succeeds again."""
        self.failures.setdefault(operation, []).extend(failures)

    def ops(self, operation: str) -> list[Call]:
        return [c for c in self.calls if c.operation == operation]

    def embed_url(self, request_id: str) -> str:
        return f"https://us-east-1.quicksight.aws.amazon.com/embed/{request_id}/sessions/x?code=AUTHCODE-{request_id}"

    # --- The transport ------------------------------------------------------------------------

    def handle(self, request: AWSPreparedRequest, **_: Any) -> AWSResponse:
        url = urlsplit(request.url)
        # The SigV4 credential scope names region and service, whatever the endpoint URL.
        auth = _text(request.headers.get("Authorization"))
        scope = auth.split("Credential=")[1].split(",")[0].split("/")
        region, service = scope[2], scope[3]
        token: str | bytes | None = request.headers.get("X-Amz-Security-Token")
        token_text = token.decode() if isinstance(token, bytes) else token
        if service == "sts":
            params = {k: v[0] for k, v in parse_qs(_text(request.body)).items()}
            operation = params.pop("Action")
        else:
            operation, params = _quicksight_operation(request.method or "", url.path, url.query)
            if request.body:
                params.update(json.loads(_text(request.body)))
        with self._lock:
            self.calls.append(Call(service, operation, params, token_text, region))
            scripted = self.failures.get(operation)
            failure = scripted.pop(0) if scripted else None
            request_id = f"req-{len(self.calls)}"
        if isinstance(failure, Exception):
            raise failure
        if isinstance(failure, Failure):
            return self._error(service, failure, request.url, request_id)
        answer: AWSResponse = getattr(self, f"_{operation}")(
            params, token_text, request.url, request_id
        )
        if isinstance(failure, Reply):
            status, headers, body = failure.rewrite(
                answer.status_code, dict(answer.headers), answer.content
            )
            return canned_response(request.url, status, body, headers)
        return answer

    def _AssumeRole(
        self, params: dict[str, Any], _t: str | None, url: str, rid: str
    ) -> AWSResponse:
        session = params["RoleSessionName"]
        with self._lock:
            self.assume_role_count[session] += 1
            n = self.assume_role_count[session]
        expiry = (self.clock() + timedelta(seconds=ROLE_SECONDS)).strftime("%Y-%m-%dT%H:%M:%SZ")
        role = params["RoleArn"].split("/")[-1]
        body = f"""<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <Credentials>
      <AccessKeyId>ASIA{n:012d}</AccessKeyId>
      <SecretAccessKey>role-secret-{session}-{n}</SecretAccessKey>
      <SessionToken>token-{session}-{n}</SessionToken>
      <Expiration>{expiry}</Expiration>
    </Credentials>
    <AssumedRoleUser>
      <AssumedRoleId>AROAEXAMPLE:{session}</AssumedRoleId>
      <Arn>arn:aws:sts::{self.account}:assumed-role/{role}/{session}</Arn>
    </AssumedRoleUser>
  </AssumeRoleResult>
  <ResponseMetadata><RequestId>{rid}</RequestId></ResponseMetadata>
</AssumeRoleResponse>"""
        return canned_response(url, 200, body.encode(), {"x-amzn-RequestId": rid})

    def _GetCallerIdentity(
        self, _p: dict[str, Any], _t: str | None, url: str, rid: str
    ) -> AWSResponse:
        body = f"""<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult>
    <Arn>arn:aws:iam::{self.account}:role/app</Arn><UserId>AROAAPP</UserId>
    <Account>{self.account}</Account>
  </GetCallerIdentityResult>
  <ResponseMetadata><RequestId>{rid}</RequestId></ResponseMetadata>
</GetCallerIdentityResponse>"""
        return canned_response(url, 200, body.encode(), {"x-amzn-RequestId": rid})

    def _mint(self, token: str | None, url: str, rid: str) -> AWSResponse:
        if self.check_registration and token is not None:
            session = token.removeprefix("token-").rsplit("-", 1)[0]
            if session not in self.registered:
                return self._error(
                    "quicksight", Failure("QuickSightUserNotFoundException", 404), url, rid
                )
        body = json.dumps({"EmbedUrl": self.embed_url(rid), "RequestId": rid}).encode()
        return canned_response(url, 200, body, {"x-amzn-RequestId": rid})

    def _GetSessionEmbedUrl(
        self, _p: dict[str, Any], token: str | None, url: str, rid: str
    ) -> AWSResponse:
        return self._mint(token, url, rid)

    def _GenerateEmbedUrlForRegisteredUser(
        self, _p: dict[str, Any], token: str | None, url: str, rid: str
    ) -> AWSResponse:
        return self._mint(token, url, rid)

    def _GenerateEmbedUrlForAnonymousUser(
        self, _p: dict[str, Any], token: str | None, url: str, rid: str
    ) -> AWSResponse:
        return self._mint(None, url, rid)

    def _RegisterUser(
        self, params: dict[str, Any], _t: str | None, url: str, rid: str
    ) -> AWSResponse:
        with self._lock:
            self.registered.add(params["SessionName"])
        body = json.dumps(
            {"User": {"UserName": params["SessionName"]}, "RequestId": rid, "Status": 201}
        )
        return canned_response(url, 201, body.encode(), {"x-amzn-RequestId": rid})

    def _error(self, service: str, failure: Failure, url: str, rid: str) -> AWSResponse:
        if service == "sts":
            body = (
                f"<ErrorResponse><Error><Type>Sender</Type><Code>{failure.code}</Code>"
                f"<Message>{failure.message}</Message></Error><RequestId>{rid}</RequestId></ErrorResponse>"
            ).encode()
            return canned_response(url, failure.status, body, {"x-amzn-RequestId": rid})
        body = json.dumps({"Message": failure.message, "RequestId": rid}).encode()
        headers = {"x-amzn-RequestId": rid, "x-amzn-ErrorType": f"{failure.code}:http://internal"}
        return canned_response(url, failure.status, body, headers)


def _text(body: Any) -> str:
    if body is None:
        return ""
    return body.decode() if isinstance(body, bytes) else str(body)


def canned_response(
    url: str, status: int, body: bytes, headers: dict[str, str] | None = None
) -> AWSResponse:
    """What a `before-send` handler returns for botocore to parse as the answer."""
    return AWSResponse(url, status, HTTPHeaders.from_dict(headers or {}), _Raw(body))


def _quicksight_operation(method: str, path: str, query: str) -> tuple[str, dict[str, Any]]:
    parts = path.strip("/").split("/")
    params: dict[str, Any] = {"AwsAccountId": parts[1]}
    if method == "GET" and parts[2] == "session-embed-url":
        q = {k: v[0] for k, v in parse_qs(query).items()}
        names = {"entry-point": "EntryPoint", "session-lifetime": "SessionLifetimeInMinutes"}
        names["user-arn"] = "UserArn"
        params.update({names[k]: v for k, v in q.items()})
        return "GetSessionEmbedUrl", params
    if parts[2] == "embed-url" and parts[3] == "anonymous-user":
        return "GenerateEmbedUrlForAnonymousUser", params
    if parts[2] == "embed-url":
        return "GenerateEmbedUrlForRegisteredUser", params
    if parts[2] == "namespaces" and parts[-1] == "users":
        params["Namespace"] = parts[3]
        return "RegisterUser", params
    raise AssertionError(f"unexpected QuickSight request {method} {path}")


def tenant(identity: str = "quicksight", **overrides: Any) -> TenantConfig:
    """A valid tenant: acme (quicksight identity) or globex (iam identity, external id)."""
    if identity == "quicksight":
        data: dict[str, Any] = {
            "tenant": "acme",
            "account_id": ACCOUNT,
            "region": "us-east-1",
            "embedding": {
                "identity": "quicksight",
                "app_principals": [f"arn:aws:iam::{ACCOUNT}:role/acme-portal"],
                "default_entry_point": "/start/dashboards",
                "allowed_entry_points": ["/start", "/start/dashboards", "/dashboards/*"],
                "allowed_domains": ["https://portal.acme.example"],
                "session_lifetime_minutes": 600,
            },
            "permission_profiles": {"analyst": {"deny": ["ExportToCsv"]}},
            "users": [
                {
                    "name": "alice",
                    "email": "alice@acme.example",
                    "role": "AUTHOR",
                    "profile": "analyst",
                },
                {"name": "bob", "email": "bob@acme.example", "role": "ADMIN"},
            ],
        }
    else:
        data = {
            "tenant": "globex",
            "account_id": ACCOUNT,
            "region": "eu-west-1",
            "embedding": {
                "identity": "iam",
                "app_principals": [f"arn:aws:iam::{ACCOUNT}:role/globex-web"],
                "external_id": "globex-embed-7f3c9a",
                "session_lifetime_minutes": 120,
            },
            "permission_profiles": {"restricted": {"deny": ["ExportToCsv", "PrintReports"]}},
            "users": [
                {
                    "name": "dana",
                    "email": "dana@globex.example",
                    "role": "AUTHOR",
                    "profile": "restricted",
                },
                {"name": "eli", "email": "eli@globex.example", "role": "AUTHOR_PRO"},
                {"name": "fatima", "email": "fatima@globex.example", "role": "ADMIN"},
                {"name": "gus", "email": "gus@globex.example", "role": "AUTHOR"},
            ],
        }
    data.update(overrides)
    return TenantConfig.model_validate(data)


def registering(config: TenantConfig) -> TenantConfig:
    """`config` opted in to just-in-time registration (`embedding.register_on_first_use`)."""
    embedding = config.embedding.model_copy(update={"register_on_first_use": True})
    return config.model_copy(update={"embedding": embedding})


FIXED_TAG_VALUE = "acme-fixed-s3cr3t"
"""The fixed session tag value of `experience_tenant` (a secret: tests look for leaks)."""


def experience_tenant(identity: str = "quicksight", **embedding: Any) -> TenantConfig:
    """The fakes' tenant with every experience, dashboards and anonymous readers."""
    base = tenant(identity)
    data = base.model_dump(mode="python")
    data["embedding"] = {
        **data["embedding"],
        "external_id": base.embedding.external_id,
        "experiences": ["console", "dashboard", "visual", "q"],
        "dashboards": ["sales-overview"],
        **embedding,
    }
    data["anonymous"] = {
        "dashboards": ["public-kpis"],
        "topics": ["kpi-q"],
        "session_tags": {"keys": ["region", "tier"], "fixed": {"tenant_id": FIXED_TAG_VALUE}},
    }
    return TenantConfig.model_validate(data)


def signing_tokens(aws: FakeAws) -> list[str | None]:
    """The session token each QuickSight call was signed with, in call order."""
    return [c.token for c in aws.calls if c.service == "quicksight"]
