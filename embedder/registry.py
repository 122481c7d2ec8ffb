"""`TenantRegistry`: the Embedders of a directory of tenant files, for apps serving many tenants.

    from embedder import TenantRegistry
    registry = TenantRegistry.from_dir("tenants/", refresh_seconds=30)
    url = registry.session_embed_url("acme", "alice")

The registry keeps each valid tenant file's config and makes the tenant's `Embedder` on first
use (one per tenant, thread-safe). It notices edited, added and removed files without a
restart: at most every `refresh_seconds` a call looks at the directory (one `stat` per file:
modification time, size and inode), and `refresh()` looks at once. A file that changed is
read again:

- a valid edit replaces the tenant's config and Embedder in one step: a call sees the old
  or the new one, never a mix (calls already running finish with the old one);
- an invalid edit (or one that clashes with another tenant's names, as `qs-embed validate`
  checks a directory) keeps the tenant's last good config; it is logged once and listed in
  `problems` until the file is fixed;
- a removed file removes its tenant: asking for it raises `UnknownTenantError`.

A new file that is invalid from the start serves no tenant and is listed in `problems`.

Memory stays bounded by the tenant files: per tenant its config and, once used, an Embedder
holding role credentials (a few kilobytes). AWS clients, the expensive part, are shared: every
Embedder uses the one `ClientPool` (the process's, unless `client_pool=` is given) and, unless
a per-tenant session is given, one STS client per region.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Unpack, cast

import botocore.session

from embedder.audit import refuse_unknown_tenant
from embedder.aws_errors import CLIENT_SETUP_FAILURE, sdk_error
from embedder.clients import client_config, default_session, make_sts_client
from embedder.embedder import Embedder
from embedder.errors import ConfigError, Problem, UnknownTenantError
from embedder.minting import ANONYMOUS_API, REGISTERED_API
from embedder.role_access import EmbedderOptions
from tenant_file.config import TenantConfig
from tenant_file.loader import TENANT_SUFFIXES, load_tenant, tenant_set_problems

if TYPE_CHECKING:
    from collections.abc import Sequence

    import boto3
    from mypy_boto3_sts import STSClient

    from embedder.result import EmbedUrl

logger = logging.getLogger(__name__)

DEFAULT_REFRESH_SECONDS = 30.0

FileKey = tuple[int, int, int]
"""What says a file changed: (st_mtime_ns, st_size, st_ino). An editor that writes a new file
and renames it over the old changes the inode even within the same mtime tick."""
RACY_NS = 2_000_000_000
"""A file modified this close to a look may be rewritten within the same timestamp tick
(filesystems stamp coarsely; network ones to the second) with the same size: such a file is
read again at the next look, until its stamp is older than this (git's "racy" files)."""

SessionFor = Callable[[TenantConfig], "boto3.Session | botocore.session.Session | None"]


class _Tenant:
    """A tenant being served: its file, the config read from it, and its Embedder once used."""

    __slots__ = ("config", "embedder", "key", "path")

    def __init__(self, path: Path, key: FileKey, config: TenantConfig) -> None:
        self.path = path
        self.key = key
        self.config = config
        self.embedder: Embedder | None = None


@dataclass(frozen=True)
class _RefusedFile:
    """A file whose current content is not served: why, and whether only another file's
    names stood in its way (then it is tried again when the other files change)."""

    key: FileKey
    problems: tuple[Problem, ...]
    clash_only: bool


class TenantRegistry:
    """The tenants of one directory of tenant files, each with its Embedder made on first use.

    tenants_dir: the directory of `<tenant>.yaml` files (not searched recursively).
    refresh_seconds: how old the registry's view of the directory may get before a call looks
        again (0: every call looks); `refresh()` looks at once.
    timer: monotonic seconds (default `time.monotonic`), injected by tests.
    session_for: the AWS session the app acts as for a tenant (one of the tenant's
        `app_principals`), when one process serves tenants with different principals;
        default: the `session` option (else the process's credentials) for every tenant.
    options: as for `Embedder` (`embedder.role_access.EmbedderOptions`), the same for every
        tenant: session, boto_config, clock, client_pool, endpoint_url, ...
    """

    def __init__(
        self,
        tenants_dir: str | Path,
        *,
        refresh_seconds: float = DEFAULT_REFRESH_SECONDS,
        timer: Callable[[], float] | None = None,
        session_for: SessionFor | None = None,
        **options: Unpack[EmbedderOptions],
    ) -> None:
        if refresh_seconds < 0:
            raise ValueError(f"refresh_seconds must be 0 or more, got {refresh_seconds}")
        if "client" in options:
            raise ValueError(
                "client= is one tenant's QuickSight client; a registry serves many tenants: "
                "pass client_factory= instead"
            )
        self._dir = Path(tenants_dir)
        self._refresh_seconds = refresh_seconds
        self._timer = timer or time.monotonic
        self._session_for = session_for
        self._options = options
        self._tenants: dict[str, _Tenant] = {}
        self._files: dict[Path, str] = {}
        """Each served file -> its tenant."""
        self._refused: dict[Path, _RefusedFile] = {}
        self._racy: set[Path] = set()
        self._problems: tuple[Problem, ...] = ()
        self._scan_lock = threading.Lock()
        self._build_lock = threading.Lock()
        self._sts_clients: dict[str, STSClient] = {}
        self._last_scan = float("-inf")
        self._seen: dict[str, FileKey] | None = None
        """Every tenant file's name at the last look, with its key (None before the first)."""
        self.refresh()

    @classmethod
    def from_dir(
        cls,
        path: str | Path,
        refresh_seconds: float = DEFAULT_REFRESH_SECONDS,
        **options: Unpack[EmbedderOptions],
    ) -> TenantRegistry:
        """The registry of the tenant files in `path` (ConfigError if it cannot be read)."""
        return cls(path, refresh_seconds=refresh_seconds, **options)

    # --- What apps call -----------------------------------------------------------------------

    def embedder(self, tenant: str) -> Embedder:
        """The tenant's Embedder (made on first use, then the same one until its file changes).

        Raises `UnknownTenantError` for a tenant with no valid file in the directory.
        """
        self._refresh_if_due()
        entry = self._entry(tenant)
        found = entry.embedder
        if found is None:
            with self._build_lock:
                found = entry.embedder
                if found is None:
                    found = entry.embedder = Embedder(entry.config, **self._options_for(entry))
        return found

    def session_embed_url(
        self,
        tenant: str,
        user: str,
        *,
        entry_point: str | None = None,
        lifetime_minutes: int | None = None,
    ) -> EmbedUrl:
        """`Embedder.session_embed_url` for a user of `tenant`."""
        return self._minting(tenant, user, "GetSessionEmbedUrl", "console").session_embed_url(
            user, entry_point=entry_point, lifetime_minutes=lifetime_minutes
        )

    def generate_console_url(
        self,
        tenant: str,
        user: str,
        *,
        initial_path: str | None = None,
        allowed_domains: Sequence[str] | None = None,
        lifetime_minutes: int | None = None,
    ) -> EmbedUrl:
        """`Embedder.generate_console_url` for a user of `tenant`."""
        return self._registered(tenant, user, "console").generate_console_url(
            user,
            initial_path=initial_path,
            allowed_domains=allowed_domains,
            lifetime_minutes=lifetime_minutes,
        )

    def _registered(self, tenant: str, user: str, experience: str) -> Embedder:
        """`_minting` for a registered user's GenerateEmbedUrlForRegisteredUser."""
        return self._minting(tenant, user, REGISTERED_API, experience)

    def _anonymous(self, tenant: str, experience: str) -> Embedder:
        """`_minting` for an anonymous reader's GenerateEmbedUrlForAnonymousUser."""
        return self._minting(tenant, None, ANONYMOUS_API, experience)

    def _minting(self, tenant: str, user: str | None, api: str, experience: str) -> Embedder:
        """`embedder(tenant)` for a mint: a tenant with no valid file is an audited refusal
        (the Embedder audits every other outcome). New mint APIs call it the same way."""
        try:
            return self.embedder(tenant)
        except UnknownTenantError:
            refuse_unknown_tenant(
                tenant, user, api=api, experience=experience, callback=self._options.get("audit")
            )
            raise

    # The experiences beyond the console: each the tenant's `Embedder` method of that name
    # (keyword options as there), so a refusal is the same typed error.

    def dashboard_embed_url(
        self, tenant: str, user: str, dashboard_id: str, **options: Any
    ) -> EmbedUrl:
        """`Embedder.dashboard_embed_url` for a user of `tenant`."""
        minting = self._registered(tenant, user, "dashboard")
        return minting.dashboard_embed_url(user, dashboard_id, **options)

    def visual_embed_url(
        self, tenant: str, user: str, dashboard_id: str, **options: Any
    ) -> EmbedUrl:
        """`Embedder.visual_embed_url` (sheet_id=, visual_id=) for a user of `tenant`."""
        minting = self._registered(tenant, user, "visual")
        return minting.visual_embed_url(user, dashboard_id, **options)

    def q_embed_url(self, tenant: str, user: str, **options: Any) -> EmbedUrl:
        """`Embedder.q_embed_url` for a user of `tenant`."""
        return self._registered(tenant, user, "q").q_embed_url(user, **options)

    def anonymous_dashboard_url(self, tenant: str, dashboard_id: str, **options: Any) -> EmbedUrl:
        """`Embedder.anonymous_dashboard_url` for an anonymous reader of `tenant`."""
        return self._anonymous(tenant, "dashboard").anonymous_dashboard_url(dashboard_id, **options)

    def anonymous_visual_url(self, tenant: str, dashboard_id: str, **options: Any) -> EmbedUrl:
        """`Embedder.anonymous_visual_url` for an anonymous reader of `tenant`."""
        return self._anonymous(tenant, "visual").anonymous_visual_url(dashboard_id, **options)

    def anonymous_q_url(self, tenant: str, topic_id: str, **options: Any) -> EmbedUrl:
        """`Embedder.anonymous_q_url` for an anonymous reader of `tenant`."""
        return self._anonymous(tenant, "q").anonymous_q_url(topic_id, **options)

    def config(self, tenant: str) -> TenantConfig:
        """The tenant's current config (UnknownTenantError if it has no valid file)."""
        self._refresh_if_due()
        return self._entry(tenant).config

    @property
    def tenants(self) -> list[str]:
        """The tenants served now, sorted."""
        self._refresh_if_due()
        return sorted(self._tenants)

    @property
    def problems(self) -> tuple[Problem, ...]:
        """Why files of the directory are not served as they are now (empty when all are).

        A tenant whose edit is listed here is still served with its last good config.
        """
        return self._problems

    def __contains__(self, tenant: object) -> bool:
        return isinstance(tenant, str) and tenant in self._tenants

    def __len__(self) -> int:
        return len(self._tenants)

    def __repr__(self) -> str:
        return (
            f"TenantRegistry({str(self._dir)!r}, tenants={len(self._tenants)}, "
            f"problems={len(self._problems)})"
        )

    # --- Keeping up with the directory --------------------------------------------------------

    def refresh(self) -> None:
        """Look at the directory now and apply what changed (waits for a look in progress)."""
        with self._scan_lock:
            self._scan()

    def _refresh_if_due(self) -> None:
        if self._timer() - self._last_scan < self._refresh_seconds:
            return
        # One caller looks; the others go on with what the registry holds meanwhile.
        if not self._scan_lock.acquire(blocking=False):
            return
        try:
            if self._timer() - self._last_scan >= self._refresh_seconds:
                self._scan()
        except ConfigError as e:
            # The directory itself went away or became unreadable: keep serving what we have.
            logger.warning("tenant files not refreshed: %s", "; ".join(map(str, e.problems)))
        finally:
            self._scan_lock.release()

    def _scan(self) -> None:
        self._last_scan = self._timer()
        settled_before = time.time_ns() - RACY_NS
        if self._unchanged_since_last_look(settled_before):
            return
        seen, racy = self._stat_files(settled_before)
        current = {self._dir / name: key for name, key in seen.items()}
        changed = [(path, key) for path, key in current.items() if not self._unchanged(path, key)]
        removed = [p for p in (*self._files, *self._refused) if p not in current]
        for path in removed:
            self._forget(path)
        if changed or removed:
            retry = [(p, r.key) for p, r in self._refused.items() if r.clash_only and p in current]
            self._load([*changed, *(item for item in retry if item not in changed)])
            self._problems = tuple(p for r in self._refused.values() for p in r.problems)
        self._seen = seen
        self._racy = racy

    def _unchanged_since_last_look(self, settled_before: int) -> bool:
        """The usual look: the same files with the same keys as last time, none of them
        recent. One stat and one comparison per file, and nothing kept (so a look of many
        unchanged files allocates nothing that lives, and triggers no garbage collection)."""
        previous = self._seen
        if previous is None or self._racy:
            return False
        known = previous.get
        suffixes = TENANT_SUFFIXES
        count = 0
        try:
            with os.scandir(self._dir) as entries:
                for entry in entries:
                    name = entry.name
                    if not name.endswith(suffixes):
                        continue
                    st = entry.stat()
                    mtime = st.st_mtime_ns
                    if known(name) != (mtime, st.st_size, st.st_ino) or mtime >= settled_before:
                        return False
                    count += 1
        except OSError:
            return False  # the full look says what is wrong
        return count == len(previous)

    def _stat_files(self, settled_before: int) -> tuple[dict[str, FileKey], set[Path]]:
        """The tenant files of the directory by name with their change keys (one stat each),
        and those modified since `settled_before` (ns): too recent to trust their keys."""
        found: dict[str, FileKey] = {}
        racy: set[Path] = set()
        suffixes = TENANT_SUFFIXES
        try:
            # The loop every refresh pays for each file: kept to the stat and a tuple. A
            # directory named like a tenant file is read, and refused, like any bad file (the
            # loader picks files by their suffix too).
            with os.scandir(self._dir) as entries:
                for entry in entries:
                    name = entry.name
                    if not name.endswith(suffixes):
                        continue
                    try:
                        st = entry.stat()
                    except OSError:
                        continue  # removed between listing and stat: gone
                    mtime = st.st_mtime_ns
                    found[name] = (mtime, st.st_size, st.st_ino)
                    if mtime >= settled_before:
                        racy.add(self._dir / name)
        except OSError as e:
            raise ConfigError(
                [Problem(str(self._dir), "", f"cannot be read: {e.strerror or e}")]
            ) from e
        if not found and self._seen is None:
            raise ConfigError([Problem(str(self._dir), "", "holds no tenant files")])
        return found, racy

    def _unchanged(self, path: Path, key: FileKey) -> bool:
        if path in self._racy:
            return False
        tenant = self._files.get(path)
        if tenant is not None:
            return self._tenants[tenant].key == key
        refused = self._refused.get(path)
        return refused is not None and refused.key == key

    def _forget(self, path: Path) -> None:
        self._refused.pop(path, None)
        tenant = self._files.pop(path, None)
        if tenant is not None:
            self._tenants.pop(tenant, None)
            logger.info("tenant %s removed (%s is gone)", tenant, path)

    def _load(self, files: list[tuple[Path, FileKey]]) -> None:
        """Read changed files; serve the valid ones whose names clash with no other tenant."""
        read: list[tuple[Path, FileKey, TenantConfig]] = []
        for path, key in files:
            try:
                read.append((path, key, load_tenant(path)))
            except ConfigError as e:
                self._refuse(path, key, e.problems, clash_only=False)
        # A clash refuses the later file: first the tenants served whose files did not change
        # (or changed only in comments), then edits of served tenants, then new files.
        edits: list[tuple[Path, FileKey, TenantConfig]] = []
        same: list[tuple[Path, FileKey, TenantConfig]] = []
        for item in read:
            served = self._tenants.get(item[2].tenant)
            if served is None or served.path != item[0]:
                continue
            (same if served.config == item[2] else edits).append(item)
        new = [item for item in read if item not in edits and item not in same]
        rereading = {path for path, _, _ in (*edits, *new)}
        kept = [(e.path, e.config) for e in self._tenants.values() if e.path not in rereading]
        clashes: dict[str, list[Problem]] = {}
        candidates = [(p, c) for p, _, c in (*edits, *new)]
        for problem in tenant_set_problems([*kept, *candidates]):
            clashes.setdefault(problem.source, []).append(problem)
        for path, key, config in (*same, *edits, *new):
            problems = clashes.get(str(path))
            if problems:
                self._refuse(path, key, problems, clash_only=True)
            else:
                self._serve(path, key, config)

    def _serve(self, path: Path, key: FileKey, config: TenantConfig) -> None:
        self._refused.pop(path, None)
        old = self._tenants.get(config.tenant)
        if old is not None and old.path == path and old.config == config:
            old.key = key  # touched, or only comments changed: keep the warm Embedder
            return
        self._files[path] = config.tenant  # the loader holds the tenant to its file's name
        # One assignment: a concurrent call sees the old entry or the new one.
        self._tenants[config.tenant] = _Tenant(path, key, config)
        if old is None:
            logger.info("tenant %s added from %s", config.tenant, path)
        else:
            logger.info("tenant %s updated from %s", config.tenant, path)

    def _refuse(
        self, path: Path, key: FileKey, problems: Sequence[Problem], *, clash_only: bool
    ) -> None:
        before = self._refused.get(path)
        self._refused[path] = _RefusedFile(key, tuple(problems), clash_only)
        if before is not None and before.problems == tuple(problems):
            return  # said already
        tenant = self._files.get(path)
        keeps = (
            f"tenant {tenant} keeps its last good config"
            if tenant is not None
            else "no tenant is served from it"
        )
        logger.warning(
            "tenant file %s is not used as it is (%s): %s",
            path,
            keeps,
            "; ".join(str(p) for p in problems),
        )

    def _entry(self, tenant: str) -> _Tenant:
        entry = self._tenants.get(tenant)
        if entry is not None:
            return entry
        stems = {p for p in self._refused if p.stem == tenant}
        if stems:
            reason = f"its file {min(stems)} is invalid (see the registry's problems)"
        else:
            reason = f"no tenant file {tenant}.yaml in {self._dir}"
        raise UnknownTenantError(tenant=tenant, reason=reason)

    # --- Embedders --------------------------------------------------------------------------

    def _options_for(self, entry: _Tenant) -> EmbedderOptions:
        options: dict[str, Any] = dict(self._options)
        if self._session_for is not None:
            options["session"] = self._session_for(entry.config)
        elif "sts_client" not in options:
            options["sts_client"] = self._sts_client(entry.config)
        return cast(EmbedderOptions, options)

    def _sts_client(self, config: TenantConfig) -> STSClient:
        """One STS client per region for every tenant: they all assume roles as the same app."""
        client = self._sts_clients.get(config.region)
        if client is None:
            endpoint = self._options.get("endpoint_url")
            try:
                client = make_sts_client(
                    self._base_session(),
                    region=config.region,
                    config=client_config(self._options.get("boto_config")),
                    endpoint_url=endpoint,
                )
            except CLIENT_SETUP_FAILURE as e:
                raise sdk_error(e, tenant=config.tenant, service="STS", endpoint=endpoint) from e
            self._sts_clients[config.region] = client
        return client

    def _base_session(self) -> botocore.session.Session:
        session: Any = self._options.get("session")
        if session is None:
            return default_session()
        if isinstance(session, botocore.session.Session):
            return session
        return cast(botocore.session.Session, session._session)  # a boto3.Session's own
