"""`qs-embed drift`: exit 0 right after `local up`, 3 with drift (text and --json), 2 for bad
input, 1 when AWS cannot be read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qs_embed.cli import main
from sandbox import Emulator
from tests.tenant_files import EXAMPLES

ACCOUNT = "111122223333"


@pytest.fixture
def as_admin(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> Emulator:
    """The environment of `qs-embed local serve`'s export lines: the admin's credentials."""
    for name, value in emulator.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return emulator


@pytest.mark.emulator
def test_no_drift_after_local_up_then_drift_after_a_console_edit(
    as_admin: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = as_admin.endpoint_url
    state = str(tmp_path / "state.json")
    assert (
        main(["local", "up", "--tenants", str(EXAMPLES), "--endpoint-url", url, "--state", state])
        == 0
    )
    capsys.readouterr()

    assert main(["drift", "--tenants", str(EXAMPLES), "--endpoint-url", url]) == 0
    out = capsys.readouterr().out
    assert "tenant acme: no drift" in out
    assert out.rstrip().endswith("no drift (every tenant, 2 tenants)")

    as_admin.admin_session().client("quicksight").update_user(
        AwsAccountId=ACCOUNT, Namespace="acme", UserName="alice", Email="a@x.example", Role="ADMIN"
    )
    assert main(["drift", "--tenants", str(EXAMPLES), "--endpoint-url", url, "--json"]) == 3
    report = json.loads(capsys.readouterr().out)
    assert report["drift"] is True
    assert report["summary"] == {"user-email": 1, "user-role": 1}
    assert {(f["kind"], f["resource"], f["actual"]) for f in report["findings"]} == {
        ("user-email", "acme/alice", "a@x.example"),
        ("user-role", "acme/alice", "ADMIN"),
    }

    assert main(["drift", "--tenants", str(EXAMPLES), "--endpoint-url", url]) == 3
    out = capsys.readouterr().out
    assert "user-role" in out
    assert "drift: 2 findings" in out


def test_a_bad_tenant_directory_is_exit_2_and_reads_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "acme.yaml").write_text("tenant: acme\nusers: 3\n")
    assert main(["drift", "--tenants", str(tmp_path), "--endpoint-url", "http://127.0.0.1:9"]) == 2
    assert "acme.yaml" in capsys.readouterr().err


def test_a_shard_beyond_the_count_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["drift", "--tenants", str(EXAMPLES), "--shard", "2", "--shard-count", "2"]) == 2


def test_an_unreachable_endpoint_is_exit_1(
    monkeypatch: pytest.MonkeyPatch, retry_sleeps: list[float], capsys: pytest.CaptureFixture[str]
) -> None:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "not-a-real-secret",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    code = main(["drift", "--tenants", str(EXAMPLES), "--endpoint-url", "http://127.0.0.1:9"])
    assert code == 1
    err = capsys.readouterr().err
    assert "sts:GetCallerIdentity failed" in err or "failed: EndpointConnectionError" in err
    assert "not-a-real-secret" not in err


def test_help_documents_the_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["drift", "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert "3  drift was found" in out
    assert "--policy" in out
    assert "--shard" in out
