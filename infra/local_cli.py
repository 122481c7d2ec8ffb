"""`qs-embed local up` and `qs-embed local destroy`: the strict local engine from the CLI.

Credentials and endpoint come from the environment, as for `pulumi up` (`qs-embed local serve`
prints the variables that point them at the emulator); `--endpoint-url` overrides the endpoint.
One line per change, then a summary. Exit 0 applied; 1 the apply failed (which resource, why,
what was already applied: the state records it) or AWS could not be reached; 2 bad tenant
files or a refusal before any change (nothing touched).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError

from embedder.redaction import redact
from infra.engine import ApplyFailed, EngineResult, LocalEngine
from infra.engine_resources import Clients
from infra.program import load_checked_tenants
from infra.state import DEFAULT_STATE, LocalState

EXIT_OK, EXIT_FAILED = 0, 1


def _engine(args: argparse.Namespace) -> LocalEngine:
    import boto3

    state = LocalState.load(Path(args.state) if args.state else DEFAULT_STATE)
    clients = Clients(boto3.Session(), getattr(args, "endpoint_url", None))
    return LocalEngine(clients, state, out=lambda line: print(line, flush=True))


def cmd_local_up(args: argparse.Namespace) -> int:
    # Bad files stop here (ConfigError -> exit 2) before any AWS call.
    loaded = load_checked_tenants(args.tenants)
    engine = _engine(args)
    return _run("up", engine, lambda: engine.up(loaded))


def cmd_local_destroy(args: argparse.Namespace) -> int:
    engine = _engine(args)
    return _run("destroy", engine, engine.destroy)


def _run(command: str, engine: LocalEngine, action: Callable[[], EngineResult]) -> int:
    where = engine.state.path
    try:
        result = action()
    except ApplyFailed as e:
        print(f"error: {redact(str(e))}", file=sys.stderr)
        applied = len(e.applied)
        print(
            f"local {command} failed after {applied} change{'s' if applied != 1 else ''} "
            f"(listed above); the state {where} records them: fix the cause and run "
            f"qs-embed local {command} again",
            file=sys.stderr,
        )
        return EXIT_FAILED
    except (BotoCoreError, ClientError) as e:
        print(f"error: AWS could not be asked: {redact(str(e))}", file=sys.stderr)
        print(f"local {command}: nothing was changed", file=sys.stderr)
        return EXIT_FAILED
    print(f"local {command}: {result.summary()}; state: {where}")
    return EXIT_OK
