"""`platform.yaml`: what the platform team decides for every tenant, outside the tenant files.

One file at the repository root, beside the tenants directory, owned by the platform team
(CODEOWNERS) and never edited by a tenant change. Each top-level key is a section read by the
part it concerns:

    adoption:   # tenant_file.adoption: what tenant files may take over that they do not own
    quotas:     # AWS quotas the platform raised (reserved for the quota checks)

The file is read with the tenant files' guards (a regular file of at most 1 MB, safe YAML
without duplicate keys or alias bombs): `read_platform_settings`. A review of a pull request
(`qs-embed check --base REF`) reads it at REF, not from the working tree, so an edit that adds
to it in the same pull request cannot approve itself (`review.platform_base`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tenant_file.errors import ConfigError, Problem
from tenant_file.loader import load_yaml, read_tenant_text

PLATFORM_FILE = "platform.yaml"
SECTIONS = ("adoption", "quotas")
"""The top-level keys of the platform file; anything else is a typo, refused."""
PlatformSettings = Mapping[str, Any]


def platform_file_for(tenants_dir: str | Path) -> Path:
    """Where the platform file of a tenants directory is: beside it (the repository root for
    the default `tenants/`)."""
    return Path(tenants_dir).parent / PLATFORM_FILE


def read_platform_settings(path: str | Path) -> PlatformSettings:
    """The sections of the platform file at `path`; none when there is no file there."""
    path = Path(path)
    if not path.exists() and not path.is_symlink():
        return {}
    return parse_platform_settings(read_tenant_text(path), str(path))


def parse_platform_settings(text: str, source: str) -> PlatformSettings:
    """The sections of a platform file's text; ConfigError naming the file and the key."""
    data = load_yaml(text, source)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(
            [Problem(source, "", f"must be a mapping of sections ({', '.join(SECTIONS)})")]
        )
    unknown = [str(k) for k in data if k not in SECTIONS]
    if unknown:
        raise ConfigError(
            [
                Problem(source, key, f"unknown section; allowed: {', '.join(SECTIONS)}")
                for key in unknown
            ]
        )
    return data
