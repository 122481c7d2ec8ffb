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
    # An existing profile may be attached to users outside the file: the platform allows it.
    allow(tmp_path, "acme", profiles=["analyst"])
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


def allow(root: Path, tenant: str, **lists: list[str]) -> Path:
    """platform.yaml beside `root`/tenants, allowing `tenant` the adoptions in `lists`."""
    path = root / "platform.yaml"
    entry = {**lists, "reason": "INC-1234: moved here by the platform team"}
    path.write_text(yaml.safe_dump({"adoption": {tenant: entry}}))
    return path


ADMIN_CASES = [
    ("default", "AUTHOR", "adopts 'alice' of the default namespace, the account's own"),
    ("default", "ADMIN", "adopts 'alice' of the default namespace, the account's own"),
    ("acme", "ADMIN", "adopts 'alice' as ADMIN: the tenant's app would open an administrator's"),
    ("acme", "ADMIN_PRO", "adopts 'alice' as ADMIN_PRO"),
]


@pytest.mark.parametrize(("namespace", "role", "why"), ADMIN_CASES)
def test_adopting_what_the_tenant_does_not_own_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], namespace: str, role: str, why: str
) -> None:
    """The review's attack: a file adopting the account's admin (`default`, ADMIN) passed
    check with a CAUTION line, exit 0, and its app then minted the admin's console."""
    tenants = _copy(tmp_path)
    acme = yaml.safe_load((tenants / "acme.yaml").read_text())
    acme["users"][0].update(adopt=True, role=role)
    _edit(tenants / "acme.yaml", namespace=namespace, users=acme["users"])

    for command in (["check", "--tenants", str(tenants)], ["validate", str(tenants)]):
        assert main(command) == 2
        err = capsys.readouterr().err
        assert f"error: {tenants / 'acme.yaml'}: users[0].adopt: {why}" in err
        assert "platform.yaml (adoption.acme.users: [alice], with a reason)" in err

    # The platform says so outside the tenant's file: the reviewer still sees it called out.
    allow(tmp_path, "acme", users=["alice"])
    assert main(["check", "--tenants", str(tenants)]) == 0
    lines = capsys.readouterr().out.splitlines()
    (line,) = [line for line in lines if line.startswith("adopt acme: user alice")]
    assert "CAUTION" in line


@pytest.mark.parametrize(
    ("namespace", "role"), [("acme", "AUTHOR"), ("acme", "AUTHOR_PRO")], ids=["author", "pro"]
)
def test_adopting_an_author_of_the_tenants_own_namespace_needs_no_allow_list(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], namespace: str, role: str
) -> None:
    """One step inside the edge: what can only be the tenant's own is adopted on its word."""
    tenants = _copy(tmp_path)
    acme = yaml.safe_load((tenants / "acme.yaml").read_text())
    acme["users"][0].update(adopt=True, role=role)
    _edit(tenants / "acme.yaml", namespace=namespace, users=acme["users"])
    assert main(["check", "--tenants", str(tenants)]) == 0


def test_adopting_an_existing_profile_is_refused_without_the_platform(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The review's attack: fin adopted `fin-locked` (attached to cfo, a user of no tenant
    file) and then edited its deny list, lifting cfo's restriction."""
    tenants = _copy(tmp_path)
    acme = yaml.safe_load((tenants / "acme.yaml").read_text())
    acme["permission_profiles"]["analyst"]["adopt"] = True
    _edit(tenants / "acme.yaml", permission_profiles=acme["permission_profiles"])

    assert main(["check", "--tenants", str(tenants)]) == 2
    err = capsys.readouterr().err
    assert (
        f"{tenants / 'acme.yaml'}: permission_profiles.analyst.adopt: adopts the existing "
        "CustomPermissions acme-analyst, which may be attached to users outside this file"
    ) in err
    # Another tenant's allowance, or another profile's, is not this one's.
    allow(tmp_path, "globex", profiles=["analyst"])
    assert main(["check", "--tenants", str(tenants)]) == 2
    allow(tmp_path, "acme", profiles=["viewer"])
    assert main(["check", "--tenants", str(tenants)]) == 2
    allow(tmp_path, "acme", profiles=["analyst"])
    assert main(["check", "--tenants", str(tenants)]) == 0


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


def test_an_allow_list_added_in_the_same_change_does_not_approve_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`check --base` reads platform.yaml at the base ref: an edit that adopts the admin and
    allows itself in one pull request is refused; once the allowance is merged (the platform
    team's own pull request), the same tenant edit passes."""
    import subprocess

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    tenants = _copy(tmp_path)
    git("init", "-q", "-b", "main")
    git("config", "user.email", "ci@example.com")
    git("config", "user.name", "CI")
    git("add", "-A")
    git("commit", "-qm", "tenants")
    acme = yaml.safe_load((tenants / "acme.yaml").read_text())
    acme["users"][0].update(adopt=True, role="ADMIN")
    _edit(tenants / "acme.yaml", users=acme["users"])
    allow(tmp_path, "acme", users=["alice"])
    refused = "users[0].adopt: adopts 'alice' as ADMIN"

    assert main(["check", "--tenants", str(tenants), "--base", "HEAD"]) == 2
    assert refused in capsys.readouterr().err
    assert main(["check", "--tenants", str(tenants), "--base", "HEAD", "--shard-count", "2"]) == 2
    assert refused in capsys.readouterr().err

    git("add", "platform.yaml")
    git("commit", "-qm", "platform: acme may adopt alice")
    assert main(["check", "--tenants", str(tenants), "--base", "HEAD"]) == 0
    assert main(["check", "--tenants", str(tenants), "--base", "HEAD", "--shard-count", "2"]) == 0
    # The base's allowance is read from git, not the disk: removing it now changes nothing...
    (tmp_path / "platform.yaml").unlink()
    assert main(["check", "--tenants", str(tenants), "--base", "HEAD"]) == 0
    # ... and a base before it was merged refuses again.
    assert main(["check", "--tenants", str(tenants), "--base", "HEAD~1"]) == 2
