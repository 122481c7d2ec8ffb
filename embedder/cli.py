"""`qs-embed`: the command line (same as `python -m embedder`).

Exit codes: 0 ok, 1 AWS or runtime error, 2 bad input. Commands that need an extra
(`infra`, `local`) import it only when run, so the core package stays small.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from embedder.errors import BadInputError, ConfigError, EmbedderError

EXIT_OK, EXIT_RUNTIME, EXIT_BAD_INPUT = 0, 1, 2
DEFAULT_TENANTS_DIR = "tenants"

Handler = Callable[[argparse.Namespace], int]


def cmd_validate(args: argparse.Namespace) -> int:
    from embedder.loader import load_tenant_files

    paths = args.paths or [DEFAULT_TENANTS_DIR]
    loaded = load_tenant_files(paths)
    try:
        from infra.program import deployability_problems
    except ModuleNotFoundError as e:
        print(f"note: deployability checks skipped ({e.name} is not installed)", file=sys.stderr)
    else:
        problems = deployability_problems(loaded)
        if problems:
            raise ConfigError(problems)
    for _, t in loaded:
        emb = t.embedding
        print(
            f"ok  {t.tenant}: {emb.identity} identity, namespace {t.namespace}, "
            f"{len(t.users)} users, {len(t.permission_profiles)} profiles, role {t.role_name}"
        )
    return EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    from embedder.schema import tenant_json_schema

    print(json.dumps(tenant_json_schema(), indent=2, sort_keys=False))
    return EXIT_OK


def _lazy(target: str, extra: str) -> Handler:
    """A handler living in `module:function`, imported only when its command runs."""

    def run(args: argparse.Namespace) -> int:
        module_name, func_name = target.split(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as e:
            if e.name and e.name.split(".")[0] in {"pulumi", "pulumi_aws", "pulumi_policy", "moto"}:
                print(
                    f"qs-embed {args.command}: needs the '{extra}' extra: "
                    f"pip install 'quicksight-embedding[{extra}]' ({e.name} is missing)",
                    file=sys.stderr,
                )
                return EXIT_BAD_INPUT
            raise
        handler: Handler = getattr(module, func_name)
        return handler(args)

    return run


def _lifetime(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number of minutes") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="qs-embed",
        description="Embed the Amazon QuickSight console into multi-tenant apps, safely.",
        epilog="Exit codes: 0 ok, 1 AWS or runtime error, 2 bad input.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("validate", help="check tenant files (default: tenants/)")
    p.add_argument("paths", nargs="*", metavar="PATH", help="tenant files or directories")
    p.set_defaults(handler=cmd_validate)

    p = sub.add_parser("schema", help="print the JSON Schema of a tenant file")
    p.set_defaults(handler=cmd_schema)

    p = sub.add_parser("url", help="mint a single-use embed URL for a tenant's user")
    p.add_argument("--tenant-file", required=True, type=Path, metavar="F")
    p.add_argument("--user", required=True, metavar="U", help="user name from the tenant file")
    p.add_argument("--entry-point", metavar="P", help="console path, e.g. /dashboards/<id>")
    p.add_argument("--lifetime", type=_lifetime, metavar="M", help="session minutes, 15..600")
    p.add_argument("--json", action="store_true", help="print JSON with expiry and request id")
    p.add_argument("--endpoint-url", metavar="URL", help="AWS endpoint (the local emulator)")
    p.set_defaults(handler=_lazy("embedder.url_command:cmd_url", "core"))

    p = sub.add_parser("plan", help="show what the Pulumi program creates per tenant (offline)")
    p.add_argument(
        "--tenants",
        default=DEFAULT_TENANTS_DIR,
        metavar="DIR",
        help="tenant files (default: tenants)",
    )
    p.add_argument("--json", action="store_true", help="machine-readable plan")
    p.set_defaults(handler=_lazy("infra.cli:cmd_plan", "infra"))

    p = sub.add_parser("check", help="review tenant edits: validate, policy pack, IAM lint")
    p.add_argument(
        "--tenants",
        default=DEFAULT_TENANTS_DIR,
        metavar="DIR",
        help="tenant files (default: tenants)",
    )
    p.add_argument("--base", metavar="GIT_REF", help="summarise what changed since this ref")
    p.set_defaults(handler=_lazy("policies.check:cmd_check", "infra"))

    p = sub.add_parser("local", help="the local AWS emulator")
    local = p.add_subparsers(dest="local_command", required=True, metavar="COMMAND")
    serve = local.add_parser("serve", help="run the emulator on 127.0.0.1 until Ctrl-C")
    serve.add_argument("--port", type=int, default=None, help="default: a free port")
    serve.set_defaults(handler=_lazy("sandbox.cli:cmd_local_serve", "local"))

    p = sub.add_parser("demo", help="the whole job on the local emulator")
    p.add_argument(
        "--tenants",
        default=DEFAULT_TENANTS_DIR,
        metavar="DIR",
        help="tenant files (default: tenants)",
    )
    p.add_argument("--show-urls", action="store_true", help="print embed URLs in full")
    p.set_defaults(handler=_lazy("sandbox.demo:cmd_demo", "local"))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except ConfigError as e:
        for problem in e.problems:
            print(f"error: {problem}", file=sys.stderr)
        count = len(e.problems)
        print(f"{count} problem{'s' if count != 1 else ''}; nothing was done", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BadInputError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except EmbedderError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_RUNTIME
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
