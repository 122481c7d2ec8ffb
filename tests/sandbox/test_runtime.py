"""The emulator process's one runtime (``sandbox.runtime``): installed once, found by moto's
response classes, its embed sessions on its own clock."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs

import pytest

from sandbox import runtime
from sandbox.clock import AdjustableClock
from sandbox.embed_urls import EmbedGrant, Redeemed
from sandbox.runtime import Runtime


def test_no_runtime_before_the_server_installs_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runtime, "_current", None)
    with pytest.raises(RuntimeError, match="no emulator runtime in this process"):
        runtime.current()


def test_the_installed_runtime_is_the_current_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runtime, "_current", None)
    installed = Runtime(account_id="111122223333", region="us-east-1", control_token="t")
    runtime.install(installed)
    assert runtime.current() is installed


def test_embed_urls_expire_on_the_runtimes_clock() -> None:
    start = datetime(2025, 1, 1, tzinfo=UTC)
    clock = AdjustableClock(lambda: start)
    state = Runtime(account_id="111122223333", region="us-east-1", control_token="t", clock=clock)
    assert state.base_url == "", "known once the socket binds"
    assert state.embed_base_url == ""
    assert state.embeds is not Runtime("1", "r", "t").embeds, "each runtime its own sessions"
    grant = EmbedGrant(
        user_arn="arn:aws:quicksight:us-east-1:111122223333:user/acme/alice",
        user_name="alice",
        namespace="acme",
        entry_point="/start",
        lifetime_minutes=60,
    )
    path, _, query = state.embeds.issue(grant, "http://h").removeprefix("http://h").partition("?")
    clock.advance(301)
    assert state.embeds.redeem(path, parse_qs(query)["code"][0])[0] is Redeemed.EXPIRED
