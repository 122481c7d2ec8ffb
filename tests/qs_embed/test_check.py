"""`qs-embed check`: what a CI job sees for good and unsafe tenant edits."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
from pathlib import Path

import pulumi_aws as aws
import pytest
import yaml

from qs_embed.check import run_check
from qs_embed.cli import main
from tests.policies.iam_fixtures import FIXTURES
from tests.policies.pack_helpers import allow, trust
from tests.tenant_files import EXAMPLES, example, write_many_tenants

GIT_ENV = {
    "GIT_AUTHOR_NAME": "ci",
    "GIT_AUTHOR_EMAIL": "ci@example.com",
    "GIT_COMMITTER_NAME": "ci",
    "GIT_COMMITTER_EMAIL": "ci@example.com",
}


def git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", *args], cwd=root, check=True, capture_output=True, env={**os.environ, **GIT_ENV}
    )


def edit(path: Path, change: dict[str, object]) -> None:
    data = yaml.safe_load(path.read_text())
    data.update(change)
    path.write_text(yaml.safe_dump(data, sort_keys=False))


@pytest.fixture
def examples_repo(tmp_path: Path) -> Path:
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
    # quicksight:IamArn is compared with ArnEquals: parliament has nothing to say, not even LOW.
    assert [f for f in findings if f.startswith("lint")] == []
    assert code == 0
    assert summary == (
        "ok: 2 tenants, 15 resources in 2 tenant components: 0 mandatory, 2 advisory, "
        "0 lint (0 above LOW)"
    )


def test_check_counts_resources_as_plan_does(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "--json", "--tenants", str(EXAMPLES)]) == 0
    summary = json.loads(capsys.readouterr().out)["summary"]
    counted = f"{summary['resources']} resources in {summary['components']} tenant components"
    assert main(["plan", "--tenants", str(EXAMPLES)]) == 0
    assert f"2 tenants, {counted} to create." in capsys.readouterr().out
    assert main(["check", "--tenants", str(EXAMPLES)]) == 0
    assert f"2 tenants, {counted}: " in capsys.readouterr().out.splitlines()[-1]


def test_a_default_namespace_tenant_passes_clean(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(EXAMPLES, tmp_path / "tenants")
    shutil.copy(FIXTURES / "umbrella.yaml", tmp_path / "tenants")
    assert main(["check", "--tenants", str(tmp_path / "tenants")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert [f for f in out if f.startswith(("mandatory", "lint"))] == []
    assert out[-1].startswith("ok: 3 tenants, 20 resources in 3 tenant components: 0 mandatory")


def test_trusting_star_is_refused_before_anything_runs(
    examples_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    acme = examples_repo / "tenants" / "acme.yaml"
    data = yaml.safe_load(acme.read_text())
    data["embedding"]["app_principals"] = ["*"]
    acme.write_text(yaml.safe_dump(data, sort_keys=False))
    code = main(["check", "--tenants", str(examples_repo / "tenants"), "--base", "main"])
    err = capsys.readouterr().err
    assert code == 2
    assert (
        f"error: {acme}: embedding.app_principals[0]: wildcards are not allowed: list the exact "
        "IAM principal ARNs" in err
    )
    assert err.rstrip().endswith("; nothing was done")


def test_granting_quicksight_star_is_refused(examples_repo: Path) -> None:
    # The tenant file cannot express a policy; a resource next to the program's can.
    def extra() -> None:
        aws.iam.RolePolicy(
            "acme-extra", role="qs-embed-acme", name="extra", policy=allow("quicksight:*")
        )

    out = io.StringIO()
    code = run_check(examples_repo / "tenants", None, out, extra)
    lines = out.getvalue().splitlines()
    assert code == 2
    assert (
        "mandatory iam-no-wildcard-actions: role qs-embed-acme policy 'extra' statement 0: "
        "'quicksight:*' allows every quicksight action; list the exact actions"
    ) in "\n".join(lines)
    assert lines[-1].startswith(
        "REFUSED: 2 tenants, 15 resources in 2 tenant components and 1 outside them: "
    )


def test_get_auth_code_on_every_user_is_refused(examples_repo: Path) -> None:
    """The reviewer's RolePolicy passed check with 0 mandatory violations."""

    def extra() -> None:
        aws.iam.RolePolicy(
            "acme-any-user",
            role="qs-embed-acme",
            name="any-user",
            policy=allow("quicksight:GetAuthCode", "arn:aws:quicksight:*:*:user/*"),
        )

    out = io.StringIO()
    assert run_check(examples_repo / "tenants", None, out, extra) == 2
    assert (
        "mandatory iam-embed-role-tenant-users-only: role qs-embed-acme policy 'any-user' "
        "statement 0: quicksight:GetAuthCode on 'arn:aws:quicksight:*:*:user/*' reaches beyond "
        "tenant acme's users"
    ) in out.getvalue()
    assert out.getvalue().splitlines()[-1].startswith("REFUSED: ")


