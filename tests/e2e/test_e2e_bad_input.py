"""The bad-tenant corpus through every command that reads tenant files: `validate`, `plan`,
`url` and `demo`, run as `qs-embed` runs them (`qs_embed.cli.main`).

Each bad file sits in a directory beside the suite's four good tenants: one bad file refuses
the whole directory (exit 2, its one-line problem on stderr, no traceback, nothing on stdout).
`url` reads one file and is pointed at the running emulator with an app's real credentials:
it must refuse before sending anything (tripwire faults on every operation it could call stay
armed) and create nothing (the admin sees the same roles, namespaces and users). `demo` must
refuse before starting an emulator of its own.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import botocore.session
import pytest

import embedder.role_access
from qs_embed.cli import main
from sandbox import Emulator
from tenant_file.errors import ConfigError
from tenant_file.loader import load_tenant
from tests.corpus import BadTenantCase, bad_tenant_cases, bad_tenant_sets
from tests.e2e.support import Apps, redeem

CASES = bad_tenant_cases()
SETS = bad_tenant_sets()
# Valid tenant files that Pulumi's provider cannot deploy: validate, plan and the program refuse
# them; `url` (the core embedder, which never imports pulumi) mints from them by design.
DEPLOYABILITY_ONLY = frozenset({"capability-not-deployable"})
URL_CASES = [case for case in CASES if case.case not in DEPLOYABILITY_ONLY]
# Operations `qs-embed url` may call, each armed to fail once if it is ever reached.
TRIPWIRES = (
    ("sts", "AssumeRole"),
    ("sts", "GetCallerIdentity"),
    ("quicksight", "GetSessionEmbedUrl"),
    ("quicksight", "RegisterUser"),
)


def with_good_tenants(case: BadTenantCase, tenants_dir: Path, directory: Path) -> Path:
    """The suite's four good tenant files and the bad one, in one directory."""
    shutil.copytree(tenants_dir, directory)
    case.install(directory)
    return directory


def set_with_good_tenants(case_dir: Path, tenants_dir: Path, root: Path) -> Path:
    directory = root / case_dir.name  # the expected messages name the set's directory
    shutil.copytree(tenants_dir, directory)
    for path in case_dir.glob("*.y*ml"):
        shutil.copy(path, directory)
    return directory


def expected_lines(case_dir: Path) -> list[str]:
    return [line for line in (case_dir / "expect.txt").read_text().splitlines() if line]


def assert_refused(code: int, captured: tuple[str, str], *fragments: str) -> None:
    """Exit 2, nothing on stdout but a `--json` command's error, each fragment on stderr, no
    traceback."""
    out, err = captured
    assert code == 2, err
    assert out == "" or json.loads(out)["error"]["exitCode"] == 2
    assert "Traceback" not in err
    assert err.rstrip().endswith("nothing was done"), err
    for fragment in fragments:
        assert fragment in err, f"{fragment!r} not in:\n{err}"


# -- validate and plan: the whole corpus ----------------------------------------------------


