"""`qs-embed local serve`: run the emulator in the foreground until Ctrl-C (the 'local' extra
only: nothing of the Pulumi side)."""

from __future__ import annotations

import argparse
import shlex
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qs_embed.exit_codes import ExitCode

if TYPE_CHECKING:
    from sandbox.emulator import Emulator


def _interrupt(signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt


def _say_where_embeds_are(emulator: Emulator, certificate_file: str | None) -> None:
    """Where embed URLs are issued and, on https, how a browser comes to trust the listener."""
    pem = emulator.embed_certificate
    if pem is None:
        print(
            f"Embed URLs: plain http on {emulator.embed_origin} (the embedding SDK refuses them)."
        )
        return
    print(f"Embed URLs: {emulator.embed_origin} (https, as on QuickSight: the SDK embeds them).")
    if certificate_file:
        path = Path(certificate_file)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(pem)
        print(f"  Its self-signed certificate (valid one day): {path}")
    print(
        f"  Trust it in the browser that frames it: open {emulator.embed_origin}/_sandbox/health "
        "once and accept the warning, or import the certificate as a trusted authority."
    )


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
            https_embeds=bool(getattr(args, "https_embeds", True)),
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
        _say_where_embeds_are(emulator, getattr(args, "embed_certificate", None))
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
