"""The exit codes of every `qs-embed` command (README: Command line)."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    """Done: valid, applied, printed, nothing refused."""
    FAILED = 1
    """AWS or the runtime failed (AWS refused or could not be reached, an apply failed, the
    emulator died), an extra is missing, or a bug."""
    BAD_INPUT = 2
    """Bad input: an invalid tenant file or argument, or an edit refused before any change."""
    DRIFT = 3
    """`drift`: the account differs from the tenant files (the findings are printed)."""
    INTERRUPTED = 130
    """Ctrl-C (128 + SIGINT), as shells report it."""
