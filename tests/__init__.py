"""The test suite. `ROOT`: the repository's top directory, for the tests that read its files."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
