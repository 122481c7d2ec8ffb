"""The portal's SDK pages in headless Chromium: the real amazon-quicksight-embedding-sdk (as
`make portal-sdk` installs it), the portal's own script and server, under the portal's CSP.

QuickSight's https origin is first played by `https://quicksight.test`, answered by Playwright
(any page, any event). Its pages report an expired session the way QuickSight's do, with an
`ERROR_OCCURRED` message to the embedding window, addressed with the `contextId` and
`discriminator` the SDK put in the frame's URL. The same against the emulator's https
listener: test_portal_sdk_emulator.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Route

from examples.portal import create_app
from tenant_file.config import TenantConfig
from tests.portal.conftest import TIMEOUT_MS, FakeEmbedder
from tests.portal.test_portal_browser import serving, sign_in

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
