"""IAM policy documents read from resource properties, normalised for the rules.

IAM accepts a string or a list for Action, Resource and principals, and `"*"` or a map for
Principal; the rules want one shape. Property values may be the policy SDK's read-only
proxies, so only the `Mapping`/`Sequence` protocols are used, never `dict`/`list` checks.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


class DocumentError(ValueError):
    """The property does not hold an IAM policy document."""


@dataclass(frozen=True)
class Statement:
    """One statement; absent elements are empty tuples, `principals` maps type -> values."""

    index: int
    sid: str | None
    effect: str
    actions: tuple[str, ...]
    not_actions: tuple[str, ...]
    resources: tuple[str, ...]
    not_resources: tuple[str, ...]
    principals: Mapping[str, tuple[str, ...]]
    not_principals: Mapping[str, tuple[str, ...]]
    conditions: Mapping[str, Mapping[str, tuple[str, ...]]]

    @property
    def allows(self) -> bool:
        return self.effect == "Allow"

    @property
    def label(self) -> str:
        """`statement 1 ("Sid")`: how messages point at it (0-based, as in the JSON list)."""
        return f"statement {self.index}" + (f" ({self.sid!r})" if self.sid else "")


def parse_document(value: Any) -> Mapping[str, Any]:
    """A policy given as JSON text (the usual Pulumi input) or as a map."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as e:
            raise DocumentError(f"is not valid JSON ({e.msg} at line {e.lineno})") from e
    if not isinstance(value, Mapping):
        raise DocumentError(f"is not a policy document (got {type(value).__name__})")
    return value


def statements(document: Mapping[str, Any]) -> list[Statement]:
    raw = document.get("Statement")
    if raw is None:
        raise DocumentError("has no Statement")
    items = [raw] if isinstance(raw, Mapping) else list(raw)
    out: list[Statement] = []
    for i, item in enumerate(items):
        if not isinstance(item, Mapping):
            raise DocumentError(f"statement {i} is not an object")
        out.append(_statement(i, item))
    return out


def _statement(index: int, raw: Mapping[str, Any]) -> Statement:
    sid = raw.get("Sid")
    return Statement(
        index=index,
        sid=str(sid) if sid else None,
        effect=str(raw.get("Effect", "")),
        actions=_strings(raw.get("Action")),
        not_actions=_strings(raw.get("NotAction")),
        resources=_strings(raw.get("Resource")),
        not_resources=_strings(raw.get("NotResource")),
        principals=_principals(raw.get("Principal")),
        not_principals=_principals(raw.get("NotPrincipal")),
        conditions=_conditions(raw.get("Condition")),
    )


def _strings(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, Sequence):
        return tuple(str(v) for v in value)
    return (str(value),)


def _principals(value: Any) -> dict[str, tuple[str, ...]]:
    """`"*"` -> {"*": ("*",)}; `{"AWS": "arn"}` -> {"AWS": ("arn",)}."""
    if value is None:
        return {}
    if isinstance(value, str):
        return {value: (value,)} if value == "*" else {"AWS": (value,)}
    if isinstance(value, Mapping):
        return {str(kind): _strings(values) for kind, values in value.items()}
    return {"?": _strings(value)}


def _conditions(value: Any) -> dict[str, dict[str, tuple[str, ...]]]:
    if not isinstance(value, Mapping):
        return {}
    return {
        str(op): {str(k): _strings(v) for k, v in block.items()}
        for op, block in value.items()
        if isinstance(block, Mapping)
    }
