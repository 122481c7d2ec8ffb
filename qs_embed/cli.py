"""`qs-embed`: the platform toolkit's command line (same as `python -m qs_embed`).

Exit codes: 0 ok, 1 AWS or runtime error (also a missing extra, or a bug: one line, and the
traceback with QS_EMBED_DEBUG=1), 2 bad input, 3 drift found (`drift`). Commands that need an
extra (`infra`, `local`) import it only when run, so `validate`, `schema` and `url` work with
the core alone.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import textwrap
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import embedder
from embedder.errors import BadInputError, ConfigError, EmbedderError
from embedder.redaction import redact
from policies.project import DEFAULT_TENANTS_DIR
from qs_embed.exit_codes import ExitCode
from qs_embed.shards import add_shard_options
from tenant_file.wording import plural

DEBUG_VARIABLE = "QS_EMBED_DEBUG"
"""Set (to anything but 0) to get the traceback of an unexpected error instead of one line."""

Handler = Callable[[argparse.Namespace], int]


def cmd_validate(args: argparse.Namespace) -> int:
    from tenant_file.adoption import adoption_problems, allow_list_beside
    from tenant_file.loader import load_tenant_files

    paths = args.paths or [DEFAULT_TENANTS_DIR]
    loaded = load_tenant_files(paths)
    first = Path(paths[0])
    problems = adoption_problems(
        loaded, allow_list_beside(first if first.is_dir() else first.parent)
    )
    from policies.quotas import refuse_over_quota

    refuse_over_quota([t for _, t in loaded], paths[0])
    try:
        from infra.program import deployability_problems
    except ModuleNotFoundError as e:
        print(f"note: deployability checks skipped ({e.name} is not installed)", file=sys.stderr)
    else:
        problems += deployability_problems(loaded)
    if problems:
        raise ConfigError(problems)
    for _, t in loaded:
        emb = t.embedding
        print(
            f"ok  {t.tenant}: {emb.identity} identity, namespace {t.namespace}, "
            f"{plural(len(t.users), 'user')}, {plural(len(t.permission_profiles), 'profile')}, "
            f"role {t.role_name}"
        )
    return ExitCode.OK


def cmd_schema(args: argparse.Namespace) -> int:
    from tenant_file.schema import tenant_json_schema

    print(json.dumps(tenant_json_schema(), indent=2, sort_keys=False))
    return ExitCode.OK


EXTRA_OF_MODULE = {
    # The top-level modules each extra of pyproject.toml installs (moto[server] brings flask and
    # werkzeug). A module missing from this table is a bug of ours, not the environment's.
    "pulumi": "infra",
    "pulumi_aws": "infra",
    "pulumi_policy": "infra",
    "parliament": "infra",
    "moto": "local",
    "flask": "local",
    "flask_cors": "local",
    "werkzeug": "local",
}


def _lazy(target: str) -> Handler:
    """A handler living in `module:function`, imported only when its command runs."""

    def run(args: argparse.Namespace) -> int:
        module_name, func_name = target.split(":")
        handler: Handler = getattr(importlib.import_module(module_name), func_name)
        return handler(args)

    return run


def _lifetime(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number of minutes") from None


def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        port = -1
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{value!r} is not a TCP port: give 1..65535")
    return port


def _endpoint_url(value: str) -> str:
    from botocore.utils import is_valid_endpoint_url, is_valid_ipv6_endpoint_url

    if is_valid_endpoint_url(value) or is_valid_ipv6_endpoint_url(value):
        return value
    raise argparse.ArgumentTypeError(
        f"{value!r} is not a URL; give one such as http://127.0.0.1:5000"
    )


ExitCodes = dict[int, str]
UNEXPECTED = "an unexpected error (a bug: one line; the traceback with QS_EMBED_DEBUG=1)"


BAD_USAGE = "bad usage (an unknown option or a missing argument)"


def _epilog(codes: ExitCodes) -> str:
    lines = ["exit codes:"]
    for code, meaning in sorted(codes.items()):
        lines.append(
            textwrap.fill(meaning, 78, initial_indent=f"  {code}  ", subsequent_indent=" " * 5)
        )
    return "\n".join(lines)


def _command(
    sub: Any, name: str, summary: str, description: str, exit_codes: ExitCodes
) -> argparse.ArgumentParser:
    """A subcommand whose own --help says what it does and what its exit codes mean."""
    parser: argparse.ArgumentParser = sub.add_parser(
        name,
        help=summary,
        description=description,
        epilog=_epilog(exit_codes),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    return parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="qs-embed",
        description="Embed the Amazon QuickSight console into multi-tenant apps, safely.",
        epilog=_epilog({0: "ok", 1: "AWS or runtime error", 2: "bad input", 3: "drift found"})
        + "\n\nRun 'qs-embed COMMAND --help' for what a command does and its exit codes.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"qs-embed {embedder.__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = _command(
        sub,
        "validate",
        "check tenant files (default: tenants/)",
        "Check tenant files, one by one and as a set: every field against AWS's limits, then\n"
        "names that must be unique across tenants (tenants, namespaces, roles, profiles) and,\n"
        "with the 'infra' extra installed, what the Pulumi provider can deploy.\n"
        "Prints one line per valid tenant, or one line per problem naming file and field.",
        {
            0: "every tenant is valid",
            1: UNEXPECTED,
            2: "a problem was found (each printed with its file and field)",
        },
    )
    p.add_argument(
        "paths", nargs="*", metavar="PATH", help="tenant files or directories (default: tenants)"
    )
    p.set_defaults(handler=cmd_validate)

    p = _command(
        sub,
        "schema",
        "print the JSON Schema of a tenant file",
        "Print the JSON Schema (draft 2020-12) of tenants/<tenant>.yaml, for editors and CI.\n"
        "Its limits come from botocore's service models, like the loader's.",
        {0: "the schema was printed", 1: UNEXPECTED, 2: BAD_USAGE},
    )
    p.set_defaults(handler=cmd_schema)

    p = _command(
        sub,
        "url",
        "mint a single-use embed URL for a tenant's user",
        "Mint a single-use console embed URL (GetSessionEmbedUrl) for a user of a tenant,\n"
        "as the tenant's embed role qs-embed-<tenant>, assumed with the AWS credentials of\n"
        "the environment. The request is checked against the tenant file first. The URL is\n"
        "a secret: it is printed on stdout only.",
        {
            0: "the URL was printed",
            1: "AWS refused or could not be reached, or the AWS configuration (credentials, "
            "profile, endpoint) is unusable",
            2: "the tenant file is invalid, or does not allow the request (unknown user, "
            "entry point, lifetime); nothing was sent to AWS",
        },
    )
    p.add_argument(
        "--tenant-file",
        required=True,
        type=Path,
        metavar="F",
        help="the tenant's file, tenants/<tenant>.yaml",
    )
    p.add_argument("--user", required=True, metavar="U", help="user name from the tenant file")
    p.add_argument("--entry-point", metavar="P", help="console path, e.g. /dashboards/<id>")
    p.add_argument("--lifetime", type=_lifetime, metavar="M", help="session minutes, 15..600")
    p.add_argument("--json", action="store_true", help="print JSON with expiry and request id")
    p.add_argument(
        "--endpoint-url",
        type=_endpoint_url,
        metavar="URL",
        help="AWS endpoint for STS and QuickSight (the local emulator)",
    )
    p.set_defaults(handler=_lazy("qs_embed.url:cmd_url"))

    p = _command(
        sub,
        "plan",
        "show what the Pulumi program creates per tenant (offline)",
        "Show what the Pulumi program would create per tenant, with the rendered IAM\n"
        "policies, without AWS or a Pulumi backend (the program runs under mocks).\n"
        "Needs the 'infra' extra.",
        {
            0: "the plan was printed",
            1: "the 'infra' extra is missing, or the program failed under mocks",
            2: "a tenant file is invalid",
        },
    )
    _tenants_option(p)
    p.add_argument("--json", action="store_true", help="machine-readable plan")
    p.add_argument(
        "--deployer-policy",
        action="store_true",
        help="print the least-privilege IAM policy the deploying identity needs",
    )
    p.set_defaults(handler=_lazy("qs_embed.plan:cmd_plan"))

    p = _command(
        sub,
        "check",
        "review tenant edits: validate, policy pack, IAM lint",
        "Review tenant edits before they deploy: validate the files, run the CrossGuard\n"
        "policy pack and the IAM lint on what the program declares, and with --base\n"
        "summarise what changed since a git ref. With --shard-count N and --base (no\n"
        "--shard), only the shards the edit touches are checked. Needs the 'infra' extra.",
        {
            0: "nothing was refused",
            1: "the 'infra' extra is missing, or the check failed to run",
            2: "a tenant file is invalid, or a mandatory policy or an IAM lint finding "
            "above LOW refused the edit",
        },
    )
    _tenants_option(p)
    p.add_argument("--base", metavar="GIT_REF", help="summarise what changed since this ref")
    p.set_defaults(handler=_lazy("qs_embed.check:cmd_check"))

    p = _command(
        sub,
        "local",
        "the local AWS emulator",
        "The local AWS emulator (moto, with IAM enforced) that the demo and the end-to-end\n"
        "tests use. Needs the 'local' extra.",
        {0: "ok (see 'qs-embed local COMMAND --help')", 1: "the emulator failed", 2: BAD_USAGE},
    )
    local = p.add_subparsers(dest="local_command", required=True, metavar="COMMAND")
    serve = _command(
        local,
        "serve",
        "run the emulator on 127.0.0.1 until Ctrl-C",
        "Run the emulator on 127.0.0.1 until Ctrl-C (or SIGTERM), and print the environment\n"
        "variables that point AWS SDKs and CLIs at it as the platform admin.\n\n"
        "Embed URLs are issued on a second, https listener with QuickSight's paths, as the\n"
        "embedding SDK (amazon-quicksight-embedding-sdk) requires. Its certificate is\n"
        "self-signed, made at start for 127.0.0.1 and localhost, valid one day, and written\n"
        "to --embed-certificate. A browser framing the embed pages must trust it: open the\n"
        "printed https origin once and accept the warning (Chromium and Firefox then load\n"
        "its frames for the session), or import the file as a trusted authority; headless\n"
        "Chromium in tests takes --ignore-certificate-errors. --no-https-embeds issues\n"
        "plain-http embed URLs on the endpoint instead (framed only without the SDK).",
        {
            0: "stopped with Ctrl-C or SIGTERM",
            1: "the 'local' extra is missing, or the emulator failed to start or exited by itself",
            2: f"{BAD_USAGE}, or a --quota that is not NAME=N of a quota it can raise",
        },
    )
    serve.add_argument(
        "--port", type=_port, default=None, help="TCP port on 127.0.0.1 (default: a free port)"
    )
    serve.add_argument(
        "--quota",
        action="append",
        metavar="NAME=N",
        help="raise one of AWS's default quotas the emulator enforces, as AWS would on request "
        "(repeatable): namespaces (100), roles (1000), trust_policy_chars (2048), "
        "attached_policies_per_role (10)",
    )
    serve.add_argument(
        "--https-embeds",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="issue embed URLs on the https listener (default; --no-https-embeds: plain http "
        "on the endpoint)",
    )
    serve.add_argument(
        "--embed-certificate",
        metavar="FILE",
        default=".qs-embed/emulator-embeds.pem",
        help="where to write the https listener's self-signed certificate (PEM) for a browser "
        "to trust (default: %(default)s)",
    )
    serve.set_defaults(handler=_lazy("qs_embed.local_serve:cmd_local_serve"))
    _local_engine_commands(local)

    p = _command(
        sub,
        "demo",
        "the whole job on the local emulator",
        "The whole job on a local emulator started for the run: apply the Pulumi program\n"
        "for the tenants, mint embed URLs as each tenant's app, and try what must be denied\n"
        "(other tenants' users and roles). Needs the 'infra' and 'local' extras.",
        {
            0: "every grant and denial was as expected",
            1: "a check failed, an extra is missing, or the emulator failed",
            2: "a tenant file is invalid (nothing was started)",
        },
    )
    _tenants_option(p)
    p.add_argument("--show-urls", action="store_true", help="print embed URLs in full")
    p.add_argument(
        "--https-embeds",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="issue embed URLs on the emulator's https listener, as QuickSight's (default; the "
        "demo trusts its self-signed certificate); --no-https-embeds: plain http",
    )
    p.set_defaults(handler=_lazy("qs_embed.demo:cmd_demo"))

    p = _command(
        sub,
        "shards",
        "which stack (shard) declares each tenant; what a change touches",
        "Show which shard (stack) declares each tenant when the tenants are split over N\n"
        "stacks, and how many each holds. With --base, the shards a change since a git ref\n"
        "touches (the matrix CI deploys); with --from M, the tenants that move when the count\n"
        "goes from M to N, and the pulumi state move commands that carry them.",
        {0: "the assignment was printed", 1: UNEXPECTED, 2: "a tenant file or an option is bad"},
    )
    from qs_embed.shards import add_parser_arguments

    add_parser_arguments(p, DEFAULT_TENANTS_DIR)
    p.set_defaults(handler=_lazy("qs_embed.shards:cmd_shards"))

    p = _command(
        sub,
        "drift",
        "compare the live account with the tenant files (read-only)",
        "Read the account (IAM and QuickSight, with the AWS credentials of the environment)\n"
        "and compare it with the tenant files: per tenant its embed role (trust and inline\n"
        "policy by meaning, attached policies), namespace, profiles and users (role, email,\n"
        "profile, inactive); and what no file declares where a tenant owns the place (users\n"
        "in a tenant's namespace, retained users of removed tenants, qs-embed-* roles).\n"
        "Changes nothing and needs no state. --policy prints the read-only IAM policy it needs.",
        {
            0: "no drift",
            1: "AWS refused or could not be reached (an access denial names the call)",
            2: "a tenant file or an option is bad (nothing was read)",
            3: "drift was found (each finding printed)",
        },
    )
    _tenants_option(p)
    p.add_argument("--json", action="store_true", help="machine-readable report")
    p.add_argument(
        "--endpoint-url", type=_endpoint_url, metavar="URL", help="AWS endpoint (emulator)"
    )
    p.add_argument(
        "--policy",
        action="store_true",
        help="print the least-privilege read-only IAM policy drift needs, and read nothing",
    )
    p.set_defaults(handler=_lazy("qs_embed.drift:cmd_drift"))
    return parser


def _local_engine_commands(local: Any) -> None:
    """`local up` and `local destroy`: the strict local engine (qs_embed.local)."""
    applied = {
        0: "applied (one line per change, then a summary)",
        1: "a change failed (the resource and why; the state records what was applied), "
        "AWS could not be reached, or the 'infra' extra is missing",
        2: "a tenant file is invalid or refused before any change (nothing was touched)",
    }
    up = _command(
        local,
        "up",
        "apply the tenant files to a running emulator (or AWS), as pulumi up would",
        "Apply the Pulumi program for the tenant files with the AWS credentials of the\n"
        "environment (see 'qs-embed local serve'), keeping state between runs. Each resource\n"
        "is created, updated in place, replaced, adopted or deleted (forgotten when retained)\n"
        "exactly as pulumi up would; what exists without being adopted is refused. The state\n"
        "is refreshed from AWS first (pulumi up --refresh): what is gone is created again,\n"
        "what was changed is put back, and each is said.",
        applied,
    )
    _tenants_option(up)
    up.add_argument(
        "--app-env",
        metavar="TENANT",
        help="emulator only: then print export lines acting as TENANT's first app principal "
        '(made if missing), for eval "$(qs-embed local up --app-env TENANT)"; the changes go '
        "to stderr",
    )
    up.add_argument(
        "--preview",
        action="store_true",
        help="show what up would change, old -> new (after refreshing the state from AWS), "
        "and change nothing",
    )
    destroy = _command(
        local,
        "destroy",
        "delete what local up created (retained users, profiles, namespaces are kept)",
        "Delete every resource in the state, dependents first; resources declared\n"
        "retain_on_delete (users, profiles, namespaces by default) are forgotten, not deleted.\n"
        "The state is refreshed first: what is already gone from AWS is said so, not deleted.",
        {
            **applied,
            2: "the state file is unusable or was applied for another account or endpoint "
            "(nothing touched)",
        },
    )
    for p in (up, destroy):
        p.add_argument(
            "--endpoint-url", type=_endpoint_url, metavar="URL", help="AWS endpoint (emulator)"
        )
        p.add_argument("--state", metavar="FILE", help="state file (default: .qs-embed/state.json)")
    up.set_defaults(handler=_lazy("qs_embed.local:cmd_local_up"))
    destroy.set_defaults(handler=_lazy("qs_embed.local:cmd_local_destroy"))


def _tenants_option(parser: argparse.ArgumentParser) -> None:
    """`--tenants DIR`, and `--shard K --shard-count N` to take one shard's tenants only."""
    parser.add_argument(
        "--tenants",
        default=DEFAULT_TENANTS_DIR,
        metavar="DIR",
        help="directory of tenant files (default: tenants)",
    )
    add_shard_options(parser)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except EmbedderError as e:
        code = ExitCode.BAD_INPUT if isinstance(e, ConfigError | BadInputError) else ExitCode.FAILED
        if getattr(args, "json", False):  # for scripts on stdout; for people on stderr too
            print(json.dumps({"error": _error_json(e, code)}, indent=2))
        if isinstance(e, ConfigError):
            for problem in e.problems:
                print(f"error: {problem}", file=sys.stderr)
            count = len(e.problems)
            print(f"{plural(count, 'problem')}; nothing was done", file=sys.stderr)
        else:
            print(f"error: {e}", file=sys.stderr)
        return code
    except ModuleNotFoundError as e:
        # Wherever a command imports an extra (at its start, or deep inside as the emulator
        # does), a missing one is the environment's, named with its install line.
        extra = EXTRA_OF_MODULE.get((e.name or "").split(".")[0])
        if extra is None:
            return _unexpected(e)
        print(
            f"qs-embed {args.command}: needs the '{extra}' extra: "
            f"pip install 'quicksight-embedding[{extra}]' ({e.name} is missing)",
            file=sys.stderr,
        )
        return ExitCode.FAILED  # the environment lacks a package: not the user's input
    except BrokenPipeError:
        # The reader went away (`qs-embed plan --json | head`): end quietly, and keep Python's
        # own flush at exit from failing on the closed pipe again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return ExitCode.FAILED
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return ExitCode.INTERRUPTED
    except Exception as e:
        return _unexpected(e)


