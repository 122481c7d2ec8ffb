"""`python -m examples.portal --tenants tenants --endpoint-url URL`: run the example portal.

Exit codes as `qs-embed`'s: 0 ok (stopped with Ctrl-C), 1 runtime error, 2 bad input.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Mapping, Sequence

import boto3
from werkzeug.serving import make_server

from examples.portal.app import create_app
from examples.portal.tenancy import load_registry
from tenant_file.config import TenantConfig
from tenant_file.errors import ConfigError
from tenant_file.loader import load_tenants

EXIT_OK, EXIT_RUNTIME, EXIT_BAD_INPUT = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m examples.portal",
        description="Example multi-tenant portal embedding the QuickSight console "
        "(demo sign-in: a real app uses its own authentication).",
    )
    parser.add_argument("--tenants", default="tenants", metavar="DIR", help="tenant files")
    parser.add_argument(
        "--endpoint-url",
        metavar="URL",
        default=os.environ.get("AWS_ENDPOINT_URL"),
        help="AWS endpoint, e.g. the local emulator's (default: $AWS_ENDPOINT_URL, else AWS)",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to serve on")
    parser.add_argument("--port", type=int, default=8000, help="port (0: a free one)")
    parser.add_argument(
        "--local-setup",
        action="store_true",
        help="local emulator only: with its admin credentials in the environment, apply the "
        "tenants to it and act as each tenant's first app principal",
    )
    parser.add_argument(
        "--state",
        metavar="FILE",
        help="with --local-setup: the local engine's state (default: qs-embed local up's, "
        ".qs-embed/state.json), "
        "so a second start or a start after local up changes nothing",
    )
    parser.add_argument(
        "--console-origin",
        metavar="ORIGIN",
        help="origin of the embed URLs, when not QuickSight's in the tenant's region "
        "(https://<region>.quicksight.aws.amazon.com) or the endpoint's; with --local-setup "
        "the emulator says where it issues them (its https listener, whose self-signed "
        "certificate the browser must trust: see qs-embed local serve --help)",
    )
    parser.add_argument(
        "--reader-tag",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a session tag the public dashboards (/public/<tenant>/dashboards/<id>) set for "
        "their anonymous readers, for the tenants whose file declares KEY (repeatable); the "
        "files' fixed tags are always sent",
    )
    parser.add_argument(
        "--secure-cookies",
        action="store_true",
        help="send the session cookie over HTTPS only (behind a TLS proxy)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    reader_tags = _reader_tags(parser, args.reader_tag)
    console_origin = args.console_origin
    try:
        tenants = load_tenants([args.tenants])
    except ConfigError as e:
        for problem in e.problems:
            print(f"error: {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    sessions: Mapping[str, boto3.Session] = {}
    if args.local_setup:
        from examples.portal.local import (
            LocalSetupError,
            embed_origin,
            prepare,
            require_loopback,
            state_file,
        )

        try:
            endpoint = require_loopback(args.endpoint_url)
        except LocalSetupError as e:
            print(f"error: {e}", file=sys.stderr)
            return EXIT_BAD_INPUT
        print(f"applying {len(tenants)} tenants to the emulator at {endpoint} ...", flush=True)
        try:
            state = state_file(args.state)
            sessions = prepare(tenants, _admin_session(tenants), endpoint, state)
            if console_origin is None:
                console_origin = embed_origin(endpoint)
        except LocalSetupError as e:
            print(f"error: {e}", file=sys.stderr)
            return EXIT_RUNTIME
        if console_origin.startswith("https://"):
            print(
                f"embed URLs come from {console_origin} (the emulator's https listener): "
                f"open {console_origin}/_sandbox/health once in your browser and accept its "
                "self-signed certificate, or the frames stay empty",
                flush=True,
            )
    # Tenant files edited, added or removed while the portal runs are served without a
    # restart (--local-setup acts only for the tenants it applied at start).
    try:
        registry = load_registry(
            args.tenants,
            endpoint_url=args.endpoint_url,
            session_for=(lambda t: sessions.get(t.tenant)) if sessions else None,
        )
    except ConfigError as e:
        for problem in e.problems:
            print(f"error: {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    app = create_app(
        registry,
        endpoint_url=args.endpoint_url,
        console_origin_override=console_origin,
        secure_cookies=args.secure_cookies,
        reader_tags=reader_tags,
    )
    try:
        server = make_server(args.host, args.port, app, threaded=True)
    except OSError as e:
        print(f"error: cannot serve on {args.host}:{args.port}: {e.strerror}", file=sys.stderr)
        return EXIT_RUNTIME
    print(
        f"Example portal on http://{args.host}:{server.server_port}/ "
        f"({len(tenants)} tenants; demo sign-in). Press Ctrl-C to stop.",
        flush=True,
    )
    # A service manager stops with SIGTERM: stop as cleanly as after Ctrl-C.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        print("Portal stopped.", file=sys.stderr)
    return EXIT_OK


def _reader_tags(parser: argparse.ArgumentParser, given: Sequence[str]) -> dict[str, str]:
    """`--reader-tag KEY=VALUE` options as a mapping (a usage error, exit 2, if malformed)."""
    tags: dict[str, str] = {}
    for option in given:
        key, sep, value = option.partition("=")
        if not sep or not key or not value:
            parser.error(f"--reader-tag {key!r}: give KEY=VALUE, both non-empty")
        if key in tags:
            parser.error(f"--reader-tag {key!r} is given twice")
        tags[key] = value
    return tags


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _admin_session(tenants: Sequence[TenantConfig]) -> boto3.Session:
    """The environment's credentials (the emulator admin's), in the first tenant's region."""
    return boto3.Session(region_name=os.environ.get("AWS_DEFAULT_REGION") or tenants[0].region)


if __name__ == "__main__":
    sys.exit(main())