def test_the_good_directory_is_valid(tenants_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The control: without the bad file, the directory passes."""
    assert main(["validate", str(tenants_dir)]) == 0
    assert capsys.readouterr().out.count("ok  t-") == 4


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.case)
def test_validate_refuses_a_directory_holding_a_bad_file(
    case: BadTenantCase, tenants_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = with_good_tenants(case, tenants_dir, tmp_path / "tenants")
    code = main(["validate", str(directory)])
    assert_refused(code, capsys.readouterr(), f"{directory / case.file}: ", case.expect)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.case)
def test_plan_refuses_a_directory_holding_a_bad_file(
    case: BadTenantCase, tenants_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = with_good_tenants(case, tenants_dir, tmp_path / "tenants")
    code = main(["plan", "--tenants", str(directory), "--json"])
    assert_refused(code, capsys.readouterr(), f"{directory / case.file}: ", case.expect)


@pytest.mark.parametrize("case_dir", SETS, ids=lambda p: p.name)
@pytest.mark.parametrize("command", ["validate", "plan"])
def test_clashing_sets_are_refused_whole(
    command: str,
    case_dir: Path,
    tenants_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    directory = set_with_good_tenants(case_dir, tenants_dir, tmp_path)
    argv = [command, str(directory)] if command == "validate" else [command, "--tenants"]
    code = main(argv if command == "validate" else [*argv, str(directory)])
    assert_refused(code, capsys.readouterr(), *expected_lines(case_dir))


# -- url: refused before any AWS call, nothing created --------------------------------------


@pytest.fixture
def app_environment(apps: Apps, tenants_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Emulator:
    """`qs-embed url` runs with t-alpha's app credentials in the environment, as an app would;
    its default session is made from that environment (not one cached by an earlier test)."""
    credentials = apps.session(f"arn:aws:iam::{apps.emulator.account_id}:role/t-alpha-app")
    frozen = credentials.get_credentials().get_frozen_credentials()  # type: ignore[union-attr]
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    # Whatever happens, nothing goes to real AWS.
    monkeypatch.setenv("AWS_ENDPOINT_URL", apps.emulator.endpoint_url)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tenants_dir / "no-such-file"))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", str(frozen.access_key))
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", str(frozen.secret_key))
    monkeypatch.setenv("AWS_SESSION_TOKEN", str(frozen.token))
    monkeypatch.setenv("AWS_DEFAULT_REGION", apps.emulator.region)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tenants_dir / "no-such-file"))
    monkeypatch.setattr(embedder.role_access, "default_session", botocore.session.get_session)
    return apps.emulator


class AdminView:
    """What the admin sees: IAM roles, QuickSight namespaces and each namespace's users."""

    def __init__(self, emulator: Emulator) -> None:
        admin = emulator.admin_session()
        self._account = emulator.account_id
        self._iam = admin.client("iam")
        self._qs = admin.client("quicksight")

    def state(self) -> dict[str, Any]:
        roles = sorted(role["RoleName"] for role in self._iam.list_roles()["Roles"])
        listed = self._qs.list_namespaces(AwsAccountId=self._account)["Namespaces"]
        namespaces = sorted(namespace["Name"] for namespace in listed)
        users = {
            namespace: sorted(
                user["UserName"]
                for user in self._qs.list_users(AwsAccountId=self._account, Namespace=namespace)[
                    "UserList"
                ]
            )
            for namespace in namespaces
        }
        return {"roles": roles, "namespaces": namespaces, "users": users}


@pytest.fixture(scope="module")
def admin_view(emulator: Emulator) -> AdminView:
    return AdminView(emulator)


@pytest.mark.emulator
def test_url_with_a_good_file_mints_against_the_emulator(
    app_environment: Emulator, tenants_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The control: the same command, environment and endpoint do mint for a good file."""
    argv = ["url", "--tenant-file", str(tenants_dir / "t-alpha.yaml"), "--user", "ana"]
    assert main([*argv, "--endpoint-url", app_environment.endpoint_url]) == 0
    url = capsys.readouterr().out.strip()
    assert url.startswith(f"{app_environment.endpoint_url}/embed/")
    assert redeem(url)[0] == 200


def test_only_deployability_cases_are_left_to_validate_and_plan(tmp_path: Path) -> None:
    """Why `url` skips DEPLOYABILITY_ONLY: the embedder's own loader accepts those files."""
    for case in CASES:
        (tmp_path / case.case).mkdir()
        path = case.install(tmp_path / case.case)
        try:
            load_tenant(path)
        except ConfigError:
            assert case.case not in DEPLOYABILITY_ONLY
        else:
            assert case.case in DEPLOYABILITY_ONLY, f"{case.case} loads for the embedder"


@pytest.mark.emulator
@pytest.mark.parametrize("case", URL_CASES, ids=lambda c: c.case)
def test_url_refuses_a_bad_file_before_any_aws_call(
    case: BadTenantCase,
    app_environment: Emulator,
    faults: Emulator,
    admin_view: AdminView,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    emulator = app_environment
    path = case.install(tmp_path)
    before = admin_view.state()
    for service, operation in TRIPWIRES:
        emulator.faults.inject(operation, kind="internal", service=service, times=1)

    argv = ["url", "--tenant-file", str(path), "--user", "alice"]
    code = main([*argv, "--endpoint-url", emulator.endpoint_url])

    assert_refused(code, capsys.readouterr(), f"{path}: ", case.expect)
    armed = [(f["service"], f["operation"], f["remaining"]) for f in emulator.faults.active()]
    assert armed == [(s, o, 1) for s, o in TRIPWIRES], "no request reached the emulator"
    assert admin_view.state() == before, "nothing was created"


# -- demo: refused before an emulator starts ------------------------------------------------


@pytest.fixture
def no_emulator_start(monkeypatch: pytest.MonkeyPatch) -> list[Emulator]:
    started: list[Emulator] = []

    def refuse(self: Emulator) -> Emulator:
        started.append(self)
        raise AssertionError("the demo started an emulator for bad tenant files")

    monkeypatch.setattr(Emulator, "start", refuse)
    return started


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.case)
def test_demo_refuses_a_bad_directory_before_starting_an_emulator(
    case: BadTenantCase,
    tenants_dir: Path,
    tmp_path: Path,
    no_emulator_start: list[Emulator],
    capsys: pytest.CaptureFixture[str],
) -> None:
    directory = with_good_tenants(case, tenants_dir, tmp_path / "tenants")
    code = main(["demo", "--tenants", str(directory)])
    captured = capsys.readouterr()
    assert_refused(code, captured, f"{directory / case.file}: ", case.expect)
    assert no_emulator_start == []
    assert "starting the local AWS emulator" not in captured.err


@pytest.mark.parametrize("case_dir", SETS, ids=lambda p: p.name)
def test_demo_refuses_clashing_sets_before_starting_an_emulator(
    case_dir: Path,
    tenants_dir: Path,
    tmp_path: Path,
    no_emulator_start: list[Emulator],
    capsys: pytest.CaptureFixture[str],
) -> None:
    directory = set_with_good_tenants(case_dir, tenants_dir, tmp_path)
    code = main(["demo", "--tenants", str(directory)])
    assert_refused(code, capsys.readouterr(), *expected_lines(case_dir))
    assert no_emulator_start == []
