"""`qs-embed local up` and `qs-embed local destroy`: the strict local engine from the CLI.

Credentials and endpoint come from the environment, as for `pulumi up` (`qs-embed local serve`
prints the variables that point them at the emulator); `--endpoint-url` overrides the endpoint.
One line per change (first what the refresh found gone or changed in AWS), then a summary;
`--preview` prints the changes, old -> new, and makes none. Exit 0 applied; 1 the apply failed
(which resource, why, what was already applied: the state records it) or AWS could not be
reached; 2 bad tenant files or a refusal before any change (nothing touched): a state applied
for another account, endpoint or shard, or the credentials of a tenant's app (left in the shell
by `--app-env`) instead of the admin's.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from collections.abc import Callable, Sequence
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


def _clients(args: argparse.Namespace) -> Clients:
    import boto3

    # The stack config a user writes for pulumi-aws on a local endpoint (aws:endpoints,
    # aws:region, the keys): the engine's pulumi-aws calls and the users' provider, run in the
    # Pulumi provider host, are both configured by it.
    endpoint = getattr(args, "endpoint_url", None) or os.environ.get("AWS_ENDPOINT_URL")
    return Clients.configured(stack_config_for(boto3.Session(), endpoint))


def _engine(
    args: argparse.Namespace, to_stderr: bool = False, clients: Clients | None = None
) -> LocalEngine:
    # A run that changes things holds the state's lock; a preview reads it and writes nothing.
    preview = bool(getattr(args, "preview", False))
    path = Path(args.state) if args.state else DEFAULT_STATE
    state = LocalState.load(path, preview=preview, hold=not preview)
    clients = clients or _clients(args)

    # The stream is looked up at each line: tests (and callers) may swap sys.stdout meanwhile.
    def out(line: str) -> None:
        print(line, file=sys.stderr if to_stderr else sys.stdout, flush=True)

    return LocalEngine(clients, state, out=out)


def cmd_local_up(args: argparse.Namespace) -> int:
    # Bad files stop here (ConfigError -> exit 2) before any AWS call.
    selection = shard_from_args(args)
    loaded = load_checked_tenants(args.tenants, selection)
    install_log_redaction()  # invitation URLs, role credentials: before the first AWS call
    sharded = selection.count > 1
    shard = {"shard": selection.shard, "shard_count": selection.count} if sharded else {}
    preview = bool(getattr(args, "preview", False))
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
        # Before any change: never apply to a real account on the way to app credentials. The
        # endpoints checked are the ones botocore gave the engine's own clients.
        # First the endpoints botocore resolves from the environment (no call made), as the
        # stack config's validation itself calls STS; then the configured clients' own.
        import boto3

        plain = Clients(boto3.Session(), getattr(args, "endpoint_url", None))
        used = _loopback_endpoints(plain, loaded)
        if used is None:
            return ExitCode.BAD_INPUT
        try:
            clients = _clients(args)
        except AwsConfigError as e:
            return _config_refused("up", e)
        used = _loopback_endpoints(clients, loaded)
        if used is None:
            return ExitCode.BAD_INPUT
        endpoint = used[("sts", None)]
        # stdout is for `eval "$(qs-embed local up --app-env T)"`: the changes go to stderr.
        engine = _engine(args, to_stderr=True, clients=clients)
        code = _run("up", engine, lambda: engine.up(loaded, preview=preview, **shard), True, loaded)
        if code == ExitCode.OK and not preview:
            return _print_app_env(tenants[app_tenant], endpoint)
        return code
    try:
        engine = _engine(args)
    except AwsConfigError as e:
        return _config_refused("up", e)
    return _run("up", engine, lambda: engine.up(loaded, preview=preview, **shard), loaded=loaded)


def _loopback_endpoints(
    clients: Clients, loaded: Sequence[tuple[Path, TenantConfig]]
) -> dict[tuple[str, str | None], str] | None:
    """The endpoints `clients` use for `loaded`; None (said on stderr) if one is not local."""
    from sandbox.principals import PrincipalError, require_loopback

    used = {(s, r): clients.endpoint(s, r) for s, r in used_endpoints(loaded)}
    for (service, _), url in used.items():
        try:
            require_loopback(url, "--app-env")
        except PrincipalError as e:
            print(f"error: {e} (the {service} client's endpoint is {url})", file=sys.stderr)
            return None
    return used


def used_endpoints(loaded: Sequence[tuple[Path, TenantConfig]]) -> list[tuple[str, str | None]]:
    """Every (service, region) the engine's clients reach for `loaded`: STS and IAM (global,
    the session's region) and QuickSight in each tenant's region."""
    regions = sorted({t.region for _, t in loaded})
    return [("sts", None), ("iam", None), *(("quicksight", r) for r in regions)]


def app_credentials_problem(
    engine: LocalEngine, loaded: Sequence[tuple[Path, TenantConfig]]
) -> str | None:
    """Why the environment's credentials are a tenant's app's (left by `--app-env`), not the
    admin's `local up` needs; None when they are not."""
    caller = str(engine.caller()["Arn"])
    kind, _, rest = caller.partition(":assumed-role/")
    if not rest:
        return None
    role = rest.split("/", 1)[0]
    for _, tenant in loaded:
        for principal in tenant.embedding.app_principals:
            if principal.rsplit("/", 1)[-1] == role and principal.startswith(
                kind.replace(":sts:", ":iam:")
            ):
                return (
                    f"the shell holds the credentials of {tenant.tenant}'s app ({principal}), "
                    f'put there by eval "$(qs-embed local up --app-env {tenant.tenant})"; '
                    "local up needs the admin's: run the export lines `qs-embed local serve` "
                    "printed again (or open a new shell), then run this again"
                )
    return None


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
    loaded: Sequence[tuple[Path, TenantConfig]] | None = None,
) -> int:
    try:
        return _run_locked(command, engine, action, to_stderr, loaded)
    finally:
        engine.state.release()  # a refused run saved nothing: its lock ends with the command


def _run_locked(
    command: str,
    engine: LocalEngine,
    action: Callable[[], EngineResult],
    to_stderr: bool,
    loaded: Sequence[tuple[Path, TenantConfig]] | None,
) -> int:
    where = engine.state.path
    try:
        if loaded is not None:
            problem = app_credentials_problem(engine, loaded)
            if problem is not None:
                print(f"error: {problem}", file=sys.stderr)
                return ExitCode.BAD_INPUT
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
