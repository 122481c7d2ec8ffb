"""The scripts the emulator's embed pages run to speak the embedding SDK's protocol: what each
kind of page posts, that the templates are filled and parse, and the SDK version they follow is
the one the portal installs. Chromium runs them against the SDK in
tests/portal/test_portal_sdk_emulator.py."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from sandbox.sdk_protocol import (
    CHANNEL_PREFIX,
    SDK_VERSION,
    UNSUPPORTED,
    PageEvents,
    control_script,
    experience_script,
)

ROOT = Path(__file__).resolve().parents[2]
OPENED = ("EXPERIENCE_INITIALIZED", "SIZE_CHANGED", "CONTENT_LOADED")


def _posted(script: str) -> list[str]:
    return re.findall(r'post\("([A-Z_]+)"', script)


def test_an_opened_page_posts_what_quicksight_posts_when_an_experience_loads() -> None:
    script = experience_script(PageEvents.OPENED)
    assert _posted(script) == list(OPENED)
    assert "ERROR_OCCURRED" not in script


def test_a_refused_page_posts_the_sdks_forbidden_error_only() -> None:
    script = experience_script(PageEvents.REFUSED)
    assert _posted(script) == ["ERROR_OCCURRED"]
    assert '{errorCode: "Forbidden"}' in script


@pytest.mark.parametrize("events", list(PageEvents))
def test_the_experience_script_is_filled(events: PageEvents) -> None:
    script = experience_script(events)
    assert "%(" not in script
    for filled in (CHANNEL_PREFIX, UNSUPPORTED, SDK_VERSION):
        assert filled in script


def test_the_control_script_relays_to_the_contexts_channel() -> None:
    script = control_script()
    assert "%(" not in script
    assert f'new BroadcastChannel("{CHANNEL_PREFIX}" + contextId)' in script


def test_the_protocol_follows_the_sdk_version_the_portal_installs() -> None:
    package = json.loads((ROOT / "examples/portal/package.json").read_text())
    assert package["dependencies"]["amazon-quicksight-embedding-sdk"] == SDK_VERSION


@pytest.mark.parametrize("script", [experience_script(e) for e in PageEvents] + [control_script()])
def test_each_script_is_javascript_node_parses(script: str, tmp_path: Path) -> None:
    node = shutil.which("node")
    assert node is not None, "node runs the portal's npm build; it parses the pages' scripts"
    body = re.fullmatch(r"\s*<script>(.*)</script>\s*", script, re.S)
    assert body is not None, script[:80]
    source = tmp_path / "page.js"
    source.write_text(body.group(1))
    checked = subprocess.run([node, "--check", str(source)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
