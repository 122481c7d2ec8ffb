"""`qs-embed check` and the lifecycle: adoptions called out, tenants without account_id pass."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from qs_embed.cli import main
from tests.tenant_files import EXAMPLES


def _copy(tmp_path: Path) -> Path:
    shutil.copytree(EXAMPLES, tmp_path / "tenants")
    return tmp_path / "tenants"


def _edit(path: Path, **change: object) -> None:
    data = yaml.safe_load(path.read_text())
    data.update(change)
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def test_a_tenant_without_account_id_passes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Before: two MEDIUM parliament INVALID_ARN findings on the `<account>` placeholder
    refused every tenant that leaves account_id to the deploying account."""
    tenants = _copy(tmp_path)
    for path in tenants.glob("*.yaml"):
        data = yaml.safe_load(path.read_text())
        del data["account_id"]
        path.write_text(yaml.safe_dump(data, sort_keys=False))
    code = main(["check", "--tenants", str(tenants)])
    out = capsys.readouterr().out
    assert "INVALID_ARN" not in out
    assert out.splitlines()[-1].startswith("ok: 2 tenants")
    assert code == 0


def test_every_adoption_is_a_line_for_the_reviewer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tenants = _copy(tmp_path)
    acme = yaml.safe_load((tenants / "acme.yaml").read_text())
    acme["users"][0]["adopt"] = True
    acme["permission_profiles"]["analyst"]["adopt"] = True
    _edit(tenants / "acme.yaml", adopt_namespace=True, **{k: acme[k] for k in ("users",)})
    _edit(tenants / "acme.yaml", permission_profiles=acme["permission_profiles"])
    code = main(["check", "--tenants", str(tenants)])
    lines = capsys.readouterr().out.splitlines()
    adoptions = [line for line in lines if line.startswith("adopt ")]
    assert adoptions == [
        "adopt acme: namespace acme: takes over the existing namespace (users in it that the "
        "file does not list stay, unmanaged; the embed role is granted the file's users by "
        "exact ARN only)",
        "adopt acme: profile analyst: takes over CustomPermissions acme-analyst (it must "
        "already deny exactly ExportToCsv, ExportToExcel, ShareDashboards)",
        "adopt acme: user alice: takes over the existing QuickSight user alice in namespace "
        "acme; its role becomes AUTHOR, its email alice@acme.example, its profile analyst; "
        "the embed role may then open its console",
    ]
    assert lines[-1].endswith("3 adoptions to review")
    assert code == 0, "adoptions are for review, not refusals"


def test_just_in_time_registration_is_called_out_as_adoption(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tenants = _copy(tmp_path)
    globex = yaml.safe_load((tenants / "globex.yaml").read_text())
    _edit(tenants / "globex.yaml", embedding={**globex["embedding"], "register_on_first_use": True})
    main(["check", "--tenants", str(tenants)])
    out = capsys.readouterr().out
    assert (
        "adopt globex: users the app registers on first use (register_on_first_use) are "
        "adopted by the next deploy: dana, eli, fatima"
    ) in out


@pytest.mark.parametrize(
    ("namespace", "role", "caution"),
    [
        ("default", "AUTHOR", "CAUTION: the default namespace is the account's own"),
        ("acme", "ADMIN", "CAUTION: an ADMIN user"),
    ],
)
def test_adopting_a_possible_administrator_is_called_out_loudly(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    namespace: str,
    role: str,
    caution: str,
) -> None:
    """The review's attack: a file adopting the account's admin passed check with one quiet
    line; it still is the reviewer's call, and now the line says what is at stake."""
    tenants = _copy(tmp_path)
    acme = yaml.safe_load((tenants / "acme.yaml").read_text())
    acme["users"][0].update(adopt=True, role=role)
    _edit(tenants / "acme.yaml", namespace=namespace, users=acme["users"])
    main(["check", "--tenants", str(tenants)])
    lines = capsys.readouterr().out.splitlines()
    (line,) = [line for line in lines if line.startswith("adopt acme: user alice")]
    assert caution in line


def test_an_adopted_namespace_grants_only_the_files_users(tmp_path: Path) -> None:
    """The review's attack: a tenant adopting a namespace left by a removed tenant got
    `user/<ns>/*`, so its app could open the retained users' consoles (an ADMIN among them)."""
    from policies.embed_role import tenant_user_resources
    from tenant_file.loader import load_tenant

    tenants = _copy(tmp_path)
    _edit(tenants / "acme.yaml", adopt_namespace=True)
    acme = load_tenant(tenants / "acme.yaml")
    resources = tenant_user_resources(acme, partition="aws", account_id="111122223333")
    assert all(not r.endswith("*") for r in resources)
    assert {r.rsplit("/", 1)[1] for r in resources} == {u.name for u in acme.users}
