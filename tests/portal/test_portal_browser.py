"""The example portal in headless Chromium, against the local emulator with the tenants applied.

The browser redeems each embed URL itself, so these tests see what a user sees: the console of
the signed-in user, a new single-use URL on every load, and each tenant in its own namespace.
Debian's chromium is driven by Playwright (never `playwright install`, which downloads a
browser of its own); the tests skip only when /usr/bin/chromium is absent.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from flask import Flask
from playwright.sync_api import BrowserContext, Page, Route
from werkzeug.serving import make_server

from examples.portal import create_app
from examples.portal.local import prepare
from examples.portal.tenancy import embedders_for
from sandbox import Emulator
from tenant_file.loader import load_tenants
from tests.e2e.support import redeem
from tests.portal.conftest import CHROMIUM, TENANTS_DIR

pytestmark = pytest.mark.emulator


if not CHROMIUM.exists():
    pytest.skip(
        f"{CHROMIUM} is absent: install Debian's chromium (apt-get install -y chromium)",
        allow_module_level=True,
    )


@pytest.fixture(scope="module")
def portal_url(emulator: Emulator) -> Iterator[str]:
    """The portal on 127.0.0.1, acting as each tenant's app principal, tenants applied."""
    tenants = load_tenants([TENANTS_DIR])
    sessions = prepare(tenants, emulator.admin_session(), emulator.endpoint_url)
    embedders = embedders_for(tenants, emulator.endpoint_url, lambda t: sessions[t.tenant])
    app = create_app(embedders, endpoint_url=emulator.endpoint_url, secure_cookies=False)
    with serving(app) as url:
        yield url


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    """`app` on 127.0.0.1 in a thread, its URL while the block runs."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def sign_in(page: Page, portal_url: str, tenant: str, user: str) -> None:
    page.goto(f"{portal_url}/signin")
    form = page.locator(f"form[data-tenant={tenant}]")
    form.locator("select[name=user]").select_option(user)
    with page.expect_navigation(url=f"{portal_url}/console"):
        form.locator("button[type=submit]").click()


def console_text(page: Page) -> str:
    """What the embedded console (the emulator's session page) shows, once it has loaded."""
    frame = page.frame_locator("iframe#console")
    frame.locator("table").wait_for()
    return frame.locator("body").inner_text()


def iframe_src(page: Page) -> str:
    src = page.locator("iframe#console").get_attribute("src")
    assert src is not None
    return src


def test_alice_sees_her_console_and_every_load_mints_a_new_url(
    context: BrowserContext, portal_url: str, emulator: Emulator
) -> None:
    page = context.new_page()
    sign_in(page, portal_url, "acme", "alice")
    text = console_text(page)
    assert "User name\talice" in text
    assert "Namespace\tacme" in text
    assert "Session lifetime (minutes)\t600" in text
    assert "Custom permissions\tacme-analyst" in text
    first = iframe_src(page)
    assert first.startswith(f"{emulator.endpoint_url}/embed/")

    response = page.reload()
    assert response is not None
    assert response.status == 200
    headers = response.headers
    assert headers["cache-control"] == "no-store"
    csp = headers["content-security-policy"]
    assert "frame-ancestors 'self' https://portal.acme.example" in csp
    assert f"frame-src {emulator.endpoint_url}" in csp
    second = iframe_src(page)
    assert second != first, "a fresh URL on every page load"
    assert "User name\talice" in console_text(page), "the new URL opened a session too"
    # The browser redeemed both; single use means neither opens again.
    assert redeem(first)[0] == 410
    assert redeem(second)[0] == 410


def test_a_user_of_another_tenant_gets_a_console_in_their_own_namespace(
    context: BrowserContext, portal_url: str
) -> None:
    page = context.new_page()
    sign_in(page, portal_url, "globex", "dana")
    text = console_text(page)
    assert "Namespace\tglobex" in text
    assert "User name\tqs-embed-globex/dana" in text, "iam identity: the role session"
    assert "Session lifetime (minutes)\t120" in text
    assert "acme" not in text
    assert page.locator("#tenant").inner_text() == "globex"

    # Signing out and in as acme's bob in the same browser switches tenant cleanly.
    with page.expect_navigation(url=f"{portal_url}/signin"):
        page.get_by_role("button", name="Sign out").click()
    sign_in(page, portal_url, "acme", "bob")
    text = console_text(page)
    assert "Namespace\tacme" in text
    assert "User name\tbob" in text
    assert "globex" not in text


def test_only_the_tenants_allowed_domains_may_frame_its_console_page(
    context: BrowserContext, portal_url: str
) -> None:
    """acme allows https://portal.acme.example. The portal is served here as
    https://console.acme.example (same site, so the session cookie goes along in a frame) and
    framed by an allowed and a foreign origin; Chromium enforces frame-ancestors."""
    portal_origin = "https://console.acme.example"

    def proxy_to_portal(route: Route) -> None:
        url = route.request.url.replace(portal_origin, portal_url, 1)
        # fetch follows the portal's redirects itself; its cookies land in the context's jar.
        route.fulfill(response=route.fetch(url=url))

    def host_page(route: Route) -> None:
        body = f'<iframe id="app" src="{portal_origin}/console"></iframe>'
        route.fulfill(status=200, content_type="text/html", body=body)

    context.route(f"{portal_origin}/**", proxy_to_portal)
    context.route("https://portal.acme.example/", host_page)
    context.route("https://elsewhere.example/", host_page)
    page = context.new_page()
    page.goto(f"{portal_origin}/signin")
    page.locator("form[data-tenant=acme] button[type=submit]").click()
    assert page.locator("#user").inner_text() == "alice"

    page.goto("https://portal.acme.example/")
    framed = page.frame_locator("iframe#app")
    assert framed.locator("#user").inner_text() == "alice"

    page.goto("https://elsewhere.example/")
    page.wait_for_load_state("load")
    frame = page.frame_locator("iframe#app")
    assert frame.locator("#user").count() == 0, "refused: not an allowed domain"
    (child,) = page.main_frame.child_frames
    assert child.url.startswith("chrome-error://"), "Chromium refused to render it"
