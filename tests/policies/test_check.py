"""`qs-embed check`: what a CI job sees for good and unsafe tenant edits."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from pathlib import Path

import pulumi_aws as aws
import pytest
import yaml

from embedder.cli import main
from embedder.config import TenantConfig
from policies.check import run_check
from policies.tenant_diff import tenant_changes
from tests.policies.pack_helpers import EXAMPLES, allow, example, variant

GIT_ENV = {
    "GIT_AUTHOR_NAME": "ci",
    "GIT_AUTHOR_EMAIL": "ci@example.com",
    "GIT_COMMITTER_NAME": "ci",
    "GIT_COMMITTER_EMAIL": "ci@example.com",
}


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True, env={**os.environ, **GIT_ENV}
    )


def edit(path: Path, change: dict[str, object]) -> None:
    data = yaml.safe_load(path.read_text())
    data.update(change)
    path.write_text(yaml.safe_dump(data, sort_keys=False))


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository holding tenant files, with the examples committed."""
    shutil.copytree(EXAMPLES, tmp_path / "tenants")
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "tenants")
    return tmp_path


def test_example_tenants_pass(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check", "--tenants", str(EXAMPLES)])
    out = capsys.readouterr().out.splitlines()
    findings, summary = out[:-1], out[-1]
    assert [f for f in findings if f.startswith("mandatory")] == []
    assert sum(f.startswith("advisory quicksight-user-without-profile") for f in findings) == 2
    assert [f for f in findings if f.startswith("lint")] == [
        "lint LOW MISMATCHED_TYPE_BUT_USABLE role qs-embed-globex policy 'quicksight-embedding': "
        "Type mismatch: StringEquals requires a value of type String but given Arn"
    ]
    assert code == 0
    assert summary == "ok: 2 tenants, 21 resources: 0 mandatory, 2 advisory, 1 lint (0 above LOW)"


def test_trusting_star_is_refused_before_anything_runs(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    acme = repo / "tenants" / "acme.yaml"
    data = yaml.safe_load(acme.read_text())
    data["embedding"]["app_principals"] = ["*"]
    acme.write_text(yaml.safe_dump(data, sort_keys=False))
    code = main(["check", "--tenants", str(repo / "tenants"), "--base", "main"])
    err = capsys.readouterr().err
    assert code == 2
    assert (
        f"error: {acme}: embedding.app_principals[0]: wildcards are not allowed: list the exact "
        "IAM principal ARNs" in err
    )
    assert err.rstrip().endswith("; nothing was done")


def test_granting_quicksight_star_is_refused(repo: Path) -> None:
    # The tenant file cannot express a policy; a resource next to the program's can.
    def extra() -> None:
        aws.iam.RolePolicy(
            "acme-extra", role="qs-embed-acme", name="extra", policy=allow("quicksight:*")
        )

    out = io.StringIO()
    code = run_check(repo / "tenants", None, out, extra)
    lines = out.getvalue().splitlines()
    assert code == 2
    assert (
        "mandatory iam-no-wildcard-actions: role qs-embed-acme policy 'extra' statement 0: "
        "'quicksight:*' allows every quicksight action; list the exact actions"
    ) in "\n".join(lines)
    assert lines[-1].startswith("REFUSED: 2 tenants, 22 resources: ")


def test_removing_a_user_is_called_out(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    acme = repo / "tenants" / "acme.yaml"
    data = yaml.safe_load(acme.read_text())
    data["users"] = [u for u in data["users"] if u["name"] != "bob"]
    data["embedding"]["app_principals"].append("arn:aws:iam::111122223333:role/acme-batch")
    acme.write_text(yaml.safe_dump(data, sort_keys=False))
    git(repo, "commit", "-q", "-am", "drop bob")

    code = main(["check", "--tenants", str(repo / "tenants"), "--base", "HEAD~1"])
    out = capsys.readouterr().out.splitlines()
    assert (
        "REMOVED acme: user bob removed: the QuickSight user and their assets are kept "
        "(retain_users_on_delete: true), but no longer managed"
    ) in out
    assert (
        "review acme: app principal added: arn:aws:iam::111122223333:role/acme-batch may now "
        "assume qs-embed-acme"
    ) in out
    assert out[-1].endswith(", 2 changes since HEAD~1 (1 removals)")
    assert code == 0


def test_removing_a_user_of_a_tenant_that_deletes_users(repo: Path) -> None:
    globex = repo / "tenants" / "globex.yaml"
    edit(globex, {"retain_users_on_delete": False})
    git(repo, "commit", "-q", "-am", "globex opts out")
    data = yaml.safe_load(globex.read_text())
    data["users"] = [u for u in data["users"] if u["name"] != "eli"]
    data["permission_profiles"]["restricted"]["deny"].remove("ExportToPdf")
    globex.write_text(yaml.safe_dump(data, sort_keys=False))

    out = io.StringIO()
    run_check(repo / "tenants", "main", out)
    lines = out.getvalue().splitlines()
    assert (
        "REMOVED globex: user eli removed: the QuickSight user is DELETED with every analysis "
        "and dashboard they own (retain_users_on_delete: false)"
    ) in lines
    assert "review globex: profile restricted no longer denies ExportToPdf" in lines
    assert (
        "advisory quicksight-users-deletion-opted-in: tenant globex sets "
        "retain_users_on_delete: false: removing a user from its file deletes the QuickSight "
        "user and every analysis and dashboard they own"
    ) in lines


def test_a_base_that_is_not_a_commit(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check", "--tenants", str(repo / "tenants"), "--base", "no-such-ref"])
    err = capsys.readouterr().err
    assert code == 2
    assert "error: --base no-such-ref: is not a commit of the repository" in err


# -- the change summary, case by case ------------------------------------------------------


def changes(before: list[TenantConfig], after: list[TenantConfig]) -> list[str]:
    return [str(c) for c in tenant_changes({t.tenant: t for t in before}, after)]


def test_tenants_added_and_removed() -> None:
    acme, globex = example("acme"), example("globex")
    assert changes([acme, globex], [globex]) == [
        "REMOVED acme: tenant removed with its users alice, bob, carol; the QuickSight users "
        "and their assets are kept (retain_users_on_delete: true), but no longer managed"
    ]
    assert changes([globex], [acme, globex]) == [
        "review acme: tenant added: 3 users, trusts arn:aws:iam::111122223333:role/acme-portal"
    ]


def test_edits_that_replace_users_or_lift_restrictions_ask_for_review() -> None:
    acme = example("acme")
    edited = variant(
        "acme",
        namespace="acme-2",
        retain_users_on_delete=False,
        users=[
            {"name": "alice", "email": "alice@acme.example", "role": "ADMIN"},
            {"name": "bob", "email": "bob@acme.example", "role": "AUTHOR", "profile": "analyst"},
            {"name": "carol", "email": "c@acme.example", "role": "ADMIN"},
        ],
    )
    assert changes([acme], [edited]) == [
        "review acme: namespace acme -> acme-2: every user is registered anew in acme-2; the "
        "users in acme are left behind (the QuickSight users and their assets are kept "
        "(retain_users_on_delete: true), but no longer managed)",
        "review acme: retain_users_on_delete turned off: users removed from this file from now "
        "on are deleted with every analysis and dashboard they own",
        "review acme: user alice role AUTHOR -> ADMIN",
        "review acme: user alice profile analyst -> none (the profile's restrictions are lifted)",
        "change acme: user bob profile viewer-author -> analyst",
        "change acme: user carol email changed",
    ]


def test_external_id_changes_never_show_the_secret() -> None:
    globex = example("globex")
    rotated = variant("globex", embedding={**_embedding(globex), "external_id": "rotated-id-42"})
    dropped = variant("globex", embedding={**_embedding(globex), "external_id": None})
    assert changes([globex], [rotated]) == [
        "review globex: embedding.external_id changed: the apps must send the new one"
    ]
    assert changes([globex], [dropped]) == [
        "review globex: embedding.external_id removed: assuming the role no longer needs it"
    ]
    assert changes([dropped], [globex]) == ["change globex: embedding.external_id added"]


def _embedding(tenant: TenantConfig) -> dict[str, object]:
    data = tenant.embedding.model_dump(mode="python")
    data["external_id"] = tenant.embedding.external_id
    return data


def test_identity_change_replaces_every_user() -> None:
    acme = example("acme")
    iam = variant("acme", embedding={**_embedding(acme), "identity": "iam"})
    [line] = changes([acme], [iam])
    assert line.startswith("review acme: identity quicksight -> iam: every user is replaced")
