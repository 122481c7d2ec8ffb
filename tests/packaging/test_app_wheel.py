"""The app package as an app installs it: `make dist`'s quicksight-embedder wheel alone, in a
clean virtualenv (pulumi, moto and the toolkit's packages absent), mints against the emulator.

The wheel's deps (boto3, botocore, pyyaml, pydantic) come from the package index, as for an
app; the emulator runs in this test's environment, as a platform team's would in AWS.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

from sandbox import Emulator
from tenant_file.loader import load_tenant
from tests import ROOT

APP_PACKAGE = "quicksight-embedder"
pytestmark = pytest.mark.emulator


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [
            *(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps"),
            *("--wheel-dir", str(out), str(ROOT / "packaging" / "quicksight-embedder"), str(ROOT)),
        ],
        check=True,
    )
    return out


def wheel(dist: Path, name: str) -> Path:
    (path,) = dist.glob(f"{name}-*.whl")
    return path


def test_the_app_wheel_holds_the_tenant_file_and_embedder_only(dist: Path) -> None:
    with zipfile.ZipFile(wheel(dist, "quicksight_embedder")) as z:
        top = {name.split("/")[0] for name in z.namelist()}
        metadata = z.read(next(n for n in z.namelist() if n.endswith("METADATA"))).decode()
    version = __import__("embedder").__version__
    assert top == {"tenant_file", "embedder", f"quicksight_embedder-{version}.dist-info"}
    requires = sorted(
        line.split(":", 1)[1].strip().split("<")[0].split(">")[0]
        for line in metadata.splitlines()
        if line.startswith("Requires-Dist:") and "extra ==" not in line
    )
    assert requires == ["boto3", "botocore", "pydantic", "pyyaml"]
    # OpenTelemetry is an extra, never a dependency.
    extras = [line for line in metadata.splitlines() if "extra ==" in line]
    assert [line.split(":", 1)[1].split("<")[0].split(">")[0].strip() for line in extras] == [
        "opentelemetry-api"
    ]
    assert "Provides-Extra: otel" in metadata.splitlines()


def test_the_toolkit_wheel_requires_the_app_wheel_of_its_version(dist: Path) -> None:
    with zipfile.ZipFile(wheel(dist, "quicksight_embedding")) as z:
        top = {name.split("/")[0] for name in z.namelist()}
        metadata = z.read(next(n for n in z.namelist() if n.endswith("METADATA"))).decode()
    version = __import__("embedder").__version__
    assert not {"embedder", "tenant_file"} & top
    assert {"qs_embed", "sandbox", "review", "local_engine", "infra", "policies"} <= top
    assert f"Requires-Dist: quicksight-embedder=={version}" in metadata.splitlines()
    assert f"Version: {version}" in metadata.splitlines()


def installed(dist: Path, home: Path, requirement: str) -> Path:
    """A clean virtualenv in `home` holding `requirement` from `dist` (and the index)."""
    venv.EnvBuilder(with_pip=True).create(home)
    python = home / "bin" / "python"
    # The README's install lines, against what `make dist` builds.
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--find-links", str(dist), requirement],
        check=True,
    )
    return python


@pytest.fixture(scope="module")
def app_python(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clean virtualenv holding the app wheel and its dependencies, nothing else."""
    return installed(dist, tmp_path_factory.mktemp("app-venv"), APP_PACKAGE)


@pytest.mark.parametrize(
    ("command", "extra"),
    [
        (["plan"], "infra"),
        (["check"], "infra"),
        (["local", "serve"], "local"),
        (["demo"], "infra"),  # the demo needs both: the first one missing is named
    ],
)
def test_the_toolkit_without_extras_names_the_extra_to_install(
    toolkit_python: Path, command: list[str], extra: str
) -> None:
    done = toolkit_cli(toolkit_python, *command)
    assert done.returncode == 1, done.stderr
    assert f"pip install 'quicksight-embedding[{extra}]'" in done.stderr
    assert "this is a bug" not in done.stderr


def test_the_toolkit_without_extras_validates(toolkit_python: Path) -> None:
    done = toolkit_cli(toolkit_python, "validate", "tenants")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("ok  acme")


def test_the_toolkit_without_extras_prints_the_drift_policy(toolkit_python: Path) -> None:
    """Drift reads AWS with boto3 alone: no extra (the nightly CI job installs none)."""
    done = toolkit_cli(toolkit_python, "drift", "--policy")
    assert done.returncode == 0, done.stderr
    assert '"iam:ListRoles"' in done.stdout


def toolkit_cli(toolkit_python: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`qs-embed ARGS` of the toolkit's clean virtualenv, run from the repository."""
    return subprocess.run(
        [str(toolkit_python.with_name("qs-embed")), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )


@pytest.fixture(scope="module")
def toolkit_python(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The toolkit without extras: the app package and the CLI, no pulumi, no moto."""
    return installed(dist, tmp_path_factory.mktemp("toolkit-venv"), "quicksight-embedding")


APP = """\
import importlib.util, sys
absent = [m for m in ("pulumi", "moto", "infra", "policies", "sandbox", "qs_embed", "review",
                      "local_engine")
          if importlib.util.find_spec(m) is not None]
assert not absent, f"present in the app's environment: {absent}"
from embedder import Embedder
url = Embedder.from_yaml(sys.argv[1], endpoint_url=sys.argv[2]).session_embed_url("alice")
print(url.status, url.url.split("?")[0])
"""


def test_the_app_wheel_alone_mints_against_the_emulator(
    app_python: Path, emulator: Emulator
) -> None:
    from local_engine.local_apply import apply_locally

    acme = load_tenant(ROOT / "tenants" / "acme.yaml")
    apply_locally([acme], emulator.admin_session())
    app = emulator.principal_session(acme.embedding.app_principals[0])
    found = app.get_credentials()
    assert found is not None
    credentials = found.get_frozen_credentials()
    env = {
        "PATH": os.environ["PATH"],
        "AWS_ACCESS_KEY_ID": str(credentials.access_key),
        "AWS_SECRET_ACCESS_KEY": str(credentials.secret_key),
        "AWS_SESSION_TOKEN": credentials.token or "",
        "AWS_DEFAULT_REGION": str(emulator.region),
    }
    done = subprocess.run(
        [str(app_python), "-c", APP, str(ROOT / "tenants" / "acme.yaml"), emulator.endpoint_url],
        capture_output=True,
        text=True,
        env=env,
        cwd=app_python.parent,  # not the repository: nothing of it on sys.path
    )
    assert done.returncode == 0, done.stderr
    status, url = done.stdout.split()
    assert status == "200"
    assert url.startswith(emulator.endpoint_url)
