"""The local engine's state: what it created, as `pulumi up` keeps it in a stack's checkpoint.

One JSON file (default `.qs-embed/state.json`): per resource its URN, type, provider id, the
inputs it was created or last updated with, its outputs, what it depends on and the options
the engine needs when the program no longer declares it (retain on delete). Secret values
(the trust policy holding an ExternalId, RegisterUser's invitation URL) are never written in
plain text: only a SHA-256 digest is kept, enough to tell whether they changed.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from tenant_file.errors import ConfigError, Problem

STATE_VERSION = 1
DEFAULT_STATE = Path(".qs-embed") / "state.json"
SEALED_FIELD = "secretSha256"


def sealed(value: Any) -> dict[str, str]:
    """A secret as the state keeps it: its digest only."""
    if isinstance(value, Mapping) and SEALED_FIELD in value:
        return {SEALED_FIELD: str(value[SEALED_FIELD])}
    text = json.dumps(value, sort_keys=True)
    return {SEALED_FIELD: hashlib.sha256(text.encode()).hexdigest()}


def is_sealed(value: Any) -> bool:
    return isinstance(value, Mapping) and set(value) == {SEALED_FIELD}


def seal(props: Mapping[str, Any], secret: Iterable[str]) -> dict[str, Any]:
    """`props` with the values of `secret` keys replaced by their digests."""
    keys = set(secret)
    return {k: sealed(v) if k in keys else v for k, v in props.items()}


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


@dataclass
class LocalState:
    """The resources of one local stack, by URN; `path` None keeps it in memory only."""

    path: Path | None = None
    account: str | None = None
    resources: dict[str, StateResource] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path | None) -> LocalState:
        """The state at `path`; a missing file is an empty state (nothing applied yet)."""
        if path is None or not path.exists():
            return cls(path)
        where = str(path)
        try:
            data = json.loads(path.read_text())
            if data.get("version") != STATE_VERSION:
                raise ValueError(f"version {data.get('version')!r}, expected {STATE_VERSION}")
            resources = [StateResource.from_json(r) for r in data.get("resources", [])]
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as e:
            raise ConfigError(
                [Problem(where, "", f"is not a qs-embed local state file ({e}); --state FILE")]
            ) from e
        return cls(path, data.get("account"), {r.urn: r for r in resources})

    def save(self) -> None:
        """Write atomically (a crash never leaves half a state)."""
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = {
            "version": STATE_VERSION,
            "account": self.account,
            "resources": [r.to_json() for r in self.resources.values()],
        }
        fd, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".state-", suffix=".json")
        try:
            with os.fdopen(fd, "w") as handle:
                json.dump(data, handle, indent=2, sort_keys=True)
                handle.write("\n")
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def by_name(self) -> dict[tuple[str, str], StateResource]:
        """The resources the program manages, by (type, name); replaced ones left out."""
        return {(r.type, r.name): r for r in self.resources.values() if not r.pending_delete}
