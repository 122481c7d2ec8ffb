"""Drift findings, and the report for people (text) and for machines (`--json`).

A finding never carries a secret: policy documents are shown through `documents.shown` (the
external id is a marker), and nothing else drift reads is secret (user names, emails, roles,
profile names, ARNs).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from tenant_file.wording import plural

# Every kind of drift, with what it means: the README's table and `--json`'s `kind` values.
KINDS: dict[str, str] = {
    "user-missing": "a user of the tenant file is not in QuickSight",
    "user-role": "a user's role is not the file's",
    "user-email": "a user's email is not the file's",
    "user-profile": "a user's permission profile is not the file's",
    "user-inactive": "a user of the tenant file is inactive in QuickSight",
    "user-undeclared": "a user in a place the tenant owns that its file does not list",
    "user-retained": "a user of a removed tenant (kept by retain_users_on_delete)",
    "profile-missing": "a permission profile of the file is not in QuickSight",
    "profile-capabilities": "a profile denies other capabilities than the file's",
    "namespace-missing": "the tenant's namespace is not in QuickSight",
    "namespace-status": "the tenant's namespace is not CREATED or not QuickSight-backed",
    "namespace-undeclared": "a namespace no tenant file declares",
    "role-missing": "the tenant's embed role is not in IAM",
    "role-trust": "the embed role's trust policy differs from the file's",
    "role-session-duration": "the embed role's maximum session duration was changed",
    "role-policy-missing": "the embed role lacks its inline policy",
    "role-policy": "the embed role's inline policy differs from the file's",
    "role-inline-policy-undeclared": "an inline policy the stack never puts on the role",
    "role-attached-policy": "a managed policy attached to the role (the stack attaches none)",
    "role-undeclared": "a qs-embed-* role no tenant file declares",
}


@dataclass(frozen=True)
class Finding:
    kind: str
    resource: str
    """What drifted: an ARN, or `namespace/user` for a user, a role or profile name."""
    tenant: str | None
    """The tenant whose file declares (or whose place holds) it; None: no tenant's."""
    expected: Any = None
    actual: Any = None
    detail: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown drift kind {self.kind!r}")

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "tenant": self.tenant, "resource": self.resource}
        if self.expected is not None or self.actual is not None:
            out |= {"expected": self.expected, "actual": self.actual}
        return out | self.detail

    def line(self) -> str:
        text = f"{self.kind:<30} {self.resource}: {KINDS[self.kind]}"
        if self.expected is not None or self.actual is not None:
            text += f" (file: {_short(self.expected)}; live: {_short(self.actual)})"
        return text


@dataclass(frozen=True)
class DriftReport:
    tenants: tuple[str, ...]
    findings: tuple[Finding, ...]
    scope: str
    """`every tenant` or `shard K of N`."""

    @property
    def drifted(self) -> bool:
        return bool(self.findings)

    def to_json(self) -> dict[str, Any]:
        return {
            "drift": self.drifted,
            "scope": self.scope,
            "tenants": list(self.tenants),
            "summary": dict(sorted(Counter(f.kind for f in self.findings).items())),
            "findings": [f.to_json() for f in self.findings],
        }

    def text(self) -> str:
        lines: list[str] = []
        by_tenant: dict[str | None, list[Finding]] = {}
        for finding in self.findings:
            by_tenant.setdefault(finding.tenant, []).append(finding)
        for tenant in self.tenants:
            found = by_tenant.pop(tenant, [])
            lines.append(
                f"tenant {tenant}: " + ("no drift" if not found else plural(len(found), "finding"))
            )
            lines += [f"  {f.line()}" for f in found] + [
                f"    {d}" for f in found for d in _document_lines(f)
            ]
        rest = [f for group in by_tenant.values() for f in group]
        if rest:
            lines.append("declared by no tenant file:")
            lines += [f"  {f.line()}" for f in rest]
        verdict = f"drift: {plural(len(self.findings), 'finding')}" if self.drifted else "no drift"
        lines.append(f"{verdict} ({self.scope}, {plural(len(self.tenants), 'tenant')})")
        return "\n".join(lines)


def _document_lines(finding: Finding) -> list[str]:
    import json

    lines = []
    for label, key in (("live adds", "added"), ("live lacks", "removed")):
        for statement in finding.detail.get(key, ()):
            lines.append(f"{label}: {json.dumps(statement, sort_keys=True)}")
    return lines


def _short(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return str(value)
