"""The emulator's WSGI application: reserved paths first, then moto's AWS dispatcher.

- ``/_sandbox/...``: the control API (``sandbox.control_server``);
- ``/embed/...``: redeeming embed URLs, as a browser does;
- ``/moto-api/...``: refused, since moto's admin API can reset state and switch IAM off;
- a QuickSight path (``/accounts/...``, ``botocore_model.path_prefixes``) without a signature: 403
  ``MissingAuthenticationTokenException``, as QuickSight answers (moto routes an unsigned
  request by its host, which on localhost is S3, and answered an HTML 500);
- everything else: moto, with QuickSight served by ``SandboxQuickSightResponse``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from flask import Flask
from moto.core.utils import convert_to_flask_response
from moto.moto_server.werkzeug_app import (
    HTTP_METHODS,
    BackendRequest,
    DomainDispatcherApplication,
    create_backend_app,
)
from werkzeug.wrappers import Request, Response

from sandbox import control_server, pages
from sandbox.embed_urls import PATH_PREFIXES, Redeemed
from sandbox.quicksight.botocore_model import path_prefixes
from sandbox.quicksight.exceptions import QuickSightError
from sandbox.quicksight.responses import SandboxQuickSightResponse
from sandbox.runtime import Runtime


def create_service_app(service: Any) -> Flask:
    if service != "quicksight":
        return create_backend_app(service)
    # moto's URL table for QuickSight misses most operations and cannot route user names with
    # '/' (role sessions); its router already picks the operation from botocore's model by
    # method and raw path, so every path goes to the one dispatcher.
    app = Flask("sandbox-quicksight")
    app.request_class = BackendRequest
    view = convert_to_flask_response(SandboxQuickSightResponse.dispatch)
    for rule in ("/", "/<path:_path>"):
        app.add_url_rule(rule, endpoint=f"quicksight{rule}", view_func=view, methods=HTTP_METHODS)
    return app


def _signed(environ: dict[str, Any]) -> bool:
    """Whether a request carries a SigV4 signature: the Authorization header, or a presigned
    query's X-Amz-Signature."""
    return "HTTP_AUTHORIZATION" in environ or "X-Amz-Signature=" in environ.get("QUERY_STRING", "")


class SandboxApp:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.aws = DomainDispatcherApplication(create_service_app)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        path: str = environ.get("PATH_INFO", "")
        if path.startswith(control_server.CONTROL_PREFIX):
            response = control_server.handle(self.runtime, Request(environ))
        elif path.startswith(PATH_PREFIXES):
            response = self._redeem(Request(environ))
        elif path.startswith("/moto-api"):
            response = Response("moto's admin API is disabled in the emulator", status=404)
        elif path.startswith(path_prefixes()) and not _signed(environ):
            error = QuickSightError(
                "MissingAuthenticationTokenException", "Missing Authentication Token"
            )
            status, headers, body = error.render(str(uuid.uuid4()))
            response = Response(body, status=status, headers=headers)
        else:
            served: Iterable[bytes] = self.aws(environ, start_response)
            return served
        return response(environ, start_response)

    def _redeem(self, request: Request) -> Response:
        if request.method != "GET":
            return Response("Embed URLs are opened with GET", status=405)
        if pages.is_control_frame(request.path):
            # The SDK's control frame (/embed/<session>/embedControl): it only relays messages.
            body, status = pages.control_page(), 200
            response = Response(body, status=status, mimetype="text/html")
            response.headers["Cache-Control"] = "no-store"
            return response
        outcome, grant = self.runtime.embeds.redeem(request.path, request.args.get("code", ""))
        if outcome is Redeemed.OK and grant is not None:
            body, status = pages.session_page(grant), 200
        else:
            status, body = pages.refusal_page(outcome)
        response = Response(body, status=status, mimetype="text/html")
        response.headers["Cache-Control"] = "no-store"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response
