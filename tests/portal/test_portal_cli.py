"""`python -m examples.portal`: refusing bad input, and the README's way to run it against the
local emulator (`--local-setup`)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

import pytest

from examples.portal.__main__ import EXIT_BAD_INPUT, main
from examples.portal.local import LocalSetupError, require_loopback
from tests import ROOT
from tests.portal.conftest import IFRAME_SRC, TENANTS_DIR, csrf_of


def test_bad_tenant_files_are_refused_before_serving(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "acme.yaml").write_text("tenant: acme\nsurprise: true\n")
    assert main(["--tenants", str(tmp_path), "--port", "0"]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert f"error: {tmp_path / 'acme.yaml'}: surprise: unknown field" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://127.0.0.1:4566",
        "http://localhost:4566",
        "http://[::1]:4566",
        "http://127.0.0.2:80",
    ],
)
def test_local_setup_accepts_loopback_endpoints(endpoint: str) -> None:
    assert require_loopback(endpoint) == endpoint


@pytest.mark.parametrize(
    "endpoint",
    [None, "https://quicksight.us-east-1.amazonaws.com", "http://10.0.0.5:4566", "not a url"],
)
def test_local_setup_never_touches_anything_but_the_local_emulator(
    endpoint: str | None, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(LocalSetupError, match="only against the local emulator"):
        require_loopback(endpoint)
    args = ["--tenants", str(TENANTS_DIR), "--local-setup", "--port", "0"]
    if endpoint is not None:
        args += ["--endpoint-url", endpoint]
    env_endpoint = os.environ.pop("AWS_ENDPOINT_URL", None)
    try:
        assert main(args) == EXIT_BAD_INPUT
    finally:
        if env_endpoint is not None:
            os.environ["AWS_ENDPOINT_URL"] = env_endpoint
    assert "only against the local emulator" in capsys.readouterr().err


@pytest.mark.emulator
def test_the_readme_way_serves_the_portal_on_the_emulator(tmp_path: Path) -> None:
    """`qs-embed local serve`'s environment, then `python -m examples.portal --local-setup`:
    the portal asks the emulator where it issues embed URLs (its https listener, as `local
    serve` runs it), so the console is embedded through the SDK (issue 22: it was framed
    bare, from plain http)."""
    from sandbox import Emulator

    with Emulator(https_embeds=True) as emu:
        env = {**os.environ, **emu.env(), "PYTHONPATH": str(ROOT)}
        command = [sys.executable, "-m", "examples.portal", "--tenants", "tenants"]
        command += ["--endpoint-url", emu.endpoint_url, "--local-setup", "--port", "0"]
        command += ["--state", str(tmp_path / "state.json")]
        portal = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        try:
            assert portal.stdout is not None
            lines: list[str] = []
            found = None
            while found is None and (line := portal.stdout.readline()) and len(lines) < 50:
                lines.append(line)
                found = re.search(r"Example portal on (http://127\.0\.0\.1:\d+)/", line)
            assert found, "".join(lines)
            said = "".join(lines)
            assert f"embed URLs come from {emu.embed_origin} (the emulator's https" in said
            assert f"open {emu.embed_origin}/_sandbox/health once" in said
            browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
            with browser.open(f"{found.group(1)}/signin", timeout=10) as page:
                assert page.status == 200
                assert page.headers["Cache-Control"] == "no-store"
                token = csrf_of(page.read().decode())
            form = urlencode({"csrf": token, "tenant": "acme", "user": "alice"}).encode()
            with browser.open(f"{found.group(1)}/signin", data=form, timeout=30) as console:
                html = console.read().decode()
            embedded = IFRAME_SRC.search(html)
            assert embedded, html
            assert embedded.group(1).startswith(f"{emu.embed_origin}/embedding/")
            assert '<div id="embed"' in html, "through the SDK"
        finally:
            portal.terminate()
            code = portal.wait(timeout=10)
        assert code == 0, "SIGTERM stops it cleanly"


@pytest.mark.parametrize("option", ["region", "=eu", "region=", "region=a --reader-tag region=b"])
def test_a_malformed_reader_tag_is_a_usage_error(
    option: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--tenants", str(TENANTS_DIR)]
    for part in option.split(" --reader-tag "):
        argv += ["--reader-tag", part]
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    assert stopped.value.code == EXIT_BAD_INPUT
    assert "--reader-tag" in capsys.readouterr().err
