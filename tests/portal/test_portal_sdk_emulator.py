"""Dashboards through the real embedding SDK against the emulator, in headless Chromium.

The portal is set up as `--local-setup` does it (tenants applied, the files' dashboards
seeded) and embeds from the emulator's https listener, as `qs-embed local serve` runs it: a
registered user's dashboard (`embedDashboard`), an anonymous reader's public dashboard with
its row-level-security tags, a fresh URL after expiry, and other tenants' dashboards refused.
The emulator's pages speak the SDK's protocol (`sandbox.sdk_protocol`): the portal's
`onMessage` sees EXPERIENCE_INITIALIZED, SIZE_CHANGED and CONTENT_LOADED as on AWS, and the
page sees the SDK acknowledge each of them.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import BrowserContext, FrameLocator, Page, Route

from examples.portal import create_app
from examples.portal.local import prepare
from examples.portal.tenancy import embedders_for
from qs_embed.demo_experiences import open_embed_url
from sandbox import Emulator
from tenant_file.loader import load_tenants
from tests.emulators import emulator_fixture
from tests.portal.conftest import TENANTS_DIR
from tests.portal.test_portal_browser import serving, sign_in

pytestmark = pytest.mark.emulator

READER_REGION = "eu-west-1"
OPENED = ["EXPERIENCE_INITIALIZED", "SIZE_CHANGED", "CONTENT_LOADED"]


emulator = emulator_fixture(https_embeds=True)


@pytest.fixture(scope="module")
def tenants_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example tenants and initech, a third one with dashboards of its own."""
    directory = tmp_path_factory.mktemp("tenants")
    for source in TENANTS_DIR.glob("*.yaml"):
        (directory / source.name).write_text(source.read_text())
    initech = (TENANTS_DIR / "acme.yaml").read_text()
    for old, new in [
        ("acme", "initech"),
        ("sales-overview", "initech-sales"),
        ("public-kpis", "initech-kpis"),
    ]:
        initech = initech.replace(old, new)
    (directory / "initech.yaml").write_text(initech)
    return directory


@pytest.fixture(scope="module")
def portal_url(emulator: Emulator, tenants_dir: Path) -> Iterator[str]:
    tenants = load_tenants([tenants_dir])
    sessions = prepare(tenants, emulator.admin_session(), emulator.endpoint_url)
    embedders = embedders_for(tenants, emulator.endpoint_url, lambda t: sessions[t.tenant])
    app = create_app(
        embedders,
        endpoint_url=emulator.endpoint_url,
        console_origin_override=emulator.embed_origin,
        secure_cookies=False,
        reader_tags={"region": READER_REGION},
    )
    with serving(app) as url:
        yield url


def loaded(page: Page) -> FrameLocator:
    """The embedded page, once the portal's onMessage has seen CONTENT_LOADED."""
    page.locator("#embed[data-loaded=true]").wait_for(state="attached")
    return page.frame_locator("#embed iframe")


def events(page: Page) -> list[str]:
    return (page.locator("#embed").get_attribute("data-events") or "").split()


def session_rows(frame: FrameLocator) -> dict[str, str]:
    rows = frame.locator("table#session tr")
    return {
        rows.nth(i).locator("th").inner_text(): rows.nth(i).locator("td").inner_text()
        for i in range(rows.count())
    }


def acknowledged(frame: FrameLocator, count: int) -> list[str]:
    """What the SDK acknowledged to the embedded page (the handshake), once `count` are in."""
    frame.locator(f"#sdk-acknowledged li:nth-child({count})").wait_for(state="attached")
    return frame.locator("#sdk-acknowledged li").all_inner_texts()


def test_a_registered_users_dashboard_through_embed_dashboard(
    context: BrowserContext, portal_url: str
) -> None:
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(page, portal_url, "acme", "alice")
    page.goto(f"{portal_url}/dashboards/sales-overview")
    frame = loaded(page)

    rows = session_rows(frame)
    assert rows["Experience"] == "Dashboard"
    assert rows["User name"] == "alice"
    assert rows["Entry point"] == "/dashboards/sales-overview"
    assert frame.locator("#session-tags").count() == 0, "a registered user has no tags"
    assert events(page) == OPENED, "the portal's onMessage, in QuickSight's order"
    assert acknowledged(frame, 3) == OPENED
    src = page.locator("#embed iframe").get_attribute("src") or ""
    assert "/embed/" in src
    assert "/dashboards/sales-overview?" in src
    assert page.locator("#embed-status").is_hidden()
    assert errors == []


def test_an_anonymous_readers_dashboard_shows_its_rls_tags(
    context: BrowserContext, portal_url: str
) -> None:
    page = context.new_page()
    page.goto(f"{portal_url}/public/acme/dashboards/public-kpis")  # no sign-in
    frame = loaded(page)

    rows = session_rows(frame)
    assert rows["Experience"] == "Dashboard"
    assert rows["User name"] == "(anonymous reader)"
    assert rows["Namespace"] == "acme"
    assert rows["Authorized resources"].endswith(":dashboard/public-kpis")
    tags = frame.locator("#session-tags")
    assert tags.locator("td[data-tag=region]").inner_text() == READER_REGION
    assert tags.locator("td[data-tag=tenant_id]").inner_text() == "acme", "the file's fixed tag"
    assert events(page) == OPENED
    assert acknowledged(frame, 3) == OPENED


