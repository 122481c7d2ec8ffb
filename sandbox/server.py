"""The emulator process: ``python -m sandbox.server --port 0 --ready-fd N``.

It binds 127.0.0.1 only, bootstraps the platform-team admin straight into moto's IAM (so no
request ever runs unauthenticated: IAM is enforced from the first one), writes one JSON line
describing itself to ``--ready-fd``, then serves until its stdin closes (the parent stopped or
died) or it gets SIGTERM/SIGINT.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import secrets
import signal
import sys
import threading
from dataclasses import dataclass
from typing import Any

from moto import settings
from moto.core.request import Request as MotoRequest
from moto.core.routing import get_service_router
from moto.iam.models import iam_backends
from moto.utilities.utils import get_partition
from werkzeug.serving import make_server
from werkzeug.test import EnvironBuilder

from sandbox import logs, moto_hooks, quotas, runtime
from sandbox.quicksight import botocore_model
from sandbox.wsgi import SandboxApp

log = logging.getLogger("sandbox.server")  # not __main__ under -m

ADMIN_USER = "platform-admin"
_ADMIN_POLICY = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
)


@dataclass(frozen=True)
class AdminKey:
    arn: str
    access_key_id: str
    secret_access_key: str


def bootstrap_admin(account_id: str, region: str) -> AdminKey:
    iam = iam_backends[account_id][get_partition(region)]
    user = iam.create_user(region, ADMIN_USER)
    iam.put_user_policy(ADMIN_USER, "AdministratorAccess", _ADMIN_POLICY)
    key = iam.create_access_key(ADMIN_USER)
    return AdminKey(user.arn, key.access_key_id, key.secret_access_key)


def _warm_up(account_id: str) -> None:
    """Build QuickSight's request router and models now rather than in the first request,
    which would otherwise take about a second."""
    environ = EnvironBuilder(path=f"/accounts/{account_id}/namespaces").get_environ()
    try:
        get_service_router("quicksight").match(MotoRequest(environ))
        botocore_model.service_model()
    except Exception:  # only an optimisation; the first request then does the work
        log.warning("warm-up failed", exc_info=True)


def _stop_on_signal(signum: int, _frame: Any) -> None:
    raise SystemExit(0)


def _wait_for_stop() -> None:
    signal.signal(signal.SIGTERM, _stop_on_signal)
    signal.signal(signal.SIGINT, _stop_on_signal)
    try:
        while sys.stdin.buffer.read(4096):
            pass
    except SystemExit:
        pass


def serve(
    port: int,
    account_id: str,
    region: str,
    ready_fd: int | None,
    limits: quotas.Quotas = quotas.DEFAULTS,
) -> None:
    # moto reads the account from the environment on every request.
    os.environ["MOTO_ACCOUNT_ID"] = account_id
    settings.INITIAL_NO_AUTH_ACTION_COUNT = 0
    moto_hooks.install()
    quotas.install(limits)
    current = runtime.Runtime(account_id, region, control_token=secrets.token_urlsafe(24))
    runtime.install(current)
    admin = bootstrap_admin(account_id, region)

    server = make_server(
        "127.0.0.1",
        port,
        SandboxApp(current),
        threaded=True,
        request_handler=logs.QuietRequestHandler,
    )
    current.base_url = f"http://127.0.0.1:{server.server_port}"
    # A short poll interval keeps stopping fast; shutdown() waits for the next poll.
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="emulator", daemon=True
    )
    thread.start()
    ready = {
        "port": server.server_port,
        "account_id": account_id,
        "region": region,
        "admin": {
            "arn": admin.arn,
            "access_key_id": admin.access_key_id,
            "secret_access_key": admin.secret_access_key,
        },
        "control_token": current.control_token,
        "quotas": limits.as_dict(),
    }
    if ready_fd is not None:
        with os.fdopen(ready_fd, "w") as ready_pipe:
            ready_pipe.write(json.dumps(ready) + "\n")
    log.info("emulator listening on %s", current.base_url)
    threading.Thread(target=_warm_up, args=(account_id,), name="warm-up", daemon=True).start()
    try:
        _wait_for_stop()
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox.server")
    parser.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1 (0: a free one)")
    parser.add_argument("--account-id", default="111122223333")
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--ready-fd", type=int, help="write one JSON line here when serving")
    parser.add_argument(
        "--verbose", action="store_true", help="log each request (no query strings)"
    )
    parser.add_argument(
        "--quota",
        action="append",
        default=[],
        metavar="NAME=N",
        help=f"raise one of AWS's default quotas ({', '.join(quotas.Quotas.names())})",
    )
    args = parser.parse_args(argv)
    try:
        limits = quotas.DEFAULTS.raised(args.quota)
    except ValueError as e:
        parser.error(str(e))
    logs.configure(args.verbose)
    serve(args.port, args.account_id, args.region, args.ready_fd, limits)
    return 0


if __name__ == "__main__":
    code = main()
    # The server is shut down and its socket closed; tearing down the interpreter with moto's
    # models loaded takes over a second more, which every stop() would wait for.
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
