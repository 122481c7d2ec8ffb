"""The platform file as a git ref holds it: what the review of a pull request may trust.

`qs-embed check --base REF` reviews the changes since REF. The platform file
(`tenant_file.platform_settings`) approves what tenant files may not do alone (adopting an ADMIN,
a user of `default`, an existing profile), so it is read at REF: a pull request that edits
tenant files and adds its own approval to the platform file is judged by the approvals that
were already merged. Changing the platform file is a pull request of its own, reviewed by its
owners (CODEOWNERS), before any tenant edit relies on it.
"""

from __future__ import annotations

from pathlib import Path

from review.git import GitError, base_repository, run_git
from tenant_file.adoption import AdoptionAllowList, adoption_allow_list
from tenant_file.errors import ConfigError, Problem
from tenant_file.loader import MAX_FILE_BYTES
from tenant_file.platform_settings import (
    PLATFORM_FILE,
    PlatformSettings,
    parse_platform_settings,
)

REGULAR_FILE_MODES = frozenset({"100644", "100755"})
"""Git's modes of a plain file; 120000 is a symbolic link, 160000 a submodule."""


def platform_settings_at(tenants_dir: Path, ref: str) -> PlatformSettings:
    """The platform file beside `tenants_dir` as it is at `ref` (no sections when it did not
    exist there), with the guards of a file on disk: a plain file of at most MAX_FILE_BYTES."""
    top, rel = base_repository(tenants_dir, ref)
    parent = Path(rel).parent.as_posix() if rel else ".."
    if parent == "..":
        # The tenants directory is the repository's top: its platform file is outside git.
        return {}
    path = PLATFORM_FILE if parent == "." else f"{parent}/{PLATFORM_FILE}"
    source = f"{ref}:{path}"
    listing = run_git(top, "ls-tree", "-l", "-z", ref, "--", path).decode()
    entry = next((record for record in listing.split("\0") if record), None)
    if entry is None:
        return {}
    meta, _ = entry.split("\t", 1)
    mode, kind, blob, size = meta.split()
    if kind != "blob" or mode not in REGULAR_FILE_MODES:
        raise ConfigError(
            [Problem(source, "", f"is not a plain file at {ref} (git mode {mode}, {kind})")]
        )
    if int(size) > MAX_FILE_BYTES:
        raise ConfigError([Problem(source, "", f"is larger than {MAX_FILE_BYTES} bytes")])
    try:
        text = run_git(top, "cat-file", "blob", blob).decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError([Problem(source, "", "is not UTF-8 text")]) from None
    except GitError as e:
        raise ConfigError([Problem(source, "", f"cannot be read: {e}")]) from e
    return parse_platform_settings(text, source)


def adoption_at(tenants_dir: Path, ref: str) -> AdoptionAllowList:
    """The adoption allow-list a review of the changes since `ref` trusts: the one at `ref`."""
    path = f"{ref}:{PLATFORM_FILE}"
    return adoption_allow_list(platform_settings_at(tenants_dir, ref), path)
