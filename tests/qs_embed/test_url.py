"""`qs-embed url`: prints the URL (or JSON), exit 0; AWS refusals exit 1; bad input exit 2."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

import embedder.role_access
from qs_embed.cli import main
from tests.fakes import ACCOUNT, Failure, FakeAws

ACME = f"""\
tenant: acme
account_id: "{ACCOUNT}"
region: us-east-1
embedding:
  identity: quicksight
  app_principals: [arn:aws:iam::{ACCOUNT}:role/acme-portal]
  default_entry_point: /start/dashboards
  allowed_entry_points: [/start, /start/dashboards, "/dashboards/*"]
  session_lifetime_minutes: 300
users:
  - name: alice
    email: alice@acme.example
    role: AUTHOR
"""


@pytest.fixture
def tenant_file(tmp_path: Path) -> Path:
    path = tmp_path / "acme.yaml"
    path.write_text(ACME)
    return path


@pytest.fixture(autouse=True)
def fake_aws(aws: FakeAws, monkeypatch: pytest.MonkeyPatch) -> FakeAws:
    """The CLI uses the process's default AWS session: make it the fake's."""
    session = aws.session()._session
    monkeypatch.setattr(embedder.role_access, "default_session", lambda: session)
    return aws


def url(tenant_file: Path, *extra: str) -> list[str]:
    return ["url", "--tenant-file", str(tenant_file), "--user", "alice", *extra]


def test_prints_the_url(
    tenant_file: Path, aws: FakeAws, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(url(tenant_file)) == 0
    out = capsys.readouterr().out
    assert out == aws.embed_url("req-2") + "\n"
    (call,) = aws.ops("GetSessionEmbedUrl")
    assert call.params["EntryPoint"] == "/start/dashboards"
    assert call.params["SessionLifetimeInMinutes"] == "300"


def test_json(tenant_file: Path, aws: FakeAws, capsys: pytest.CaptureFixture[str]) -> None:
    args = url(tenant_file, "--json", "--entry-point", "/dashboards/d-1", "--lifetime", "60")
    assert main(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"url", "expires_at", "request_id", "status", "tenant", "user"}
    assert out["url"] == aws.embed_url("req-2")
    assert (out["request_id"], out["status"], out["tenant"], out["user"]) == (
        "req-2",
        200,
        "acme",
        "alice",
    )
    assert datetime.fromisoformat(out["expires_at"]).tzinfo is not None
    assert aws.ops("GetSessionEmbedUrl")[0].params["EntryPoint"] == "/dashboards/d-1"


def test_endpoint_url_is_used_for_sts_and_quicksight(
    tenant_file: Path, aws: FakeAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []
    session = aws.session()._session
    session.get_component("event_emitter").register_first(
        "before-send", lambda request, **_: seen.append(request.url)
    )
    monkeypatch.setattr(embedder.role_access, "default_session", lambda: session)
    assert main(url(tenant_file, "--endpoint-url", "http://127.0.0.1:5000")) == 0
    assert [c.service for c in aws.calls] == ["sts", "quicksight"]
    assert all(u.startswith("http://127.0.0.1:5000/") for u in seen)


def test_aws_error_exits_1_without_the_url(
    tenant_file: Path, aws: FakeAws, capsys: pytest.CaptureFixture[str]
) -> None:
    aws.fail("GetSessionEmbedUrl", Failure("AccessDeniedException", 401, "not authorized"))
    assert main(url(tenant_file)) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("error: GetSessionEmbedUrl failed for tenant 'acme'")
    assert "AccessDeniedException" in captured.err


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--user", "mallory"], "has no user 'mallory'; known users: alice"),
        (["--entry-point", "/start/favorites"], "is not in embedding.allowed_entry_points"),
        (["--entry-point", "/settings"], "is not one of /start"),
        (["--lifetime", "700"], "must be 15..600 minutes"),
        (["--lifetime", "301"], "at most 300"),
    ],
)
def test_bad_input_exits_2(
    tenant_file: Path,
    aws: FakeAws,
    extra: list[str],
    message: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(url(tenant_file, *extra)) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ")
    assert message in err
    assert aws.calls == [], "nothing was sent to AWS"


def test_invalid_tenant_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "acme.yaml"
    path.write_text(ACME.replace("role: AUTHOR", "role: READER"))
    assert main(url(path)) == 2
    assert "users[0].role" in capsys.readouterr().err


def test_lifetime_must_be_a_number(tenant_file: Path) -> None:
    with pytest.raises(SystemExit) as caught:
        main(url(tenant_file, "--lifetime", "an hour"))
    assert caught.value.code == 2
