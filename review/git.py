"""The git side of the review: a base ref's tenant files, read in one batch.

Every git call of the review is here. A base is read with one `git ls-tree` (names, modes,
sizes and blob ids of the tenant files directly in the tenants directory) and one `git
cat-file --batch` (the contents of the blobs asked for), however many tenants there are. A
committed link is not followed and a blob larger than a tenant file may be is not read: the
same guards as the reader of the working tree (`tenant_file.loader.read_tenant_bytes`).
"""

from __future__ import annotations

import hashlib
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from tenant_file.errors import ConfigError, Problem
from tenant_file.loader import MAX_FILE_BYTES, TENANT_SUFFIXES

_BLOB_MODES = frozenset({"100644", "100755"})
"""A regular file in a git tree (`120000` is a link, `160000` a submodule)."""


class GitError(Exception):
    """A git command failed; the message is its stderr."""


def run_git(cwd: Path, *args: str, stdin: bytes | None = None) -> bytes:
    """Run a fixed git subcommand in `cwd`; its stdout, or GitError with its stderr."""
    done = subprocess.run(  # noqa: S603 - fixed git subcommands, no shell
        ["git", *args],  # noqa: S607 - git from PATH, as in any CI job
        cwd=cwd,
        input=stdin,
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip()
        raise GitError(message or f"git {' '.join(args)} failed")
    return done.stdout


def _git(cwd: Path, *args: str) -> str:
    return run_git(cwd, *args).decode()


def base_repository(tenants_dir: Path, ref: str) -> tuple[Path, str]:
    """The work tree's top and `tenants_dir` relative to it ("" for the top); `ref` must be a
    commit of the repository (ConfigError naming --base otherwise)."""
    where = f"--base {ref}"
    try:
        top = Path(_git(tenants_dir, "rev-parse", "--show-toplevel").strip())
        _git(top, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    except GitError as e:
        raise ConfigError([Problem(where, "", f"is not a commit of the repository: {e}")]) from e
    except OSError as e:
        raise ConfigError([Problem(where, "", f"git cannot run: {e.strerror}")]) from e
    rel = tenants_dir.resolve().relative_to(top.resolve()).as_posix()
    return top, "" if rel == "." else rel


def git_blob_hash(data: bytes) -> str:
    """The id git gives a file's content (`git hash-object`)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


@dataclass(frozen=True)
class BaseFile:
    """A tenant file of the base ref: its path in the repository and its blob."""

    path: str
    blob: str
    problem: str | None = None
    """Why its content is not read (a link, a submodule, larger than a tenant file)."""


@dataclass(frozen=True)
class BaseTree:
    """The tenant files of `tenants_dir` at `ref`, by stem; read with `texts`."""

    top: Path
    ref: str
    files: dict[str, BaseFile]

    def texts(self, stems: Iterable[str]) -> dict[str, str]:
        """The text of each readable file of `stems`, read in one `git cat-file --batch`."""
        wanted = [self.files[s] for s in stems if s in self.files]
        blobs = _cat_blobs(self.top, [f.blob for f in wanted if f.problem is None])
        return {s: blobs[f.blob] for s in stems if (f := self.files.get(s)) and f.blob in blobs}


def base_tree(tenants_dir: Path, ref: str) -> BaseTree:
    """The tenant files directly in `tenants_dir` at `ref` (one `git ls-tree`)."""
    top, rel = base_repository(tenants_dir, ref)
    prefix = f"{rel}/" if rel else ""
    listing = run_git(top, "ls-tree", "-l", "-z", ref, "--", prefix or ".")
    found: dict[str, BaseFile] = {}
    for record in listing.decode().split("\0"):
        if not record:
            continue
        meta, path = record.split("\t", 1)
        mode, _, blob, size = meta.split()
        name = path.removeprefix(prefix)
        if "/" in name or not name.endswith(TENANT_SUFFIXES):
            continue
        problem = None
        if mode not in _BLOB_MODES:
            problem = "is a link or a submodule, not a regular file"
        elif int(size) > MAX_FILE_BYTES:
            problem = f"is larger than {MAX_FILE_BYTES} bytes; tenant files are smaller"
        found[Path(name).stem] = BaseFile(path, blob, problem)
    return BaseTree(top, ref, found)


def _cat_blobs(top: Path, blobs: Iterable[str]) -> dict[str, str]:
    """The text of each blob, read in one `git cat-file --batch`."""
    wanted = list(dict.fromkeys(blobs))
    if not wanted:
        return {}
    out = run_git(top, "cat-file", "--batch", stdin="".join(f"{b}\n" for b in wanted).encode())
    texts: dict[str, str] = {}
    at = 0
    for blob in wanted:
        header_end = out.index(b"\n", at)
        _, _, size = out[at:header_end].decode().split()
        start = header_end + 1
        texts[blob] = out[start : start + int(size)].decode("utf-8", errors="replace")
        at = start + int(size) + 1  # the content is followed by a newline
    return texts
