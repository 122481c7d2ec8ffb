"""The emulator's control API under /_sandbox/: faults and clock, for tests and demos.

    GET    /_sandbox/health          no token needed: {"status": "ok", ...}
    POST   /_sandbox/faults          {"operation", "kind": throttle|internal|latency,
                                      "service": quicksight|sts|iam, "times", "latency_ms"}
    GET    /_sandbox/faults          the armed faults
    DELETE /_sandbox/faults          clear them all
    POST   /_sandbox/clock/advance   {"seconds": 301}: move the clock forward
    GET    /_sandbox/clock           {"now": ...}

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


def handle(runtime: Runtime, request: Request) -> Response:
    route = (request.method, request.path.removeprefix(CONTROL_PREFIX).rstrip("/"))
    if route == ("GET", "health"):
        return _json(
            200, {"status": "ok", "account_id": runtime.account_id, "region": runtime.region}
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
    return _json(404, {"error": f"no control endpoint {route[0]} {CONTROL_PREFIX}{route[1]}"})