def expire_the_first(context: BrowserContext, emulator: Emulator, paths: str) -> list[str]:
    """Record the requests for `emulator`'s embed pages at `paths` (a glob under its origin);
    the first reaches the emulator after its 5 minutes (the emulator's clock moves)."""
    requested: list[str] = []

    def route(route: Route) -> None:
        if not requested:
            emulator.clock.advance(timedelta(minutes=6))
        requested.append(route.request.url)
        route.continue_()

    context.route(f"{emulator.embed_origin}{paths}", route)
    return requested


def test_an_expired_console_url_leads_to_a_fresh_one(
    context: BrowserContext, portal_url: str, emulator: Emulator
) -> None:
    requested = expire_the_first(context, emulator, "/embedding/**")
    page = context.new_page()
    sign_in(page, portal_url, "acme", "alice")
    rows = session_rows(loaded(page))
    assert rows["User name"] == "alice"
    assert rows["Namespace"] == "acme"
    assert page.locator("#embed").get_attribute("data-mounts") == "2"
    assert events(page) == ["ERROR_OCCURRED", *OPENED]
    assert page.locator("#embed-status").is_hidden()
    assert [urlsplit(u).path.split("/")[1] for u in requested] == ["embedding", "embedding"]
    status, _ = open_embed_url(requested[0], emulator.embed_certificate)
    assert status == 410, "the first URL is spent by the expiry, not reused"


def test_an_expired_dashboard_url_leads_to_a_fresh_one(
    context: BrowserContext, portal_url: str, emulator: Emulator
) -> None:
    requested = expire_the_first(context, emulator, "/embed/*/dashboards/**")
    page = context.new_page()
    page.goto(f"{portal_url}/public/acme/dashboards/public-kpis")
    frame = loaded(page)

    assert page.locator("#embed").get_attribute("data-mounts") == "2"
    assert events(page) == ["ERROR_OCCURRED", *OPENED], "the refusal page told the SDK"
    assert len(requested) == 2, "the expired URL, then a fresh one"
    assert requested[0].split("?")[0] != requested[1].split("?")[0], "a new session"
    assert frame.locator("td[data-tag=region]").inner_text() == READER_REGION
    assert page.locator("#embed-status").is_hidden()


@pytest.mark.parametrize(
    ("path", "signed_in_as"),
    [
        ("/dashboards/initech-sales", ("acme", "alice")),  # initech's, by an acme user
        ("/dashboards/sales-overview", ("globex", "dana")),  # acme's, by a globex user
        ("/public/acme/dashboards/initech-kpis", None),  # initech's, under acme's name
        ("/public/globex/dashboards/public-kpis", None),  # acme's, under globex's name
        ("/dashboards/public-kpis", ("acme", "alice")),  # acme's public one: not registered
    ],
)
def test_another_tenants_dashboard_is_refused_with_the_portals_page(
    context: BrowserContext, portal_url: str, path: str, signed_in_as: tuple[str, str] | None
) -> None:
    page = context.new_page()
    if signed_in_as is not None:
        sign_in(page, portal_url, *signed_in_as)
    response = page.goto(f"{portal_url}{path}")
    assert response is not None
    assert response.status == 403
    assert page.get_by_role("heading", name="That dashboard is not available").is_visible()
    assert page.locator("#embed").count() == 0


# Embeds a fresh URL of the page's dashboard with the SDK, then talks to it through the SDK's
# own calls: the emulator's control frame relays them to the page, which answers.
TALK_TO_THE_DASHBOARD = """async () => {
  const holder = document.getElementById("embed");
  const minted = await fetch(holder.dataset.refresh, {
    method: "POST", credentials: "same-origin",
    headers: {"X-CSRF-Token": holder.dataset.csrf},
  }).then((r) => r.json());
  const extra = document.createElement("div");
  document.body.appendChild(extra);
  const context = await window.QuickSightEmbedding.createEmbeddingContext();
  let loaded;
  const ready = new Promise((resolve) => { loaded = resolve; });
  const dashboard = await context.embedDashboard(
    {url: minted.url, container: extra, width: "100%", height: "200px"},
    {onMessage: (event) => { if (event.eventName === "CONTENT_LOADED") loaded(); }});
  await ready;
  const set = await dashboard.setParameters([{Name: "country", Values: ["NZ"]}]);
  const read = await dashboard.getParameters();
  const reset = await dashboard.reset();
  return {set: set.success, read: read, reset: [reset.success, reset.errorCode]};
}"""


def test_the_sdks_requests_are_answered_by_the_emulators_page(
    context: BrowserContext, portal_url: str
) -> None:
    page = context.new_page()
    page.goto(f"{portal_url}/public/acme/dashboards/public-kpis")
    loaded(page)
    answers = page.evaluate(TALK_TO_THE_DASHBOARD)
    assert answers["set"] is True
    assert answers["read"] == [{"Name": "country", "Values": ["NZ"]}]
    assert answers["reset"] == [False, "UNSUPPORTED_BY_EMULATOR"], "answered, not timed out"
