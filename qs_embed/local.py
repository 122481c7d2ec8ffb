"""`qs-embed local up` and `qs-embed local destroy`: the strict local engine from the CLI.

Credentials and endpoint come from the environment, as for `pulumi up` (`qs-embed local serve`
prints the variables that point them at the emulator); `--endpoint-url` overrides the endpoint.
One line per change, then a summary. Exit 0 applied; 1 the apply failed (which resource, why,
what was already applied: the state records it) or AWS could not be reached; 2 bad tenant
files or a refusal before any change (nothing touched).
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from collections.abc import Callable
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError

from embedder.redaction import install_log_redaction, redact
from infra.aws_config import AwsConfigError, CredentialsValidationError, stack_config_for
from infra.program import load_checked_tenants
from local_engine.engine import ApplyFailed, EngineResult, LocalEngine
from local_engine.engine_resources import Clients
from local_engine.provider_host import ProviderHostError
from local_engine.state import DEFAULT_STATE, LocalState
from qs_embed.exit_codes import ExitCode
from qs_embed.shards import shard_from_args
from tenant_file.config import TenantConfig


def _config_refused(command: str, error: AwsConfigError) -> int:
    """One line and the exit code: AWS not reached or refusing the keys (1), else the
    configuration itself (2)."""
    print(f"error: the AWS configuration: {redact(str(error))}", file=sys.stderr)
    print(f"local {command}: nothing was changed", file=sys.stderr)
    if isinstance(error, CredentialsValidationError):
        return ExitCode.FAILED
    return ExitCode.BAD_INPUT


def _engine(args: argparse.Namespace, to_stderr: bool = False) -> LocalEngine:
    import boto3

    state = LocalState.load(Path(args.state) if args.state else DEFAULT_STATE)
    # The stack config a user writes for pulumi-aws on a local endpoint (aws:endpoints,
    # aws:region, the keys): the engine's pulumi-aws calls and the users' provider, run in the
    # Pulumi provider host, are both configured by it.
    endpoint = getattr(args, "endpoint_url", None) or os.environ.get("AWS_ENDPOINT_URL")
    clients = Clients.configured(stack_config_for(boto3.Session(), endpoint))

    # The stream is looked up at each line: tests (and callers) may swap sys.stdout meanwhile.
    def out(line: str) -> None:
        print(line, file=sys.stderr if to_stderr else sys.stdout, flush=True)

    return LocalEngine(clients, state, out=out)


def cmd_local_up(args: argparse.Namespace) -> int:
    # Bad files stop here (ConfigError -> exit 2) before any AWS call.
    loaded = load_checked_tenants(args.tenants, shard_from_args(args))
    install_log_redaction()  # invitation URLs, role credentials: before the first AWS call
    app_tenant = getattr(args, "app_env", None)
    if app_tenant is not None:
        tenants = {t.tenant: t for _, t in loaded}
        if app_tenant not in tenants:
            print(
                f"error: --app-env: no tenant {app_tenant!r} in {args.tenants}; "
                f"known: {', '.join(sorted(tenants))}",
                file=sys.stderr,
            )
            return ExitCode.BAD_INPUT
        from sandbox.principals import PrincipalError, require_loopback

        try:  # before any change: never apply to a real account on the way to app credentials
            endpoint = require_loopback(
                args.endpoint_url or os.environ.get("AWS_ENDPOINT_URL"), "--app-env"
            )
        except PrincipalError as e:
            print(f"error: {e}", file=sys.stderr)
            return ExitCode.BAD_INPUT
        # stdout is for `eval "$(qs-embed local up --app-env T)"`: the changes go to stderr.
        try:
            engine = _engine(args, to_stderr=True)
        except AwsConfigError as e:
            return _config_refused("up", e)
        code = _run("up", engine, lambda: engine.up(loaded), to_stderr=True)
        if code == ExitCode.OK:
            return _print_app_env(tenants[app_tenant], endpoint)
        return code
    try:
        engine = _engine(args)
    except AwsConfigError as e:
        return _config_refused("up", e)
    return _run("up", engine, lambda: engine.up(loaded))


def _print_app_env(tenant: TenantConfig, endpoint: str) -> int:
    """Export lines acting as `tenant`'s first app principal in the emulator (made if missing),
    as the tenant's app would run: `qs-embed url` then mints as that app."""
    import boto3

    from sandbox.principals import PrincipalError, app_principal_session

    principal = tenant.embedding.app_principals[0]
    try:
        app = app_principal_session(boto3.Session(), principal, endpoint)
    except PrincipalError as e:
        print(f"error: {e}", file=sys.stderr)
        return ExitCode.BAD_INPUT
    credentials = app.get_credentials()
    assert credentials is not None  # a role session always has them
    frozen = credentials.get_frozen_credentials()
    expiry = getattr(credentials, "_expiry_time", None)
    print(
        f"# {tenant.tenant}'s app, {principal}"
        + (f", until {expiry:%H:%M:%S %Z}" if expiry else ""),
        file=sys.stderr,
    )
    exports: dict[str, str] = {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": frozen.access_key or "",
        "AWS_SECRET_ACCESS_KEY": frozen.secret_key or "",
        "AWS_SESSION_TOKEN": frozen.token or "",
    }
    for name, value in exports.items():
        print(f"export {name}={shlex.quote(value)}")
    return ExitCode.OK


def cmd_local_destroy(args: argparse.Namespace) -> int:
    install_log_redaction()
    try:
        engine = _engine(args)
    except AwsConfigError as e:
        return _config_refused("destroy", e)
    return _run("destroy", engine, engine.destroy)


def _run(
    command: str,
    engine: LocalEngine,
    action: Callable[[], EngineResult],
    to_stderr: bool = False,
) -> int:
    where = engine.state.path
    try:
        result = action()
    except AwsConfigError as e:
        return _config_refused(command, e)
    except ProviderHostError as e:
        print(f"error: the users' provider: {redact(str(e))}", file=sys.stderr)
        print(f"local {command}: nothing was changed", file=sys.stderr)
        # Configured from the same aws: settings: a refusal there is a bad config, as here.
        bad_config = e.exception_type == AwsConfigError.__name__
        return ExitCode.BAD_INPUT if bad_config else ExitCode.FAILED
    except ApplyFailed as e:
        print(f"error: {redact(str(e))}", file=sys.stderr)
        applied = len(e.applied)
        print(
            f"local {command} failed after {applied} change{'s' if applied != 1 else ''} "
            f"(listed above); the state {where} records them: fix the cause and run "
            f"qs-embed local {command} again",
            file=sys.stderr,
        )
        return ExitCode.FAILED
    except (BotoCoreError, ClientError) as e:
        print(f"error: AWS could not be asked: {redact(str(e))}", file=sys.stderr)
        print(f"local {command}: nothing was changed", file=sys.stderr)
        return ExitCode.FAILED
    finally:
        engine.close()
    summary = f"local {command}: {result.summary()}; state: {where}"
    print(summary, file=sys.stderr if to_stderr else sys.stdout)
    return ExitCode.OK
