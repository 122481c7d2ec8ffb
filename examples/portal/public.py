"""Public dashboards: a tenant's anonymous readers, who have no QuickSight user (and need no
sign-in here), see the dashboards the tenant file's `anonymous` section lists.

    GET  /public/<tenant>/dashboards/<dashboard_id>            the page, a URL minted for it
    POST /embed-url/public/<tenant>/dashboards/<dashboard_id>  a fresh URL (JSON, CSRF header)

Session tags are the server's: the file's fixed tags (the embedder always sends them) and the
portal's `reader_tags` (`--reader-tag KEY=VALUE`), of which each tenant gets only the keys its
file declares. Nothing a browser sends becomes a tag: they are what row-level security
filters by.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from flask import Blueprint, Response, current_app, g, jsonify, render_template

from embedder.errors import EmbedderError
from embedder.result import EmbedUrl
from examples.portal.app import portal, render_error
from examples.portal.embedding import dashboard_page, fresh, uses_sdk
from examples.portal.error_pages import UNEXPECTED_CONSOLE_ORIGIN, ErrorPage
from examples.portal.tenancy import TenantEmbedder

logger = logging.getLogger(__name__)
blueprint = Blueprint("public", __name__)

READER_TAGS = "quicksight_portal_reader_tags"
NO_SUCH_ORGANISATION = ErrorPage(
    404, "No such organisation", "This portal shows no public dashboards of that organisation."
)


@blueprint.get("/public/<tenant>/dashboards/<dashboard_id>")
def public_dashboard(tenant: str, dashboard_id: str) -> Response | str:
    embedder = portal().find(tenant)
    if embedder is None:
        return render_error(NO_SUCH_ORGANISATION)
    try:
        url = _anonymous_url(embedder, dashboard_id)
    except EmbedderError as e:
        return render_error(dashboard_page(e))
    from examples.portal.views import expected_origin

    frame_src = expected_origin(embedder.config, "(anonymous)", url)
    if frame_src is None:
        return render_error(UNEXPECTED_CONSOLE_ORIGIN)
    g.frame_src = frame_src
    return render_template(
        "public_dashboard.html",
        embed=url,
        tenant=tenant,
        dashboard_id=dashboard_id,
        sdk=uses_sdk(url.url),
    )


@blueprint.post("/embed-url/public/<tenant>/dashboards/<dashboard_id>")
def fresh_public_dashboard_url(tenant: str, dashboard_id: str) -> tuple[Response, int]:
    embedder = portal().find(tenant)
    if embedder is None:
        page = NO_SUCH_ORGANISATION
        return jsonify(error=page.title, detail=page.explanation), page.status
    return fresh(lambda: _anonymous_url(embedder, dashboard_id), dashboard_page, signed_in=False)


def _anonymous_url(embedder: TenantEmbedder, dashboard_id: str) -> EmbedUrl:
    config = embedder.config
    # No anonymous section: the embedder refuses (ExperienceNotAllowedError), shown as the
    # dashboard page's refusal like a dashboard the file does not list.
    declared = config.anonymous.session_tags.keys if config.anonymous else ()
    tags = {k: v for k, v in reader_tags().items() if k in declared}
    return embedder.anonymous_dashboard_url(dashboard_id, session_tags=tags)


def reader_tags() -> Mapping[str, str]:
    """The session tags the portal sets for its public readers (create_app's `reader_tags`)."""
    tags: Mapping[str, str] = current_app.config.get(READER_TAGS, {})
    return tags
