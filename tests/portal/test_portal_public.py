"""Public dashboards (`examples.portal.public`): a tenant's anonymous readers, no sign-in,
only the dashboards the file's `anonymous` section lists, session tags set by the server."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from examples.portal import create_app
from examples.portal.embedding import CSRF_HEADER
from tests.portal.conftest import IFRAME_SRC, FakeEmbedder

PUBLIC_KPIS = "/public/acme/dashboards/public-kpis"


def portal(fakes: dict[str, FakeEmbedder], **tags: str) -> FlaskClient:
    app: Flask = create_app(list(fakes.values()), secure_cookies=False, reader_tags=tags)
    return app.test_client()


def test_a_public_dashboard_is_embedded_for_an_anonymous_reader_with_the_servers_tags(
    fakes: dict[str, FakeEmbedder],
) -> None:
    client = portal(fakes, region="eu-west-1", tier="gold")
    response = client.get(PUBLIC_KPIS)
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    embedded = IFRAME_SRC.search(html)
    assert embedded
    assert "/dashboards/public-kpis?" in embedded.group(1)
    assert 'data-kind="dashboard"' in html
    assert 'data-refresh="/embed-url/public/acme/dashboards/public-kpis"' in html
    # Only the keys acme declares (region); tier is not one, and nothing came from the browser.
    assert fakes["acme"].tags == [{"region": "eu-west-1"}]
    assert [c.user for c in fakes["acme"].calls] == ["(anonymous)"]


def test_query_parameters_never_become_tags(fakes: dict[str, FakeEmbedder]) -> None:
    client = portal(fakes, region="eu-west-1")
    assert client.get(PUBLIC_KPIS + "?region=us-east-1&tenant_id=globex").status_code == 200
    assert fakes["acme"].tags == [{"region": "eu-west-1"}]


def test_what_the_file_does_not_make_public_is_refused(fakes: dict[str, FakeEmbedder]) -> None:
    client = portal(fakes)
    for path, status, heading in [
        ("/public/acme/dashboards/sales-overview", 403, "That dashboard is not available"),
        ("/public/globex/dashboards/public-kpis", 403, "That dashboard is not available"),
        ("/public/initech/dashboards/public-kpis", 404, "No such organisation"),
    ]:
        response = client.get(path)
        assert response.status_code == status, path
        html = response.get_data(as_text=True)
        assert heading in html, path
        assert IFRAME_SRC.search(html) is None, path
    assert fakes["acme"].calls == [], "nothing minted"
    assert fakes["globex"].calls == []


def test_a_fresh_public_url_needs_the_pages_csrf_token(fakes: dict[str, FakeEmbedder]) -> None:
    client = portal(fakes, region="eu-west-1")
    html = client.get(PUBLIC_KPIS).get_data(as_text=True)
    token = html.split('data-csrf="', 1)[1].split('"', 1)[0]
    refresh = "/embed-url/public/acme/dashboards/public-kpis"

    assert client.post(refresh).status_code == 400
    fresh = client.post(refresh, headers={CSRF_HEADER: token})
    assert fresh.status_code == 200, fresh.get_data(as_text=True)
    assert fresh.get_json()["url"].endswith("&isauthcode=true")
    assert len(fakes["acme"].calls) == 2
    refused = client.post(
        "/embed-url/public/acme/dashboards/sales-overview", headers={CSRF_HEADER: token}
    )
    assert refused.status_code == 403
    assert (
        client.post(
            "/embed-url/public/initech/dashboards/x", headers={CSRF_HEADER: token}
        ).status_code
        == 404
    )
