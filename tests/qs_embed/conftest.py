"""The `repo` fixture: a git repository of tenant files (tests.repos)."""

from tests.repos import repo

__all__ = ["repo"]
