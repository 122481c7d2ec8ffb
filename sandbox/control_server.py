"""The emulator's control API under /_sandbox/: faults and clock, for tests and demos.

    GET    /_sandbox/health          no token needed: {"status": "ok", "embed_origin", ...}
                                      (embed_origin: where embed URLs are issued)
    POST   /_sandbox/faults          {"operation", "kind": throttle|internal|latency,
                                      "service": quicksight|sts|iam, "times", "latency_ms"}
    GET    /_sandbox/faults          the armed faults
    DELETE /_sandbox/faults          clear them all
    POST   /_sandbox/clock/advance   {"seconds": 301}: move the clock forward
    GET    /_sandbox/clock           {"now": ...}
    POST   /_sandbox/quicksight/users/active  {"namespace", "user_name", "active": false}: a
                                      user as QuickSight shows one that has not signed in yet
    POST   /_sandbox/quicksight/namespaces/status  {"namespace", "status"}: a namespace's
                                      CreationStatus (one of botocore's NamespaceStatus values)

It is not AWS: it takes a per-emulator token (``X-Sandbox-Token``, printed by
``qs-embed local serve`` as QS_SANDBOX_CONTROL_TOKEN) and refuses AWS-signed requests outright,
so no IAM principal can reach it by signing a call.
"""

from __future__ import annotations

import hmac
import json
from typing import Any

from werkzeug.wrappers import Request, Response

from sandbox.faults import Fault
from sandbox.runtime import Runtime

CONTROL_PREFIX = "/_sandbox/"
TOKEN_HEADER = "X-Sandbox-Token"  # noqa: S105 (a header name)


def _json(status: int, payload: dict[str, Any]) -> Response:
    return Response(json.dumps(payload), status=status, mimetype="application/json")


def _body(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(request.get_data() or b"{}")
    except ValueError as e:
        raise ValueError("the body must be JSON") from e
    if not isinstance(body, dict):
        raise ValueError("the body must be a JSON object")
    return body


def _set_user_active(runtime: Runtime, body: dict[str, Any]) -> dict[str, Any]:
    from sandbox.quicksight.exceptions import QuickSightError
    from sandbox.quicksight.models import sandbox_quicksight_backends

    namespace, name, active = body.get("namespace"), body.get("user_name"), body.get("active")
    if not (isinstance(namespace, str) and isinstance(name, str) and isinstance(active, bool)):
        raise ValueError("give namespace and user_name (strings) and active (true or false)")
    backend = sandbox_quicksight_backends[runtime.account_id][runtime.region]
    try:
        user = backend.get_user(namespace, name)
    except QuickSightError as e:
        raise ValueError(str(e)) from e
    user.active = active
    return {"user": user.arn, "active": user.active}


def _set_namespace_status(runtime: Runtime, body: dict[str, Any]) -> dict[str, Any]:
    import botocore.session

    from sandbox.quicksight.exceptions import QuickSightError
    from sandbox.quicksight.models import sandbox_quicksight_backends

    model = botocore.session.get_session().get_service_model("quicksight")
    statuses: list[str] = getattr(model.shape_for("NamespaceStatus"), "enum", [])
    namespace, status = body.get("namespace"), body.get("status")
    if not isinstance(namespace, str) or status not in statuses:
        raise ValueError(f"give namespace (a string) and status, one of {', '.join(statuses)}")
    backend = sandbox_quicksight_backends[runtime.account_id][runtime.region]
    try:
        found = backend.get_namespace(namespace)
    except QuickSightError as e:
        raise ValueError(str(e)) from e
    found.creation_status = str(status)
    return {"namespace": found.arn, "status": found.creation_status}


def handle(runtime: Runtime, request: Request) -> Response:
    route = (request.method, request.path.removeprefix(CONTROL_PREFIX).rstrip("/"))
    if route == ("GET", "health"):
        return _json(
            200,
            {
                "status": "ok",
                "account_id": runtime.account_id,
                "region": runtime.region,
                "embed_origin": runtime.embed_base_url or runtime.base_url,
            },
        )
    if "Authorization" in request.headers:
        return _json(
            403, {"error": f"the control API takes no AWS-signed requests; send {TOKEN_HEADER}"}
        )
    if not hmac.compare_digest(request.headers.get(TOKEN_HEADER, ""), runtime.control_token):
        return _json(403, {"error": f"missing or wrong {TOKEN_HEADER}"})
    try:
        return _dispatch(runtime, route, request)
    except ValueError as e:
        return _json(400, {"error": str(e)})


def _dispatch(runtime: Runtime, route: tuple[str, str], request: Request) -> Response:
    if route == ("POST", "faults"):
        runtime.faults.inject(Fault.from_json(_body(request)))
        return _json(201, {"faults": runtime.faults.describe()})
    if route == ("GET", "faults"):
        return _json(200, {"faults": runtime.faults.describe()})
    if route == ("DELETE", "faults"):
        runtime.faults.clear()
        return _json(200, {"faults": []})
    if route == ("POST", "clock/advance"):
        seconds = _body(request).get("seconds")
        if isinstance(seconds, bool) or not isinstance(seconds, int | float):
            raise ValueError("seconds must be a number")
        return _json(200, {"now": runtime.clock.advance(seconds).isoformat()})
    if route == ("GET", "clock"):
        return _json(200, {"now": runtime.clock.now().isoformat()})
    if route == ("POST", "quicksight/users/active"):
        return _json(200, _set_user_active(runtime, _body(request)))
    if route == ("POST", "quicksight/namespaces/status"):
        return _json(200, _set_namespace_status(runtime, _body(request)))
    return _json(404, {"error": f"no control endpoint {route[0]} {CONTROL_PREFIX}{route[1]}"})
