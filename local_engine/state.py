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
engine resolves by reading AWS (see `local_engine.engine`). Replaying is idempotent (each line
sets or removes one resource), so a crash between writing the state and dropping the journal is
safe.

Secret values (the trust policy holding an ExternalId, RegisterUser's invitation URL) are never
written in plain text: only an HMAC-SHA256 keyed with a random key of this state is kept,
enough to tell whether they changed. The key lives in its own file beside the state
(`state.json.key`, mode 0600): the state alone does not let anyone test guesses of a secret.
"""

from __future__ import annotations

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

STATE_VERSION = 2
READABLE_VERSIONS = (1, 2)
DEFAULT_STATE = Path(".qs-embed") / "state.json"
SEALED_FIELD = "secretHmacSha256"
LEGACY_SEALED_FIELD = "secretSha256"
"""Version 1 kept unkeyed digests: read, never matched (the next run re-applies the secret)."""
PENDING_KINDS = ("creating", "updating", "deleting")


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


def _load_key(path: Path | None) -> bytes:
    if path is None:
        return secrets.token_bytes(32)
    key_file = key_path(path)
    if key_file.exists():
        return bytes.fromhex(key_file.read_text().strip())
    return secrets.token_bytes(32)


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

    @property
    def sealer(self) -> Sealer:
        return Sealer(self.key)

    @classmethod
    def load(cls, path: Path | None) -> LocalState:
        """The state at `path` with its journal replayed; a missing file is an empty state."""
        if path is None:
            return cls(None)
        where = str(path)
        try:
            state = cls(path, key=_load_key(path))
            if path.exists():
                state._read(json.loads(path.read_text()))
            replayed = state._replay()
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as e:
            raise ConfigError(
                [Problem(where, "", f"is not a qs-embed local state file ({e}); --state FILE")]
            ) from e
        if replayed:
            state.save()  # the journal folded in: the next records start a journal of their own
        return state

    def _read(self, data: Mapping[str, Any]) -> None:
        if data.get("version") not in READABLE_VERSIONS:
            raise ValueError(f"version {data.get('version')!r}, expected {STATE_VERSION}")
        self.account = data.get("account")
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
        if not journal.exists():
            return False
        for line in journal.read_text().splitlines(keepends=True):
            if not line.endswith("\n"):
                break
            record = json.loads(line)
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
        return True

    # -- durable records ------------------------------------------------------------------

    def _append(self, record: Mapping[str, Any]) -> None:
        if self.path is None:
            return
        if self._journal is None:
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

    def save(self) -> None:
        """Write the whole state atomically, then drop the journal it now holds."""
        if self.path is None:
            return
        with self._lock:
            data = {
                "version": STATE_VERSION,
                "account": self.account,
                "appliedFor": self.applied_for.to_json() if self.applied_for else None,
                "resources": [r.to_json() for r in self.resources.values()],
                "pendingOperations": [p.to_json() for p in self.pending.values()],
            }
            self._write_key()
            write_atomically(self.path, json.dumps(data, indent=2, sort_keys=True) + "\n")
            if self._journal is not None:
                self._journal.close()
                self._journal = None
            journal_path(self.path).unlink(missing_ok=True)

    def detached(self) -> LocalState:
        """A copy in memory with the same key (a preview works on it and writes nothing)."""
        return LocalState(
            None,
            self.account,
            dict(self.resources),
            self.applied_for,
            dict(self.pending),
            self.key,
        )

    def by_name(self) -> dict[tuple[str, str], StateResource]:
        """The resources the program manages, by (type, name); replaced ones left out."""
        return {(r.type, r.name): r for r in self.resources.values() if not r.pending_delete}
