"""The portal's SDK pages through Flask's test client: the bundle it serves itself, the CSP
that lets only the portal's scripts run, fresh URLs for an ended session, and dashboards of
the signed-in user's tenant only."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask.testing import FlaskClient

from embedder.errors import ThrottlingError
from examples.portal.embedding import CSRF_HEADER
from tests.portal.conftest import IFRAME_SRC, FakeEmbedder, csrf_of

SDK_PATH = "/static/vendor/quicksight-embedding-js-sdk.min.js"
SCRIPT = re.compile(r"<script([^>]*)>")

SignIn = Callable[[str, str], FlaskClient]


def test_the_portal_serves_the_sdk_bundle_that_npm_installed(client: FlaskClient) -> None:
    response = client.get(SDK_PATH)
    assert response.status_code == 200, "run `make portal-sdk` (make test does)"
    assert b"amazon-quicksight-embedding-sdk v2.11.3" in response.get_data()
    assert response.headers["Content-Type"].startswith("text/javascript")


def test_an_https_console_url_is_embedded_through_the_sdk_with_the_portals_scripts_only(
    signed_in: SignIn,
) -> None:
    response = signed_in("acme", "alice").get("/console")
    html = response.get_data(as_text=True)
    scripts = SCRIPT.findall(html)
    assert scripts == [f' src="{SDK_PATH}"', ' src="/static/portal.js"'], "no inline script"
    assert 'data-kind="console"' in html
    assert 'data-refresh="/embed-url/console"' in html
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "connect-src 'self'" in csp
    assert "'unsafe-inline'" not in csp
    assert "frame-src https://us-east-1.quicksight.aws.amazon.com" in csp


def test_a_fresh_console_url_needs_the_pages_csrf_token(
    signed_in: SignIn, fakes: dict[str, FakeEmbedder]
) -> None:
    client = signed_in("acme", "alice")
    page = client.get("/console").get_data(as_text=True)
    first = IFRAME_SRC.search(page)
    assert first

    refused = client.post("/embed-url/console", headers={CSRF_HEADER: "forged"})
    assert refused.status_code == 400
    assert len(fakes["acme"].calls) == 1, "nothing minted for a forged request"

    fresh = client.post("/embed-url/console", headers={CSRF_HEADER: csrf_of(page)})
    assert fresh.status_code == 200
    assert fresh.headers["Cache-Control"] == "no-store"
    body = fresh.get_json()
    assert body["url"] != first.group(1)
    assert body["url"].startswith("https://us-east-1.quicksight.aws.amazon.com/embedding/s2/")
    assert body["requestId"] == "req-2"
    assert fakes["acme"].calls[-1].user == "alice"


def test_a_fresh_url_when_signed_out_or_refused_names_no_secret(
    client: FlaskClient, signed_in: SignIn, fakes: dict[str, FakeEmbedder]
) -> None:
    assert client.post("/embed-url/console").status_code == 401
    assert fakes["acme"].calls == []

    page = signed_in("acme", "alice").get("/console").get_data(as_text=True)
    fakes["acme"].error = ThrottlingError(
        operation="GetSessionEmbedUrl",
        tenant="acme",
        code="ThrottlingException",
        message="Rate exceeded",
        request_id="req-busy-1",
        http_status=429,
        attempts=1,
    )
    busy = client.post("/embed-url/console", headers={CSRF_HEADER: csrf_of(page)})
    assert busy.status_code == 503
    assert busy.get_json() == {
        "error": "QuickSight is busy",
        "detail": "Too many console sessions were requested at once. Try again in a few seconds.",
    }


def test_a_dashboard_of_the_tenant_is_embedded_through_the_sdk(
    signed_in: SignIn, fakes: dict[str, FakeEmbedder]
) -> None:
    client = signed_in("acme", "alice")
    response = client.get("/dashboards/sales-overview")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    found = IFRAME_SRC.search(html)
    assert found
    assert "/embed/s1/dashboards/sales-overview?" in found.group(1)
    assert 'data-kind="dashboard"' in html
    assert 'data-refresh="/embed-url/dashboards/sales-overview"' in html
    fresh = client.post(
        "/embed-url/dashboards/sales-overview", headers={CSRF_HEADER: csrf_of(html)}
    )
    assert fresh.status_code == 200
    assert "/embed/s2/dashboards/sales-overview?" in fresh.get_json()["url"]


def test_another_tenants_dashboard_is_refused_with_the_portals_error_page(
    signed_in: SignIn, fakes: dict[str, FakeEmbedder]
) -> None:
    client = signed_in("acme", "alice")
    page = client.get("/dashboards/sales-overview").get_data(as_text=True)
    refused = client.get("/dashboards/globex-board")
    assert refused.status_code == 403
    html = refused.get_data(as_text=True)
    assert "That dashboard is not available" in html
    assert "globex-board" not in html
    assert "secret-code" not in html
    # The refresh endpoint refuses it the same way (one step past: a valid token).
    again = client.post("/embed-url/dashboards/globex-board", headers={CSRF_HEADER: csrf_of(page)})
    assert again.status_code == 403
    assert again.get_json()["error"] == "That dashboard is not available"
    assert len(fakes["acme"].calls) == 1, "only the first, allowed dashboard was minted"
