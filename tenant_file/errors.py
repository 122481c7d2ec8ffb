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
    """Base class of every error this package raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a tenant file: where it is and what is allowed."""

    source: str
    """The file (or `<string>`) the problem is in."""
    location: str
    """Dotted path of the field, with list indexes (`users[2].role`), or `` for the file."""
    message: str

    def __str__(self) -> str:
        where = f"{self.source}: {self.location}" if self.location else self.source
        return f"{where}: {self.message}"


class ConfigError(EmbedderError):
    """A tenant file (or a directory of them) is not valid; `problems` lists each mistake."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        if not problems:
            raise ValueError("ConfigError needs at least one problem")
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))
