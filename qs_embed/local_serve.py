"""`qs-embed local serve`: run the emulator in the foreground until Ctrl-C (the 'local' extra
only: nothing of the Pulumi side)."""

from __future__ import annotations

import argparse
import shlex
import signal
import sys
from typing import Any

from qs_embed.exit_codes import ExitCode


def _interrupt(signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt


def cmd_local_serve(args: argparse.Namespace) -> int:
    """``args.port``: TCP port on 127.0.0.1, or None for a free one. Returns the exit code."""
    from sandbox.emulator import Emulator, EmulatorError  # the 'local' extra
    from sandbox.quotas import DEFAULTS

    try:
        raised = DEFAULTS.raised(getattr(args, "quota", None) or [])
    except ValueError as e:
        print(f"qs-embed local serve: --quota {e}", file=sys.stderr)
        return ExitCode.BAD_INPUT
    try:
        emulator = Emulator(
            port=args.port,
            verbose=bool(getattr(args, "verbose", False)),
            quotas=raised.as_dict(),
        ).start()
    except EmulatorError as e:
        print(f"qs-embed local serve: {e}", file=sys.stderr)
        return ExitCode.FAILED
    # A service manager stops with SIGTERM: stop the emulator as cleanly as after Ctrl-C. SIGINT
    # is set too: a shell starting us in the background without job control ignores it, and
    # Python then never turns Ctrl-C into KeyboardInterrupt.
    previous = {sig: signal.signal(sig, _interrupt) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        print(
            f"QuickSight embedding emulator on {emulator.endpoint_url} "
            f"(account {emulator.account_id}, region {emulator.region}), IAM enforced."
        )
        if raised != DEFAULTS:
            shown = ", ".join(f"{k}={v}" for k, v in raised.as_dict().items())
            print(f"Quotas (AWS's defaults raised): {shown}.")
        print("Point AWS SDKs and CLIs at it as the platform admin with:")
        for name, value in emulator.env().items():
            print(f"  export {name}={shlex.quote(value)}")
        print("Press Ctrl-C to stop.", flush=True)
        code = emulator.wait()
        print(f"qs-embed local serve: the emulator exited unexpectedly ({code})", file=sys.stderr)
        return ExitCode.FAILED
    except KeyboardInterrupt:
        return ExitCode.OK
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        emulator.stop()
        print("Emulator stopped.", file=sys.stderr)