def test_an_iam_identity_role_assumable_by_any_session_name_is_refused(examples_repo: Path) -> None:
    globex = example("globex")

    def extra() -> None:
        # A second trust on the globex role's name, without the session-name pin.
        aws.iam.Role(
            "globex-loose",
            name="qs-embed-globex",
            assume_role_policy=trust(
                {"AWS": list(globex.embedding.app_principals)},
                {"StringEquals": {"sts:ExternalId": "globex-embed-7f3c9a"}},
            ),
        )

    out = io.StringIO()
    assert run_check(examples_repo / "tenants", None, out, extra) == 2
    assert (
        "mandatory iam-trust-session-names-pinned: role qs-embed-globex trust policy statement 0: "
        "allows sts:AssumeRole with any session name"
    ) in out.getvalue()


def test_removing_a_user_is_called_out(
    examples_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    acme = examples_repo / "tenants" / "acme.yaml"
    data = yaml.safe_load(acme.read_text())
    data["users"] = [u for u in data["users"] if u["name"] != "bob"]
    data["embedding"]["app_principals"].append("arn:aws:iam::111122223333:role/acme-batch")
    acme.write_text(yaml.safe_dump(data, sort_keys=False))
    git(examples_repo, "commit", "-q", "-am", "drop bob")

    code = main(["check", "--tenants", str(examples_repo / "tenants"), "--base", "HEAD~1"])
    out = capsys.readouterr().out.splitlines()
    assert (
        "REMOVED acme: user bob removed: the QuickSight user and their assets are kept "
        "(retain_users_on_delete: true), but no longer managed"
    ) in out
    assert (
        "review acme: app principal added: arn:aws:iam::111122223333:role/acme-batch may now "
        "assume qs-embed-acme"
    ) in out
    assert out[-1].endswith(", 2 changes since HEAD~1 (1 removal)")
    assert code == 0


def test_removing_a_user_of_a_tenant_that_deletes_users(examples_repo: Path) -> None:
    globex = examples_repo / "tenants" / "globex.yaml"
    edit(globex, {"retain_users_on_delete": False})
    git(examples_repo, "commit", "-q", "-am", "globex opts out")
    data = yaml.safe_load(globex.read_text())
    data["users"] = [u for u in data["users"] if u["name"] != "eli"]
    data["permission_profiles"]["restricted"]["deny"].remove("ExportToPdf")
    globex.write_text(yaml.safe_dump(data, sort_keys=False))

    out = io.StringIO()
    run_check(examples_repo / "tenants", "main", out)
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


def test_a_base_that_is_not_a_commit(
    examples_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["check", "--tenants", str(examples_repo / "tenants"), "--base", "no-such-ref"])
    err = capsys.readouterr().err
    assert code == 2
    assert "error: --base no-such-ref: is not a commit of the repository" in err


def test_a_removed_profile_line_is_called_out_by_check(
    examples_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    acme = examples_repo / "tenants" / "acme.yaml"
    data = yaml.safe_load(acme.read_text())
    del data["users"][0]["profile"]
    acme.write_text(yaml.safe_dump(data, sort_keys=False))
    assert main(["check", "--tenants", str(examples_repo / "tenants"), "--base", "main"]) == 0
    out = capsys.readouterr().out
    assert "review acme: user alice profile analyst -> none: the profile STAYS APPLIED" in out
    assert "aws quicksight delete-user-custom-permission --aws-account-id 111122223333" in out


def test_check_refuses_a_tenant_set_past_the_namespace_quota(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Counted over the whole directory, also when one shard is checked: the shards deploy
    into the same account."""
    tenants = tmp_path / "tenants"
    write_many_tenants(tenants, 101)
    for shard in ([], ["--shard", "1", "--shard-count", "8"]):
        assert main(["check", "--tenants", str(tenants), *shard]) == 2
        err = capsys.readouterr().err
        assert "101 QuickSight namespaces in account 111122223333; its quota is 100" in err


def test_an_anonymous_dashboard_or_tag_added_is_a_reviewable_line(
    examples_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = examples_repo  # the example files: acme has an anonymous section
    acme = repo / "tenants" / "acme.yaml"
    data = yaml.safe_load(acme.read_text())
    data["anonymous"]["dashboards"].append("ops-board")
    data["anonymous"]["session_tags"]["keys"].append("tier")
    acme.write_text(yaml.safe_dump(data, sort_keys=False))
    git(repo, "commit", "-q", "-am", "acme opens ops-board to anonymous readers")

    code = main(["check", "--tenants", str(repo / "tenants"), "--base", "HEAD~1"])
    out = capsys.readouterr().out.splitlines()
    assert (
        "review acme: anonymous dashboard ops-board added: anonymous readers may now open it"
    ) in out
    assert (
        "review acme: session tag key tier added: the app may now set it for each anonymous reader"
    ) in out
    assert code == 0
