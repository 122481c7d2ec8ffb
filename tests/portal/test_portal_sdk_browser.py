"""The portal's SDK pages in headless Chromium: the real amazon-quicksight-embedding-sdk (as
`make portal-sdk` installs it), the portal's own script and server, under the portal's CSP.

QuickSight's https origin is first played by `https://quicksight.test`, answered by Playwright
(any page, any event). Its pages report an expired session the way QuickSight's do, with an
`ERROR_OCCURRED` message to the embedding window, addressed with the `contextId` and
`discriminator` the SDK put in the frame's URL. The last tests run the same against the
emulator's https listener (`Emulator(https_embeds=True)`), whose refusal pages post that event.
"""

from __future__ import annotations

import ssl
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Route, sync_playwright

from examples.portal import create_app
from examples.portal.local import prepare
from examples.portal.tenancy import embedders_for
from sandbox import Emulator
from tenant_file.config import TenantConfig
from tenant_file.loader import load_tenants
from tests.emulators import emulator_fixture
from tests.portal.conftest import TENANTS_DIR, FakeEmbedder
from tests.portal.test_portal_browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    TIMEOUT_MS,
    serving,
    sign_in,
)

QUICKSIGHT = "https://quicksight.test"
# QuickSight's embedded page, as far as the SDK sees it: it reports the session expired when
# its URL carries the first auth code, and otherwise shows which URL it opened.
EMBEDDED_PAGE = """<!doctype html><body><p id="opened"></p><script>
const query = new URLSearchParams(location.search);
document.getElementById("opened").textContent = location.pathname + " " + query.get("code");
if (query.get("code") === "secret-code-1") {
  const eventTarget = {
    experienceType: location.pathname.includes("/dashboards/") ? "DASHBOARD" : "CONSOLE",
    contextId: query.get("contextId"),
    discriminator: Number(query.get("discriminator")),
  };
  if (eventTarget.experienceType === "DASHBOARD") {
    eventTarget.dashboardId = location.pathname.split("/").pop();
  }
  window.parent.postMessage(
    {eventName: "ERROR_OCCURRED", eventTarget, message: {errorCode: "Forbidden"}}, "*");
}
</script></body>"""


@pytest.fixture(scope="module")
def embedders(example_tenants: dict[str, TenantConfig]) -> dict[str, FakeEmbedder]:
    return {n: FakeEmbedder(c, origin=QUICKSIGHT) for n, c in example_tenants.items()}


@pytest.fixture(scope="module")
def portal_url(embedders: dict[str, FakeEmbedder]) -> Iterator[str]:
    app = create_app(
        list(embedders.values()), console_origin_override=QUICKSIGHT, secure_cookies=False
    )
    with serving(app) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent")
    with sync_playwright() as playwright:
        # It accepts the emulator's self-signed certificate (its https listener, below).
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=[*CHROMIUM_ARGS, "--ignore-certificate-errors"]
        )
        yield chromium
        chromium.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[tuple[BrowserContext, list[str]]]:
    """A browser context whose QuickSight requests are answered and recorded."""
    ctx = browser.new_context()
    ctx.set_default_timeout(TIMEOUT_MS)
    opened: list[str] = []

    def quicksight(route: Route) -> None:
        opened.append(route.request.url)
        route.fulfill(status=200, content_type="text/html", body=EMBEDDED_PAGE)

    ctx.route(f"{QUICKSIGHT}/**", quicksight)
    yield ctx, opened
    ctx.close()


def test_the_sdk_mounts_the_console_and_an_expired_session_gets_a_fresh_url(
    context: tuple[BrowserContext, list[str]], portal_url: str
) -> None:
    ctx, opened = context
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(page, portal_url, "acme", "alice")
    # The first URL reports ERROR_OCCURRED; portal.js fetches a fresh one and mounts it.
    frame = page.frame_locator("#embed iframe")
    frame.locator("#opened").filter(has_text="secret-code-2").wait_for()
    assert page.locator("#embed").get_attribute("data-mounts") == "2"
    assert page.locator("#embed iframe").count() == 1, "the spent frame is gone"
    assert page.locator("#embed-status").is_hidden()
    assert errors == []

    paths = [urlsplit(u).path for u in opened]
    assert "/embed/s1/embedControl" in paths, "the SDK's control frame, on the session's path"
    consoles = [parse_qs(urlsplit(u).query) for u in opened if "/start" in u]
    assert [q["code"] for q in consoles] == [["secret-code-1"], ["secret-code-2"]]
    assert all(q["contextId"] and q["discriminator"] for q in consoles), "added by the SDK"


