"""The errors the tenant-file package raises, and the base of every error of the app package.

`EmbedderError` is the base of everything the app package (`tenant_file` and `embedder`) raises
on purpose; it lives here, at the bottom, so that a bad tenant file is an `EmbedderError` too
(`ConfigError`) without this package importing `embedder`. `embedder.errors` re-exports these
three: apps keep writing `from embedder.errors import ConfigError`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class EmbedderError(Exception):
    """Base class of every error the app package (`tenant_file`, `embedder`) raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input: where it is and what is allowed.

    Mostly a tenant file's; also the other inputs judged the same way (a git ref given to
    `--base`, a command-line flag, the stack's Pulumi config, the local engine's state file).
    """

    source: str
    """What the problem is in: a tenant file's path (or `<string>`), `--base REF`, `command
    line`, `Pulumi config`, a state file's path, a directory."""
    location: str
    """Where in it: a dotted field with list indexes (`users[2].role`), a flag (`--shard`), a
    line and column; `` for the source as a whole."""
    message: str

    def __str__(self) -> str:
        where = f"{self.source}: {self.location}" if self.location else self.source
        return f"{where}: {self.message}"


class ConfigError(EmbedderError):
    """Bad input, refused before anything is done: a tenant file or a directory of them, or
    another input judged the same way (`Problem.source` says which); `problems` lists each
    mistake. The CLI exits 2."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        if not problems:
            raise ValueError("ConfigError needs at least one problem")
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))
