"""The local engine's state: what it created, as `pulumi up` keeps it in a stack's checkpoint.

One JSON file (default `.qs-embed/state.json`): per resource its URN, type, provider id, the
inputs it was created or last updated with, its outputs, what it depends on and the options
the engine needs when the program no longer declares it (retain on delete); what the state was
applied for (account, endpoint, shard, shard count: `AppliedFor`); and the operations a run
began and did not finish (`pendingOperations`, as Pulumi's checkpoint keeps
`pending_operations`: pulumi/pulumi `sdk/go/common/apitype/core.go`, `DeploymentV3`).

Durability. A run records each change as it completes in a journal beside the state
(`state.json.journal`, one JSON line per record, fsync'd before the engine goes on), and writes
the state file atomically (temp file, fsync, `os.replace`, fsync of the directory) at the end
of the run, then drops the journal. A run killed at any point (SIGKILL, OOM, a lost runner)
leaves the last complete state plus the journal's complete lines; the next load replays them,
so nothing applied is lost and an operation begun but not finished is a pending operation the
engine resolves by reading AWS (see `local_engine.refresh`). Replaying is idempotent (each line
sets or removes one resource), so a crash between writing the state and dropping the journal is
safe.

Secret values (the trust policy holding an ExternalId, RegisterUser's invitation URL) are never
written in plain text: only an HMAC-SHA256 keyed with a random key of this state is kept,
enough to tell whether they changed. The key lives in its own file beside the state
(`state.json.key`, mode 0600): the state alone does not let anyone test guesses of a secret.

One run at a time. A run that changes things holds an exclusive lock (`fcntl.flock` on
`state.json.lock`) from the load to the save, as Pulumi's file backend holds a stack lock
(pulumi/pulumi `pkg/backend/diy/lock.go`, formerly `pkg/backend/filestate`): a second run is
refused (exit 2). The kernel drops the lock of a killed run. A preview takes no lock, reads the
journal without folding it in and writes nothing. The journal is tied to its state: a random
`stateId` written in state.json and in every journal record; a journal of another state, or a
journal whose state is gone, is refused rather than replayed.

The state, journal and key are read as tenant files are (`tenant_file.loader.read_plain_file`:
a regular file, size capped): a FIFO or a link to a device is refused, never read.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import os
import secrets
import tempfile
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from tenant_file.errors import ConfigError, Problem
from tenant_file.loader import read_plain_file

STATE_VERSION = 2
READABLE_VERSIONS = (1, 2)
DEFAULT_STATE = Path(".qs-embed") / "state.json"
SEALED_FIELD = "secretHmacSha256"
LEGACY_SEALED_FIELD = "secretSha256"
"""Version 1 kept unkeyed digests: read, never matched (the next run re-applies the secret)."""
PENDING_KINDS = ("creating", "updating", "deleting")
MAX_STATE_BYTES = 1 << 30
"""A state (or journal) larger than this is not one this engine wrote (10,000 tenants' state
is a few tens of MB)."""
MAX_KEY_BYTES = 1024


def _canonical(value: Any) -> str:
    """The text a secret is digested from: a JSON document in a string (a policy) is compared
    by its content, so the digest of the file's policy equals that of the one AWS returns."""
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except ValueError:
            parsed = None
        if isinstance(parsed, (dict, list)):
            value = parsed
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def is_sealed(value: Any) -> bool:
    return isinstance(value, Mapping) and set(value) in ({SEALED_FIELD}, {LEGACY_SEALED_FIELD})


@dataclass(frozen=True)
class Sealer:
    """Seals secrets with one state's key (HMAC-SHA256)."""

    key: bytes

    def sealed(self, value: Any) -> dict[str, str]:
        """A secret as the state keeps it: its keyed digest only."""
        if is_sealed(value):
            return dict(value)
        digest = hmac.new(self.key, _canonical(value).encode(), hashlib.sha256).hexdigest()
        return {SEALED_FIELD: digest}

    def seal(self, props: Mapping[str, Any], secret: Iterable[str]) -> dict[str, Any]:
        """`props` with the values of `secret` keys replaced by their digests."""
        keys = set(secret)
        return {k: self.sealed(v) if k in keys else v for k, v in props.items()}


