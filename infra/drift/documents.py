"""IAM policy documents compared by meaning, and shown without their secrets.

IAM keeps a document as it was sent, but the same grant can be written many ways: a string or a
list of one, statements in any order, action names in any case, condition keys in any case.
`canonical_statements` turns a document into a set of statements in one spelling (the Sid, a
label only, is dropped), so a console edit that changes nothing IAM decides on is no drift and
one that does is shown as the statements it added and removed.

The trust policy may hold the tenant's `sts:ExternalId`, a secret: shown documents replace its
value with a marker, which says whether the live value is the tenant file's.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from policies.embed_role import STS_EXTERNAL_ID
from policies.policy_documents import DocumentError, Statement, parse_document, statements

EXTERNAL_ID_KEY = STS_EXTERNAL_ID.lower()  # condition keys compared lowercased
EXTERNAL_ID_MARKER = "<secret: embedding.external_id>"
OTHER_EXTERNAL_ID_MARKER = "<secret: not the tenant file's embedding.external_id>"

Canonical = dict[str, Any]


@dataclass(frozen=True)
class DocumentDiff:
    """What a live document holds that the tenant file's does not, and what it lacks."""

    added: tuple[Canonical, ...]
    removed: tuple[Canonical, ...]
    version_changed: bool = False

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.version_changed)


def canonical_statements(document: Any) -> list[Canonical]:
    """The document's statements in one spelling, sorted (DocumentError if it is none)."""
    found = [_canonical(s) for s in statements(parse_document(document))]
    return sorted(found, key=_key)


def compare_documents(expected: Any, live: Any) -> DocumentDiff:
    """`live` against `expected` by meaning: a statement counts once, whatever its order."""
    want = {_key(s): s for s in canonical_statements(expected)}
    try:
        have = {_key(s): s for s in canonical_statements(live)}
    except DocumentError:
        have = {}
    version = parse_document(expected).get("Version") != _version(live)
    return DocumentDiff(
        added=tuple(have[k] for k in sorted(have.keys() - want.keys())),
        removed=tuple(want[k] for k in sorted(want.keys() - have.keys())),
        version_changed=version,
    )


def shown(statement: Canonical, *, external_id: str | None) -> Canonical:
    """A canonical statement fit for a report: every `sts:ExternalId` value is a marker."""
    conditions = statement.get("Condition")
    if not conditions:
        return statement
    masked: dict[str, dict[str, list[str]]] = {}
    for operator, block in conditions.items():
        masked[operator] = {
            key: [_external_id_marker(v, external_id) for v in values]
            if key == EXTERNAL_ID_KEY
            else values
            for key, values in block.items()
        }
    return {**statement, "Condition": masked}


def _external_id_marker(value: str, external_id: str | None) -> str:
    return EXTERNAL_ID_MARKER if value == external_id else OTHER_EXTERNAL_ID_MARKER


def _canonical(statement: Statement) -> Canonical:
    out: Canonical = {"Effect": statement.effect}
    for name, values in (
        ("Action", statement.actions),
        ("NotAction", statement.not_actions),
    ):
        if values:
            # IAM matches action names case-insensitively.
            out[name] = sorted({v.lower() for v in values})
    for name, values in (
        ("Resource", statement.resources),
        ("NotResource", statement.not_resources),
    ):
        if values:
            out[name] = sorted(set(values))
    for name, principals in (
        ("Principal", statement.principals),
        ("NotPrincipal", statement.not_principals),
    ):
        if principals:
            out[name] = _principal_map(principals)
    if statement.conditions:
        out["Condition"] = {
            # Condition keys are case-insensitive; operators and values are not.
            operator: {
                key.lower(): sorted({_value(v) for v in values}) for key, values in block.items()
            }
            for operator, block in sorted(statement.conditions.items())
        }
    return out


def _principal_map(principals: Mapping[str, tuple[str, ...]]) -> dict[str, list[str]] | str:
    if set(principals) == {"*"}:
        return "*"
    return {kind: sorted(set(values)) for kind, values in sorted(principals.items())}


def _value(value: str) -> str:
    # A JSON true and the string "true" are the same condition value to IAM.
    return value.lower() if value in ("True", "False") else value


def _key(statement: Canonical) -> str:
    return json.dumps(statement, sort_keys=True)


def _version(document: Any) -> Any:
    try:
        return parse_document(document).get("Version")
    except DocumentError:
        return None
