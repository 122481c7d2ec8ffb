"""`qs-embed local serve | up | destroy` as the README's walk-through runs them, each step a
process of its own: serve, then one `local up --app-env acme`, then `url` prints a URL."""

from __future__ import annotations

import json
import os
import re
import shlex
import ssl
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import ROOT

QS_EMBED = str(Path(sys.executable).with_name("qs-embed"))
pytestmark = pytest.mark.emulator


def exports(text: str) -> dict[str, str]:
    """The `export NAME=value` lines of `text`, as a shell would evaluate them."""
    found: dict[str, str] = {}
    for line in text.splitlines():
        words = shlex.split(line.strip())
        if words[:1] == ["export"]:
            for word in words[1:]:
                name, _, value = word.partition("=")
                found[name] = value
    return found


@pytest.fixture(scope="module")
def serving(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, str], str, Path]]:
    """`qs-embed local serve` in the background: the environment its export lines give, what it
    printed, and where it wrote the https listener's certificate."""
    certificate = tmp_path_factory.mktemp("serve") / "embeds.pem"
    process = subprocess.Popen(
        [QS_EMBED, "local", "serve", "--embed-certificate", str(certificate)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    printed = ""
    for line in process.stdout:
        printed += line
        if line.startswith("Press Ctrl-C"):
            break
    try:
        env = exports(printed)
        if "AWS_ENDPOINT_URL" not in env:
            pytest.skip(f"the emulator did not start: {printed}")
        yield {"PATH": os.environ["PATH"], **env}, printed, certificate
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="module")
def served(serving: tuple[dict[str, str], str, Path]) -> dict[str, str]:
    return serving[0]


def test_local_serve_issues_embeds_on_https_and_says_how_to_trust_it(
    serving: tuple[dict[str, str], str, Path],
) -> None:
    """Issue 22: `local serve` issued plain-http embed URLs, which the embedding SDK refuses."""
    env, printed, certificate = serving
    found = re.search(r"^Embed URLs: (https://127\.0\.0\.1:\d+) ", printed, re.MULTILINE)
    assert found, printed
    origin = found.group(1)
    assert origin != env["AWS_ENDPOINT_URL"]
    assert f"open {origin}/_sandbox/health once and accept the warning" in printed
    assert f"certificate (valid one day): {certificate}" in printed
    trusted = ssl.create_default_context(cadata=certificate.read_text())
    with urllib.request.urlopen(f"{origin}/_sandbox/health", context=trusted) as health:  # noqa: S310
        assert json.load(health)["embed_origin"] == origin
    with pytest.raises(urllib.error.URLError, match="CERTIFICATE_VERIFY_FAILED"):
        urllib.request.urlopen(f"{origin}/_sandbox/health", timeout=10)  # noqa: S310


def run(env: dict[str, str], *args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [QS_EMBED, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=300
    )


def test_the_readme_walk_through(served: dict[str, str], tmp_path: Path) -> None:
    state = str(tmp_path / "state.json")
    up = run(served, "local", "up", "--tenants", "tenants", "--state", state, "--app-env", "acme")
    assert up.returncode == 0, up.stderr
    assert "local up: " in up.stderr, "the changes and the summary go to stderr"
    app = exports(up.stdout)
    assert set(app) == {
        "AWS_ENDPOINT_URL",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
    }
    assert app["AWS_ACCESS_KEY_ID"] != served["AWS_ACCESS_KEY_ID"], "the app, not the admin"

    minted = run({**served, **app}, "url", "--tenant-file", "tenants/acme.yaml", "--user", "alice")
    assert minted.returncode == 0, minted.stderr
    # On the https listener, with QuickSight's console path (local serve's default).
    assert minted.stdout.startswith("https://127.0.0.1:")
    assert "/embedding/" in minted.stdout

    # As the admin (not one of acme's app principals) the same command is refused by AWS.
    refused = run(served, "url", "--tenant-file", "tenants/acme.yaml", "--user", "alice")
    assert refused.returncode == 1
    assert "AssumeRole" in refused.stderr or "cannot assume" in refused.stderr

    again = run(served, "local", "up", "--tenants", "tenants", "--state", state)
    assert again.returncode == 0, again.stderr
    assert "0 created" in again.stdout, "a second up changes nothing"

    destroyed = run(served, "local", "destroy", "--state", state)
    assert destroyed.returncode == 0, destroyed.stderr


def test_app_env_names_a_tenant_of_the_directory(served: dict[str, str], tmp_path: Path) -> None:
    state = str(tmp_path / "state.json")
    done = run(served, "local", "up", "--state", state, "--app-env", "nobody")
    assert done.returncode == 2
    assert "no tenant 'nobody' in tenants; known: acme, globex" in done.stderr
    assert done.stdout == ""


def test_app_env_refuses_an_endpoint_that_is_not_the_emulator(tmp_path: Path) -> None:
    env = {"PATH": os.environ["PATH"], "AWS_ENDPOINT_URL": "https://quicksight.example.com"}
    done = run(env, "local", "up", "--state", str(tmp_path / "s.json"), "--app-env", "acme")
    assert done.returncode == 2
    assert "--app-env works only against the local emulator" in done.stderr
    assert done.stdout == ""
    assert not (tmp_path / "s.json").exists(), "nothing was applied"


def test_no_region_is_one_line_as_pulumi_aws_says_it(
    served: dict[str, str], tmp_path: Path
) -> None:
    env = {k: v for k, v in served.items() if k not in ("AWS_DEFAULT_REGION", "AWS_REGION")}
    env["HOME"] = str(tmp_path)  # no ~/.aws/config region either
    done = run(env, "local", "up", "--state", str(tmp_path / "state.json"))
    assert done.returncode == 2, done.stderr
    assert "Missing region information" in done.stderr
    assert "pulumi config set aws:region" in done.stderr
    assert "this is a bug" not in done.stderr
    assert not (tmp_path / "state.json").exists()


def test_an_endpoint_that_is_not_aws_ends_in_one_line(tmp_path: Path) -> None:
    import http.server
    import threading

    class NotAws(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = b"<html><body>Welcome to the portal</body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), NotAws)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "AWS_ACCESS_KEY_ID": "AKIAEXAMPLEEXAMPLE12",
        "AWS_SECRET_ACCESS_KEY": "not-a-real-secret-key",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_MAX_ATTEMPTS": "1",
    }
    url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        done = run(env, "local", "up", "--endpoint-url", url, "--state", str(tmp_path / "s.json"))
    finally:
        server.shutdown()
    assert done.returncode == 1, done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, done.stderr
    assert "validating provider credentials" in errors[0]
    assert "this is a bug" not in done.stderr
    assert "not-a-real-secret-key" not in done.stderr


def test_app_env_guards_the_endpoint_botocore_really_uses(tmp_path: Path) -> None:
    """AWS_IGNORE_CONFIGURED_ENDPOINT_URLS makes botocore ignore AWS_ENDPOINT_URL: the run
    would go to the real STS, so the loopback guard refuses it (issue 19)."""
    env = {
        "PATH": os.environ["PATH"],
        "AWS_ENDPOINT_URL": "http://127.0.0.1:4566",
        "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    done = run(env, "local", "up", "--state", str(tmp_path / "s.json"), "--app-env", "acme")
    assert done.returncode == 2, done.stderr
    assert "--app-env works only against the local emulator" in done.stderr
    assert "amazonaws.com" in done.stderr, "names the endpoint the clients would use"
    assert done.stdout == ""


def test_local_up_with_the_apps_credentials_says_so_and_how_to_get_the_admins_back(
    served: dict[str, str], tmp_path: Path
) -> None:
    from tests.repos import lean
    from tests.tenant_files import write_tenant

    write_tenant(tmp_path / "tenants", lean("shell"))
    up = run(served, "local", "up", "--app-env", "shell", cwd=tmp_path)
    assert up.returncode == 0, up.stderr
    app = {**served, **exports(up.stdout)}  # eval "$(qs-embed local up --app-env shell)"
    again = run(app, "local", "up", cwd=tmp_path)
    assert again.returncode == 2, again.stderr
    assert "the shell holds the credentials of shell's app" in again.stderr
    assert "qs-embed local serve" in again.stderr
    assert "Traceback" not in again.stderr


def test_a_shard_run_on_the_unsharded_default_state_is_refused(
    served: dict[str, str], tmp_path: Path
) -> None:
    """Issue 19: an unsharded `local up`, then `--shard 0 --shard-count 2` with the same (the
    default) state deleted the other shard's role; now refused, naming both."""
    from policies.shards import shard_of
    from tests.repos import lean
    from tests.tenant_files import write_tenant

    names = [f"cut{i}" for i in range(20)]
    zero = next(n for n in names if shard_of(n, 2) == 0)
    one = next(n for n in names if shard_of(n, 2) == 1)
    for name in (zero, one):
        write_tenant(tmp_path / "tenants", lean(name))
    whole = run(served, "local", "up", cwd=tmp_path)
    assert whole.returncode == 0, whole.stderr
    assert (tmp_path / ".qs-embed" / "state.json").exists()
    cut = run(served, "local", "up", "--shard", "0", "--shard-count", "2", cwd=tmp_path)
    assert cut.returncode == 2, cut.stdout + cut.stderr
    assert "all tenants of 1 shard" in cut.stderr
    assert "shard 0 of 2 shards" in cut.stderr
    preview = run(served, "local", "up", "--preview", cwd=tmp_path)
    assert preview.returncode == 0, preview.stderr
    assert "would be: 0 created" in preview.stdout
    assert "0 deleted" in preview.stdout


def test_a_second_local_run_beside_one_holding_the_state_exits_2_naming_it(
    tmp_path: Path,
) -> None:
    from local_engine.state import LocalState

    state = tmp_path / "state.json"
    LocalState.load(state).save()
    running = LocalState.load(state, hold=True)  # a run under way (its lock held)
    destroy = [QS_EMBED, "local", "destroy", "--state", str(state)]
    refused = subprocess.run(destroy, capture_output=True, text=True, timeout=120)
    assert refused.returncode == 2, refused.stderr
    assert f"{state}: is locked: another run holds it" in refused.stderr
    running.release()