def test_the_sdk_mounts_a_dashboard_and_another_tenants_is_refused(
    context: tuple[BrowserContext, list[str]],
    portal_url: str,
    embedders: dict[str, FakeEmbedder],
) -> None:
    ctx, opened = context
    page = ctx.new_page()
    sign_in(page, portal_url, "acme", "bob")
    minted = len(embedders["acme"].calls)
    page.goto(f"{portal_url}/dashboards/sales-overview")
    frame = page.frame_locator("#embed iframe")
    frame.locator("#opened").filter(has_text="/dashboards/sales-overview").wait_for()
    assert any("/dashboards/sales-overview?" in u for u in opened)

    response = page.goto(f"{portal_url}/dashboards/globex-board")
    assert response is not None
    assert response.status == 403
    assert page.get_by_role("heading", name="That dashboard is not available").is_visible()
    assert page.locator("#embed").count() == 0
    assert len(embedders["acme"].calls) == minted + 1, "nothing minted for the refused one"


# -- against the emulator's https listener ------------------------------------------------------


https_emulator = emulator_fixture(name="https_emulator", https_embeds=True)


@pytest.fixture(scope="module")
def emulator_portal_url(https_emulator: Emulator) -> Iterator[str]:
    """The portal acting as each tenant's app principal, its console origin the emulator's
    https listener (where the emulator issues embed URLs)."""
    emu = https_emulator
    tenants = load_tenants([TENANTS_DIR])
    sessions = prepare(tenants, emu.admin_session(), emu.endpoint_url)
    embedders = embedders_for(tenants, emu.endpoint_url, lambda t: sessions[t.tenant])
    app = create_app(
        embedders,
        endpoint_url=emu.endpoint_url,
        console_origin_override=emu.embed_origin,
        secure_cookies=False,
    )
    with serving(app) as url:
        yield url


@pytest.mark.emulator
def test_the_sdk_mounts_the_emulators_console_and_an_expired_url_leads_to_a_fresh_one(
    browser: Browser, emulator_portal_url: str, https_emulator: Emulator
) -> None:
    ctx = browser.new_context()
    ctx.set_default_timeout(TIMEOUT_MS)
    origin = https_emulator.embed_origin
    assert origin.startswith("https://127.0.0.1:")
    requested: list[str] = []

    def expire_the_first(route: Route) -> None:
        # The first URL reaches the emulator after its 5 minutes (the emulator's clock moves).
        if not requested:
            https_emulator.clock.advance(timedelta(minutes=6))
        requested.append(route.request.url)
        route.continue_()

    ctx.route(f"{origin}/embedding/**", expire_the_first)
    page = ctx.new_page()
    sign_in(page, emulator_portal_url, "acme", "alice")
    session = page.frame_locator("#embed iframe").locator("table#session")
    text = session.inner_text()
    assert "User name\talice" in text
    assert "Namespace\tacme" in text
    assert page.locator("#embed").get_attribute("data-mounts") == "2"
    assert page.locator("#embed-status").is_hidden()
    assert len(requested) == 2, "the expired URL, then the fresh one"
    assert [urlsplit(u).path.split("/")[1] for u in requested] == ["embedding", "embedding"]
    assert redeem_status(requested[0], https_emulator.embed_certificate) == 410
    ctx.close()


@pytest.mark.emulator
def test_another_tenants_dashboard_is_refused_by_the_emulators_portal(
    browser: Browser, emulator_portal_url: str
) -> None:
    ctx = browser.new_context()
    ctx.set_default_timeout(TIMEOUT_MS)
    page = ctx.new_page()
    sign_in(page, emulator_portal_url, "globex", "dana")
    page.frame_locator("#embed iframe").locator("table#session").wait_for()
    response = page.goto(f"{emulator_portal_url}/dashboards/sales-overview")  # acme's
    assert response is not None
    assert response.status == 403
    assert page.get_by_role("heading", name="That dashboard is not available").is_visible()
    assert page.locator("#embed").count() == 0
    ctx.close()


def redeem_status(url: str, certificate: str | None) -> int:
    """What the emulator answers for `url` now (trusting its self-signed certificate)."""
    context = ssl.create_default_context(cadata=certificate)
    try:
        with urllib.request.urlopen(url, context=context, timeout=10) as response:  # noqa: S310
            status: int = response.status
            return status
    except urllib.error.HTTPError as e:
        return e.code