@dataclass(frozen=True)
class AppliedFor:
    """What a state was applied for: a run for anything else must use another state."""

    account: str
    endpoint: str
    shard: int | None = None
    shard_count: int = 1

    def to_json(self) -> dict[str, Any]:
        return {
            "account": self.account,
            "endpoint": self.endpoint,
            "shard": self.shard,
            "shardCount": self.shard_count,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AppliedFor:
        shard = data.get("shard")
        return cls(
            str(data["account"]),
            str(data["endpoint"]),
            None if shard is None else int(shard),
            int(data.get("shardCount", 1)),
        )

    def describe(self) -> str:
        shard = "all tenants" if self.shard is None else f"shard {self.shard}"
        return (
            f"account {self.account}, endpoint {self.endpoint}, {shard} of "
            f"{self.shard_count} shard{'s' if self.shard_count != 1 else ''}"
        )


@dataclass(frozen=True)
class StateResource:
    urn: str
    type: str
    name: str
    id: str
    inputs: Mapping[str, Any]
    outputs: Mapping[str, Any]
    secret_inputs: frozenset[str] = frozenset()
    dependencies: tuple[str, ...] = ()
    retain_on_delete: bool = False
    delete_before_replace: bool = False
    pending_delete: bool = False
    """Replaced (create-before-delete): deleted at the end of the run, or by the next one."""

    def to_json(self) -> dict[str, Any]:
        return {
            "urn": self.urn,
            "type": self.type,
            "name": self.name,
            "id": self.id,
            "inputs": dict(self.inputs),
            "outputs": dict(self.outputs),
            "secretInputs": sorted(self.secret_inputs),
            "dependencies": list(self.dependencies),
            "retainOnDelete": self.retain_on_delete,
            "deleteBeforeReplace": self.delete_before_replace,
            "pendingDelete": self.pending_delete,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> StateResource:
        return cls(
            urn=str(data["urn"]),
            type=str(data["type"]),
            name=str(data["name"]),
            id=str(data["id"]),
            inputs=dict(data.get("inputs", {})),
            outputs=dict(data.get("outputs", {})),
            secret_inputs=frozenset(data.get("secretInputs", ())),
            dependencies=tuple(data.get("dependencies", ())),
            retain_on_delete=bool(data.get("retainOnDelete", False)),
            delete_before_replace=bool(data.get("deleteBeforeReplace", False)),
            pending_delete=bool(data.get("pendingDelete", False)),
        )

    def with_options(self, **changes: Any) -> StateResource:
        return replace(self, **changes)


@dataclass(frozen=True)
class PendingOperation:
    """An operation a run began and did not record as done (Pulumi's `OperationV2`: `creating`,
    `updating`, `deleting`). `resource` is what was being created, or the resource as it was."""

    kind: str
    resource: StateResource

    def to_json(self) -> dict[str, Any]:
        return {"type": self.kind, "resource": self.resource.to_json()}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PendingOperation:
        kind = str(data["type"])
        if kind not in PENDING_KINDS:
            raise ValueError(f"unknown pending operation {kind!r}")
        return cls(kind, StateResource.from_json(data["resource"]))


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomically(path: Path, text: str, mode: int = 0o644) -> None:
    """`path` holds `text` or what it held before, never a part: temp file, fsync, replace."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    _fsync_directory(path.parent)


def _read(path: Path, what: str) -> str:
    limit = MAX_KEY_BYTES if what == "a state key file" else MAX_STATE_BYTES
    data = read_plain_file(path, limit, what, "this engine never writes one that large")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError([Problem(str(path), "", "is not UTF-8 text")]) from None


def _load_key(path: Path) -> bytes | None:
    """The key of the state at `path`; None when there is no key file. A key file others can
    read is refused, not re-chmodded: the key may already have been read, and fixing it
    silently would hide that (make a new state, or `chmod 600` it if the exposure is known
    harmless)."""
    key_file = key_path(path)
    if not os.path.lexists(key_file):
        return None
    text = _read(key_file, "a state key file")
    mode = os.stat(key_file).st_mode
    if mode & 0o077:
        raise ConfigError(
            [
                Problem(
                    str(key_file),
                    "",
                    f"is readable or writable by group or others (mode {oct(mode & 0o777)}); "
                    f"it keys the digests of secrets: chmod 600 {key_file}",
                )
            ]
        )
    try:
        key = bytes.fromhex(text.strip())
    except ValueError:
        key = b""
    if len(key) != 32:
        raise ConfigError([Problem(str(key_file), "", "is not a state key (64 hex digits)")])
    return key


def _has_digests(data: Any) -> bool:
    """Whether `data` holds a keyed digest (version 1's unkeyed ones need no key)."""
    if isinstance(data, Mapping) and set(data) == {SEALED_FIELD}:
        return True
    if isinstance(data, Mapping):
        return any(_has_digests(v) for v in data.values())
    if isinstance(data, list):
        return any(_has_digests(v) for v in data)
    return False


def lock_path(path: Path) -> Path:
    return path.with_name(path.name + ".lock")


def key_path(path: Path) -> Path:
    return path.with_name(path.name + ".key")


def journal_path(path: Path) -> Path:
    return path.with_name(path.name + ".journal")


@dataclass
class LocalState:
    """The resources of one local stack, by URN; `path` None keeps it in memory only."""

    path: Path | None = None
    account: str | None = None
    resources: dict[str, StateResource] = field(default_factory=dict)
    applied_for: AppliedFor | None = None
    pending: dict[str, PendingOperation] = field(default_factory=dict)
    key: bytes = field(default_factory=lambda: secrets.token_bytes(32), repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)
    _journal: Any = field(default=None, repr=False, compare=False)
    state_id: str = field(default_factory=lambda: secrets.token_hex(16))
    read_only: bool = False
    """Loaded for a preview: never writes (no journal, no save, no key file, no lock)."""
    _lock_fd: int | None = field(default=None, repr=False, compare=False)

    @property
    def sealer(self) -> Sealer:
        return Sealer(self.key)

    @classmethod
    def load(cls, path: Path | None, *, preview: bool = False, hold: bool = False) -> LocalState:
        """The state at `path` with its journal replayed; a missing file is an empty state.
        Unless `preview`, it is read under the state's lock (ConfigError if another run holds
        it) and the journal is folded into the state; with `hold` the lock is kept until
        `save` (a run's whole life: `qs-embed local up`), else it is taken again at the first
        record. A preview reads the journal in memory, takes no lock and writes nothing."""
        if path is None:
            return cls(None)
        state = cls(path, read_only=preview)
        if not preview:
            state.lock()
        try:
            state._load()
        finally:
            if not hold:
                state.release()
        return state

    def _load(self) -> None:
        assert self.path is not None
        path, where = self.path, str(self.path)
        journal = journal_path(path)
        exists = os.path.lexists(path)
        if not exists and os.path.lexists(journal):
            raise ConfigError(
                [
                    Problem(
                        str(journal),
                        "",
                        f"is a journal without its state ({where} is missing): a run's records "
                        "cannot be replayed onto nothing; restore the state file, or delete "
                        "the journal too to start over (what it records is then unmanaged)",
                    )
                ]
            )
        try:
            data = json.loads(_read(path, "a local state file")) if exists else None
        except ValueError as e:
            raise ConfigError(
                [Problem(where, "", f"is not a qs-embed local state file ({e}); --state FILE")]
            ) from e
        key = _load_key(path)
        if key is None and data is not None and _has_digests(data.get("resources")):
            raise ConfigError(
                [
                    Problem(
                        str(key_path(path)),
                        "",
                        f"is missing, and {where} holds digests of secrets made with it: "
                        "restore the key file (a new key would make every secret look changed)",
                    )
                ]
            )
        if key is not None:
            self.key = key
        try:
            if data is not None:
                self._read(data)
        except (ValueError, KeyError, TypeError, AttributeError) as e:
            raise ConfigError(
                [Problem(where, "", f"is not a qs-embed local state file ({e}); --state FILE")]
            ) from e
        replayed = self._replay()
        if replayed and not self.read_only:
            self.save(release=False)  # folded in: the next records start a journal of their own

    def _read(self, data: Mapping[str, Any]) -> None:
        if data.get("version") not in READABLE_VERSIONS:
            raise ValueError(f"version {data.get('version')!r}, expected {STATE_VERSION}")
        self.account = data.get("account")
        self.state_id = str(data.get("stateId") or self.state_id)
        applied = data.get("appliedFor")
        self.applied_for = AppliedFor.from_json(applied) if applied else None
        for r in data.get("resources", []):
            resource = StateResource.from_json(r)
            self.resources[resource.urn] = resource
        for p in data.get("pendingOperations", []):
            operation = PendingOperation.from_json(p)
            self.pending[operation.resource.urn] = operation

    def _replay(self) -> bool:
        """Apply the journal's complete lines (a torn last line was never acknowledged)."""
        assert self.path is not None
        journal = journal_path(self.path)
        if not os.path.lexists(journal):
            return False
        text = _read(journal, "a local state journal")
        for number, line in enumerate(text.splitlines(keepends=True), start=1):
            if not line.endswith("\n"):
                break
            where = f"{journal}:{number}"
            try:
                record = json.loads(line)
                if record.get("stateId") != self.state_id:
                    raise ConfigError(
                        [
                            Problem(
                                where,
                                "",
                                f"is a record of another state (stateId "
                                f"{record.get('stateId')!r}, {self.path} has "
                                f"{self.state_id!r}): a journal is replayed only onto its own "
                                "state; move it away (or put back the state it belongs to)",
                            )
                        ]
                    )
                self._apply_record(record)
            except (ValueError, KeyError, TypeError, AttributeError) as e:
                raise ConfigError(
                    [Problem(where, "", f"is not a journal record of this engine ({e})")]
                ) from e
        return True

    def _apply_record(self, record: Mapping[str, Any]) -> None:
        urn = str(record.get("urn", ""))
        if record["op"] == "begin":
            operation = PendingOperation.from_json(record["operation"])
            self.pending[operation.resource.urn] = operation
        elif record["op"] == "put":
            resource = StateResource.from_json(record["resource"])
            self.resources[resource.urn] = resource
            self.pending.pop(resource.urn, None)
        elif record["op"] == "remove":
            self.resources.pop(urn, None)
            self.pending.pop(urn, None)
        elif record["op"] == "meta":
            self.account = record.get("account")
            self.applied_for = AppliedFor.from_json(record["appliedFor"])
        else:
            raise ValueError(f"unknown journal record {record['op']!r}")

    # -- the lock -------------------------------------------------------------------------

    def lock(self) -> None:
        """Hold the state's exclusive lock (ConfigError if another run holds it)."""
        if self.path is None or self._lock_fd is not None:
            return
        if self.read_only:
            raise RuntimeError("a state loaded for a preview never writes")
        lock_file = lock_path(self.path)
        lock_file.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock_file, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise ConfigError(
                [
                    Problem(
                        str(self.path),
                        "",
                        f"is locked: another run holds it ({lock_file}); wait for it to "
                        "finish (a killed run's lock is dropped by the system)",
                    )
                ]
            ) from None
        self._lock_fd = fd

    def release(self) -> None:
        """Drop the lock (as the system does when the run ends or is killed)."""
        if self._journal is not None:
            self._journal.close()
            self._journal = None
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    # -- durable records ------------------------------------------------------------------

    def _append(self, record: Mapping[str, Any]) -> None:
        if self.path is None:
            return
        if self.read_only:
            raise RuntimeError("a state loaded for a preview never writes")
        record = {**record, "stateId": self.state_id}
        if self._journal is None:
            self.lock()
            if not self.path.exists():
                self._write_state()  # the journal's records need the state (and id) they extend
            self._write_key()
            self._journal = open(journal_path(self.path), "a")  # noqa: SIM115 (kept open)
        self._journal.write(json.dumps(record, sort_keys=True) + "\n")
        self._journal.flush()
        os.fsync(self._journal.fileno())

    def _write_key(self) -> None:
        assert self.path is not None
        key_file = key_path(self.path)
        if not key_file.exists():
            write_atomically(key_file, self.key.hex() + "\n", mode=0o600)

    def record_target(self, applied_for: AppliedFor) -> None:
        with self._lock:
            self.account, self.applied_for = applied_for.account, applied_for
            record = {"op": "meta", "account": self.account, "appliedFor": applied_for.to_json()}
            self._append(record)

    def begin(self, kind: str, resource: StateResource) -> None:
        """An operation is about to reach AWS: recorded before it does."""
        operation = PendingOperation(kind, resource)
        with self._lock:
            self.pending[resource.urn] = operation
            self._append({"op": "begin", "operation": operation.to_json()})

    def put(self, resource: StateResource) -> None:
        """`resource` is as recorded (created, updated, adopted, read); its operation is done."""
        with self._lock:
            self.resources[resource.urn] = resource
            self.pending.pop(resource.urn, None)
            self._append({"op": "put", "resource": resource.to_json()})

    def remove(self, urn: str) -> None:
        """The resource `urn` is gone (deleted, forgotten or found missing)."""
        with self._lock:
            self.resources.pop(urn, None)
            self.pending.pop(urn, None)
            self._append({"op": "remove", "urn": urn})

    def save(self, *, release: bool = True) -> None:
        """Write the whole state atomically, then drop the journal it now holds (and the lock,
        unless `release` is False). A state loaded for a preview is never written."""
        if self.path is None or self.read_only:
            return
        with self._lock:
            self.lock()
            self._write_state()
            if self._journal is not None:
                self._journal.close()
                self._journal = None
            journal_path(self.path).unlink(missing_ok=True)
            if release:
                self.release()

    def _write_state(self) -> None:
        assert self.path is not None
        data = {
            "version": STATE_VERSION,
            "stateId": self.state_id,
            "account": self.account,
            "appliedFor": self.applied_for.to_json() if self.applied_for else None,
            "resources": [r.to_json() for r in self.resources.values()],
            "pendingOperations": [p.to_json() for p in self.pending.values()],
        }
        self._write_key()
        write_atomically(self.path, json.dumps(data, indent=2, sort_keys=True) + "\n")

    def detached(self) -> LocalState:
        """A copy in memory with the same key (a preview works on it and writes nothing)."""
        return LocalState(
            None,
            self.account,
            dict(self.resources),
            self.applied_for,
            dict(self.pending),
            self.key,
            state_id=self.state_id,
        )

    def by_name(self) -> dict[tuple[str, str], StateResource]:
        """The resources the program manages, by (type, name); replaced ones left out."""
        return {(r.type, r.name): r for r in self.resources.values() if not r.pending_delete}
