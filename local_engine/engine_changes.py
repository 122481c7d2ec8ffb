"""How the local engine shows a change: each property, old -> new, as `pulumi preview --diff`
shows it (pulumi/pulumi `pkg/backend/display/diff.go`: `~ key: old => new`, secrets shown as
`[secret]`). A JSON document (a policy) is compared by content and shown by the paths that
differ, not as two long strings.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator, Mapping
from typing import Any

from local_engine.state import is_sealed

SECRET = "[secret]"  # noqa: S105 (what is shown instead of a secret)
WIDTH = 60
"""Values longer than this are cut (the state and `--preview --json`-less output stay short)."""
PATHS = 3
"""At most this many differing paths are shown per document."""


def _document(value: Any) -> Any:
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except ValueError:
            return None
        return parsed if isinstance(parsed, (dict, list)) else None
    return value if isinstance(value, (dict, list)) else None


def _show(value: Any) -> str:
    if value is None:
        return "(none)"
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    return text if len(text) <= WIDTH else text[: WIDTH - 1] + "…"


def _paths(old: Any, new: Any, where: str) -> Iterator[tuple[str, Any, Any]]:
    """The leaf paths where two JSON values differ."""
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(set(old) | set(new), key=str):
            if old.get(key) != new.get(key):
                yield from _paths(old.get(key), new.get(key), f"{where}.{key}")
    elif isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        for i, (a, b) in enumerate(zip(old, new, strict=True)):
            if a != b:
                yield from _paths(a, b, f"{where}[{i}]")
    elif old != new:
        yield where, old, new


def describe_change(key: str, old: Any, new: Any, *, secret: bool = False) -> str:
    """One property's change, old -> new."""
    if secret or is_sealed(old) or is_sealed(new):
        return f"{key}: {SECRET} → {SECRET}"
    old_doc, new_doc = _document(old), _document(new)
    if old_doc is not None and new_doc is not None:
        found = list(_paths(old_doc, new_doc, key))
        shown = [f"{path}: {_show(a)} → {_show(b)}" for path, a, b in found[:PATHS]]
        if len(found) > PATHS:
            shown.append(f"and {len(found) - PATHS} more in {key}")
        return "; ".join(shown) or f"{key}: same document, written differently"
    return f"{key}: {_show(old)} → {_show(new)}"


def describe_changes(
    values: Mapping[str, tuple[Any, Any]],
    secret: Collection[str] = (),
    *,
    replaces: Collection[str] = (),
) -> str:
    """Every changed property, old -> new; those that force a replacement marked so."""
    parts = []
    for key, (old, new) in values.items():
        line = describe_change(key, old, new, secret=key in secret)
        parts.append(f"{line} (replaces)" if key in replaces else line)
    return "; ".join(parts)
