"""`qs-embed plan`: per-tenant resources and rendered IAM documents, offline."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from infra.offline import OfflineRun
from infra.tenant_stack import TenantStack
from policies.embed_role import embed_role_permissions_policy
from qs_embed.cli import main
from tests.tenant_files import EXAMPLES, tenant_data, write_tenant


def _plan_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    assert main(["plan", "--json", *args]) == 0
    plan: dict[str, Any] = json.loads(capsys.readouterr().out)
    return plan


def test_text_plan_shows_resources_policies_and_outputs(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["plan", "--tenants", str(EXAMPLES)]) == 0
    out = capsys.readouterr().out
    assert "2 tenants, 15 resources in 2 tenant components to create." in out
    assert "+ aws:iam/role:Role  acme.role" in out
    assert "name: qs-embed-acme" in out
    assert "deny: ExportToCsv, ExportToExcel, ShareDashboards" in out
    assert "acme.user.alice  [retain on delete]" in out
    assert '"quicksight:GetSessionEmbedUrl"' in out
    assert "trust policy of qs-embed-globex:" in out
    assert "assumeRolePolicy: stored as a secret in the Pulumi state" in out


def test_json_plan_is_machine_readable(capsys: pytest.CaptureFixture[str]) -> None:
    plan = _plan_json(capsys, "--tenants", str(EXAMPLES))
    assert plan["summary"] == {"tenants": 2, "resources": 15, "components": 2}
    acme, globex = plan["tenants"]
    assert (acme["tenant"], acme["identity"], globex["identity"]) == ("acme", "quicksight", "iam")
    types = [r["type"] for r in acme["resources"]]
    assert types[:2] == ["aws:iam/role:Role", "aws:iam/rolePolicy:RolePolicy"]
    from tenant_file.loader import load_tenant

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
    monkeypatch.setattr("qs_embed.plan.PROGRESS_AFTER_SECONDS", 0.0)
    assert main(["plan", "--tenants", str(EXAMPLES)]) == 0
    assert "planning 2 tenants offline" in capsys.readouterr().err


def test_default_namespace_tenant_too_large_for_its_policy_exits_2_naming_the_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Exact user ARNs grow with the users: IAM's 10,240 inline quota, checked before deploy."""
    users = [
        {"name": f"user{i:04d}", "email": f"u{i}@x.example", "role": "AUTHOR"} for i in range(200)
    ]
    write_tenant(tmp_path, tenant_data("initech", namespace="default", users=users))
    assert main(["plan", "--tenants", str(tmp_path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert (
        f"{tmp_path / 'initech.yaml'}: users: the embed role's permissions policy" in captured.err
    )
    assert "IAM allows 10240 of inline policy per role" in captured.err


def test_plan_shows_exact_user_arns_in_the_default_namespace(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_tenant(tmp_path, tenant_data("initech", namespace="default"))
    plan = _plan_json(capsys, "--tenants", str(tmp_path))
    (tenant,) = plan["tenants"]
    statement = tenant["policies"]["permissions"]["Statement"][1]
    assert statement["Resource"] == ["arn:aws:quicksight:us-east-1:111122223333:user/default/ann"]


def test_a_run_is_counted_as_plan_counts_it(
    example_run: OfflineRun[dict[str, TenantStack]], capsys: pytest.CaptureFixture[str]
) -> None:
    # The components are not resources: 17 registrations, 15 of them AWS resources.
    assert len(example_run.resources) == 17
    assert main(["plan", "--tenants", str(EXAMPLES)]) == 0
    assert "15 resources in 2 tenant components" in capsys.readouterr().out
