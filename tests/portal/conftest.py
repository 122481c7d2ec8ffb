"""Fixtures for the portal's tests: the example tenants, fake embedders, signing in."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from playwright.sync_api import Browser, BrowserContext, sync_playwright

from embedder.experiences import listed_id
from embedder.result import EmbedUrl
from examples.portal import create_app
from tenant_file.config import TenantConfig
from tenant_file.loader import load_tenants
from tests import ROOT

TENANTS_DIR = ROOT / "tenants"
# Debian's chromium, driven by Playwright (never `playwright install`, which downloads a browser
# of its own); the browser tests skip only when it is absent.
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # The emulator's https listener has a self-signed certificate: the browser trusts it, as a
    # user who accepted it once (README: the local emulator).
    "--ignore-certificate-errors",
]
TIMEOUT_MS = 15_000
CONSOLE = "https://us-east-1.quicksight.aws.amazon.com"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
# The embed URL of a page: the SDK's container (https URLs) or a plain iframe (the emulator's).
IFRAME_SRC = re.compile(
    r'(?:<iframe id="console"[^>]*\ssrc|<div id="embed"[^>]*\sdata-url)="([^"]+)"'
)


@dataclass(frozen=True)
class Call:
    user: str
    entry_point: str | None
    lifetime_minutes: int | None
    thread: int


@dataclass
class FakeEmbedder:
    """Mints `CONSOLE` URLs numbered in order, or raises `error` (set by a test)."""

    config: TenantConfig
    error: Exception | None = None
    origin: str = CONSOLE
    calls: list[Call] = field(default_factory=list)
    tags: list[dict[str, str]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def session_embed_url(
        self, user: str, *, entry_point: str | None = None, lifetime_minutes: int | None = None
    ) -> EmbedUrl:
        return self._mint(user, entry_point, lifetime_minutes, "/embedding/s{n}/start")

    def dashboard_embed_url(self, user: str, dashboard_id: str) -> EmbedUrl:
        """As the Embedder: only the dashboards the tenant file lists (its own check)."""
        listed_id(self.config, "dashboard", dashboard_id, self.config.embedding.dashboards, "x")
        return self._mint(user, None, None, f"/embed/s{{n}}/dashboards/{dashboard_id}")

    def anonymous_dashboard_url(
        self, dashboard_id: str, *, session_tags: Mapping[str, str] | None = None
    ) -> EmbedUrl:
        """As the Embedder: only the file's anonymous dashboards (its own check)."""
        section = self.config.anonymous
        listed = section.dashboards if section else ()
        listed_id(self.config, "dashboard", dashboard_id, listed, "x")
        self.tags.append(dict(session_tags or {}))
        return self._mint("(anonymous)", None, None, f"/embed/s{{n}}/dashboards/{dashboard_id}")

    def _mint(
        self, user: str, entry_point: str | None, lifetime_minutes: int | None, path: str
    ) -> EmbedUrl:
        with self._lock:
            self.calls.append(Call(user, entry_point, lifetime_minutes, threading.get_ident()))
            n = len(self.calls)
        if self.error is not None:
            raise self.error
        return EmbedUrl(
            url=f"{self.origin}{path.format(n=n)}?code=secret-code-{n}&isauthcode=true",
            expires_at=datetime.now(UTC) + timedelta(minutes=5),
            request_id=f"req-{n}",
            status=200,
            tenant=self.config.tenant,
            user=user,
        )


@pytest.fixture(scope="session")
def example_tenants() -> dict[str, TenantConfig]:
    return {t.tenant: t for t in load_tenants([TENANTS_DIR])}


@pytest.fixture
def fakes(example_tenants: dict[str, TenantConfig]) -> dict[str, FakeEmbedder]:
    return {name: FakeEmbedder(config) for name, config in example_tenants.items()}


@pytest.fixture
def app(fakes: dict[str, FakeEmbedder]) -> Flask:
    return create_app(list(fakes.values()), secure_cookies=False)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def sign_in(client: FlaskClient, tenant: str, user: str) -> None:
    token = csrf_of(client.get("/signin").get_data(as_text=True))
    response = client.post("/signin", data={"csrf": token, "tenant": tenant, "user": user})
    assert response.status_code == 303, response.get_data(as_text=True)
    assert response.headers["Location"] == "/console"


@pytest.fixture
def signed_in(client: FlaskClient) -> Callable[[str, str], FlaskClient]:
    def as_user(tenant: str, user: str) -> FlaskClient:
        sign_in(client, tenant, user)
        return client

    return as_user


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Chromium, one per test module."""
    if not CHROMIUM.exists():
        pytest.skip(
            f"{CHROMIUM} is absent: install Debian's chromium (apt-get install -y chromium)"
        )
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh browser context (cookies, routes) per test."""
    ctx = browser.new_context()
    ctx.set_default_timeout(TIMEOUT_MS)
    yield ctx
    ctx.close()
