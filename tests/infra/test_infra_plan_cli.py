"""`qs-embed plan`: per-tenant resources and rendered IAM documents, offline."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from embedder.cli import main
from policies.iam import embed_role_permissions_policy

from .conftest import EXAMPLES, tenant_data, write_tenant


def _plan_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    assert main(["plan", "--json", *args]) == 0
    plan: dict[str, Any] = json.loads(capsys.readouterr().out)
    return plan


def test_text_plan_shows_resources_policies_and_outputs(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["plan", "--tenants", str(EXAMPLES)]) == 0
    out = capsys.readouterr().out
    assert "2 tenants, 19 resources" in out
    assert "+ aws:iam/role:Role  acme.role" in out
    assert "name: qs-embed-acme" in out
    assert "deny: ExportToCsv, ExportToExcel, ShareDashboards" in out
    assert "acme.user.alice  [retain on delete]" in out
    assert '"quicksight:GetSessionEmbedUrl"' in out
    assert "trust policy of qs-embed-globex:" in out
    assert "assumeRolePolicy: stored as a secret in the Pulumi state" in out


def test_json_plan_is_machine_readable(capsys: pytest.CaptureFixture[str]) -> None:
    plan = _plan_json(capsys, "--tenants", str(EXAMPLES))
    assert plan["summary"] == {"tenants": 2, "resources": 19}
    acme, globex = plan["tenants"]
    assert (acme["tenant"], acme["identity"], globex["identity"]) == ("acme", "quicksight", "iam")
    types = [r["type"] for r in acme["resources"]]
    assert types[:2] == ["aws:iam/role:Role", "aws:iam/rolePolicy:RolePolicy"]
    from embedder.loader import load_tenant

    expected = embed_role_permissions_policy(
        load_tenant(EXAMPLES / "acme.yaml"), partition="aws", account_id="111122223333"
    )
    assert acme["policies"]["permissions"] == expected
    assert acme["outputs"]["embedRoleArn"] == "arn:aws:iam::111122223333:role/qs-embed-acme"


def test_external_id_never_printed(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "--tenants", str(EXAMPLES)]) == 0
    text = capsys.readouterr().out
    plan = _plan_json(capsys, "--tenants", str(EXAMPLES))
    for out in (text, json.dumps(plan)):
        assert "globex-embed-7f3c9a" not in out
        assert "<secret: embedding.external_id>" in out


def test_unknown_account_is_a_clear_placeholder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tenant_data("initech")
    del data["account_id"]
    write_tenant(tmp_path, data)
    assert main(["plan", "--tenants", str(tmp_path)]) == 0
    assert "<account> = the account of the deploying credentials" in capsys.readouterr().out
    plan = _plan_json(capsys, "--tenants", str(tmp_path))
    (tenant,) = plan["tenants"]
    assert tenant["account"] == "<account>"
    resource = tenant["policies"]["permissions"]["Statement"][1]["Resource"]
    assert resource == "arn:aws:quicksight:us-east-1:<account>:user/initech/*"
    assert tenant["outputs"]["embedRoleArn"] == "arn:aws:iam::<account>:role/qs-embed-initech"


def test_bad_tenants_exit_2_with_every_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    unknown_profile = tenant_data("initech")
    unknown_profile["users"][0]["profile"] = "nope"
    write_tenant(tmp_path, unknown_profile)
    trusts_anyone = tenant_data("umbrella")
    trusts_anyone["embedding"]["app_principals"] = ["*"]
    write_tenant(tmp_path, trusts_anyone)
    assert main(["plan", "--tenants", str(tmp_path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "initech.yaml: users[0].profile" in captured.err
    assert "umbrella.yaml: embedding.app_principals[0]" in captured.err
    assert "nothing was done" in captured.err


def test_missing_directory_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "--tenants", str(tmp_path / "nope")]) == 2
    assert "nope" in capsys.readouterr().err


def test_progress_only_when_it_takes_long(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["plan", "--tenants", str(EXAMPLES)]) == 0
    assert capsys.readouterr().err == "", "a quick plan says nothing on stderr"
    monkeypatch.setattr("infra.cli.PROGRESS_AFTER_SECONDS", 0.0)
    assert main(["plan", "--tenants", str(EXAMPLES)]) == 0
    assert "planning 2 tenants offline" in capsys.readouterr().err