def _unexpected(e: Exception) -> int:
    """Last resort: one line, redacted (an exception may quote a URL), and how to see more."""
    if os.environ.get(DEBUG_VARIABLE, "") not in ("", "0"):
        raise e
    kind = type(e).__qualname__
    if type(e).__module__ not in ("builtins", "__main__"):
        kind = f"{type(e).__module__}.{kind}"
    print(f"error: {kind}: {redact(str(e))}", file=sys.stderr)
    print(f"(this is a bug; run with {DEBUG_VARIABLE}=1 for the traceback)", file=sys.stderr)
    return ExitCode.FAILED


def _error_json(e: EmbedderError, code: int) -> dict[str, Any]:
    """An error as `--json` commands print it on stdout: its type, text and exit code, the
    problems of a tenant file, and AWS's request id and HTTP status when there are any."""
    fields: dict[str, Any] = {"type": type(e).__name__, "message": str(e), "exitCode": code}
    if isinstance(e, ConfigError):
        fields["problems"] = [
            {"file": p.source, "field": p.location, "message": p.message} for p in e.problems
        ]
    for name, key in (("request_id", "requestId"), ("http_status", "httpStatus")):
        if getattr(e, name, None) is not None:
            fields[key] = getattr(e, name)
    return fields


if __name__ == "__main__":
    sys.exit(main())
