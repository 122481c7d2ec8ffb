"""`qs-embed demo`: the whole job on the emulator passes, and refuses bad tenants up front."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from qs_embed.cli import main
from sandbox.emulator import Emulator
from tests import ROOT
from tests.corpus import BadTenantCase, bad_tenant_cases


@pytest.mark.emulator
def test_demo_grants_and_denies_as_expected(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--tenants", str(ROOT / "tenants")]) == 0
    out, err = capsys.readouterr()
    rows = [line for line in out.splitlines() if line.startswith(("acme ", "globex "))]
    assert rows, out
    assert all(line.rstrip().endswith("ok") for line in rows), out
    assert "as globex's role (qs-embed-globex)" in out
    assert "as acme's role (qs-embed-acme)" in out
    assert "an untrusted app principal" in out
    assert "(account)  account-admin" in out
    assert "reuse refused [200, 410]" in out
    assert "dashboard sales-overview (registered user)  granted: page shows Dashboard" in out
    assert "granted: page shows Dashboard, tags region, tenant_id" in out
    assert "app overrides fixed tag tenant_id           denied: SessionTagError" in out
    assert "ok: 9 grants and 14 denials as expected" in out
    assert "eu-west-1" not in out + err  # the tag value the demo's app sets is never printed
    # URLs are shortened: no auth code on the screen unless asked for.
    assert "code=" not in out + err
    assert "stopping the emulator" in err


@pytest.mark.emulator
def test_demo_shows_full_urls_only_when_asked(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--tenants", str(ROOT / "tenants"), "--show-urls"]) == 0
    out = capsys.readouterr().out
    assert "code=" in out
    # Issue 22: URLs the embedding SDK takes, on the emulator's https listener.
    assert re.search(r"granted https://127\.0\.0\.1:\d+/embedding/\w+/start", out), out


@pytest.mark.emulator
def test_demo_without_https_embeds_issues_plain_http_urls(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["demo", "--tenants", str(ROOT / "tenants"), "--show-urls", "--no-https-embeds"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "granted http://127.0.0.1:" in out
    assert "granted https://" not in out


@pytest.mark.parametrize("case", bad_tenant_cases()[::7], ids=lambda c: c.case)
def test_demo_refuses_bad_tenants_before_starting_anything(
    case: BadTenantCase,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    shutil.copy(ROOT / "tenants" / "globex.yaml", tmp_path)
    case.install(tmp_path)

    def refuse_to_start(self: Emulator) -> Emulator:
        raise AssertionError("the emulator must not start for bad tenant files")

    monkeypatch.setattr(Emulator, "start", refuse_to_start)
    assert main(["demo", "--tenants", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert case.expect in err
