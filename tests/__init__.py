"""The test suite. `ROOT`: the repository's top directory, for the tests that read its files;
`PACKAGES`: the project's packages."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PACKAGES = (
    "tenant_file",
    "embedder",
    "policies",
    "infra",
    "local_engine",
    "review",
    "sandbox",
    "qs_embed",
)
"""The project's packages, bottom layer first (pyproject.toml's import-linter contracts)."""
