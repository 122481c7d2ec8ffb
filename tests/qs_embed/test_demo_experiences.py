"""The demo's rows beyond the console: each experience opened once, each forbidden move
refused, tag keys shown and tag values never."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast

import pytest

from embedder import Embedder, EmbedUrl
from embedder.errors import DashboardNotAllowedError, SessionTagError
from qs_embed.demo_experiences import DEMO_TAG_VALUE, experience_rows, open_embed_url
from tenant_file.config import TenantConfig
from tests.fakes import experience_tenant

PAGE = (
    "<table><tr><th>Experience</th><td>{experience}</td></tr>"
    "<tr><td data-tag='region'>{value}</td><td data-tag='tier'>{value}</td></tr></table>"
)


class Reader(BaseHTTPRequestHandler):
    """The page an embed URL opens: 200 with the experience and tags on /ok/..., else 404."""

    def do_GET(self) -> None:
        if not self.path.startswith("/ok/"):
            self.send_error(404)
            return
        body = PAGE.format(experience=self.path[4:], value=DEMO_TAG_VALUE).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def origin() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Reader)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


class StubEmbedder:
    """Mints URLs on the reader's origin for what `tenant`'s file allows; refuses tag keys and
    dashboards it does not declare. It does not refuse a forged file (only IAM would)."""

    def __init__(self, tenant: TenantConfig, origin: str) -> None:
        self.tenant, self.origin = tenant, origin

    def _url(self, path: str) -> EmbedUrl:
        now = datetime.now(UTC)
        return EmbedUrl(f"{self.origin}{path}", now, "r-1", 200, self.tenant.tenant, "u")

    def dashboard_embed_url(self, user: str, dashboard: str) -> EmbedUrl:
        return self._url(f"/ok/dashboard-{dashboard}")

    def anonymous_dashboard_url(
        self, dashboard: str, session_tags: Mapping[str, str] | None = None
    ) -> EmbedUrl:
        anonymous = self.tenant.anonymous
        assert anonymous is not None
        for key in session_tags or {}:
            if key not in anonymous.session_tags.keys:
                raise SessionTagError(tenant=self.tenant.tenant, key=key, reason="not declared")
        if dashboard not in anonymous.dashboards:
            raise DashboardNotAllowedError(
                tenant=self.tenant.tenant, kind="dashboard", asset=dashboard, reason="not listed"
            )
        return self._url(f"/ok/anonymous-{dashboard}")


def two_tenants() -> list[TenantConfig]:
    acme = experience_tenant()
    assert acme.anonymous is not None
    other = acme.anonymous.model_copy(update={"dashboards": ("globex-kpis",)})
    return [acme, acme.model_copy(update={"tenant": "globex", "anonymous": other})]


def test_open_embed_url(origin: str) -> None:
    status, page = open_embed_url(f"{origin}/ok/x")
    assert status == 200
    assert "<th>Experience</th><td>x</td>" in page
    assert open_embed_url(f"{origin}/gone") == (404, "")


def test_every_row_with_what_it_expects_and_what_came_back(origin: str) -> None:
    def embedder_of(t: TenantConfig) -> Embedder:
        return cast("Embedder", StubEmbedder(t, origin))

    rows = list(experience_rows(two_tenants(), embedder_of))
    acme_rows = [r for r in rows if r[0] == "acme"]
    assert acme_rows[:4] == [
        (
            "acme",
            "alice",
            "dashboard sales-overview (registered user)",
            "granted",
            "granted: page shows dashboard-sales-overview, tags region, tier",
        ),
        (
            "acme",
            "(anonymous)",
            "dashboard public-kpis with RLS tags",
            "granted",
            "granted: page shows anonymous-public-kpis, tags region, tier",
        ),
        (
            "acme",
            "(anonymous)",
            "app overrides fixed tag tenant_id",
            "SessionTagError",
            "denied: SessionTagError",
        ),
        (
            "acme",
            "(anonymous)",
            "an undeclared tag key",
            "SessionTagError",
            "denied: SessionTagError",
        ),
    ]
    # The other tenant's dashboard, by acme's app: refused by the file; by acme's role with a
    # forged file: only IAM refuses it, which the stub does not, and the row says so.
    assert (
        "globex",
        "(anonymous)",
        "globex-kpis by acme's app",
        "DashboardNotAllowedError",
        "denied: DashboardNotAllowedError",
    ) in rows
    assert (
        "globex",
        "(anonymous)",
        "globex-kpis by acme's role (forged file)",
        "AccessDeniedError",
        "granted (must be refused)",
    ) in rows
    assert not any(DEMO_TAG_VALUE in outcome for *_, outcome in rows)


def test_a_url_that_does_not_open_is_unexpected(origin: str) -> None:
    class Broken(StubEmbedder):
        def dashboard_embed_url(self, user: str, dashboard: str) -> EmbedUrl:
            return self._url("/gone")

    [acme] = two_tenants()[:1]
    rows = experience_rows([acme], lambda t: cast("Embedder", Broken(t, origin)))
    assert next(rows)[4] == "unexpected: HTTP 404"
