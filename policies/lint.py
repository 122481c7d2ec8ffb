"""IAM linting with parliament (duo-labs), over every rendered embed role document.

parliament has no trust-policy mode: it reads every statement as an identity policy, which
must name a Resource. A trust policy's resource is the role it is attached to, so each trust
statement is linted with `Resource` set to that role's ARN — the same meaning, made explicit.

Findings are kept whole, with parliament's severity. The only ones set aside are listed in
`ACCEPTED`, each for one issue, one document kind and one action, with the reason.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from policies.embed_role import ACCOUNT_PLACEHOLDER, ASSUME_ROLE
from policies.pack import Declared
from policies.resources import DocumentKind, iam_documents, text
from tenant_file.names import embed_role_arn

FAILING = frozenset({"MEDIUM", "HIGH", "CRITICAL"})
"""Findings above LOW refuse a tenant edit."""
DETAIL_MAX = 160
ANY_ACCOUNT = "000000000000"
"""Stands in for an account the tenant file leaves to the deploying caller."""

ACCEPTED: dict[tuple[str, DocumentKind], frozenset[str]] = {
    # The community auditor flags sts:AssumeRole because it returns credentials. In a trust
    # policy that is the purpose: the tenant's app principals obtain the embed role's (narrow)
    # credentials. Only this finding, only in trust policies, only for sts:AssumeRole.
    ("CREDENTIALS_EXPOSURE", "trust"): frozenset({ASSUME_ROLE.lower()}),
}


@dataclass(frozen=True)
class LintFinding:
    where: str
    issue: str
    severity: str
    detail: str

    @property
    def failing(self) -> bool:
        return self.severity in FAILING

    def __str__(self) -> str:
        # parliament lists every action a wildcard expands to: keep the line readable.
        detail = self.detail if len(self.detail) <= DETAIL_MAX else self.detail[:DETAIL_MAX] + "..."
        return f"{self.severity} {self.issue} {self.where}: {detail}"


@cache
def _configured() -> Any:
    """parliament with its community auditors' severities loaded (what its CLI does)."""
    import parliament

    override = Path(parliament.__file__).parent / "community_auditors" / "config_override.yaml"
    parliament.override_config(str(override))
    return parliament


def lint_document(
    document: Mapping[str, Any], where: str, kind: DocumentKind, role_arn: str | None = None
) -> list[LintFinding]:
    """parliament's findings for one document, minus the accepted ones (see ACCEPTED)."""
    parliament = _configured()
    if kind == "trust":
        statements = document.get("Statement", [])
        listed = [statements] if isinstance(statements, Mapping) else list(statements)
        document = {**document, "Statement": [{**s, "Resource": role_arn} for s in listed]}
    policy = parliament.analyze_policy_string(
        json.dumps(document), ignore_private_auditors=True, include_community_auditors=True
    )
    found: list[LintFinding] = []
    for raw in policy.findings:
        finding = parliament.enhance_finding(raw)
        if _accepted(finding.issue, kind, finding.location):
            continue
        detail = finding.detail or finding.title
        found.append(LintFinding(where, finding.issue, finding.severity, str(detail)))
    return found


def _accepted(issue: str, kind: DocumentKind, location: Mapping[str, Any]) -> bool:
    allowed = ACCEPTED.get((issue, kind))
    actions = {str(a).lower() for a in location.get("actions", [])}
    return allowed is not None and bool(actions) and actions <= allowed


def lint_declared(declared: Sequence[Declared]) -> list[LintFinding]:
    """Lint every IAM document the program declares (what would really be deployed)."""
    found: list[LintFinding] = []
    for d in declared:
        r = d.resource
        for doc in iam_documents(r.resource_type, d.inputs, r.name):
            if doc.document is None:
                continue  # iam-no-wildcard-actions refuses unreadable documents
            role_arn = text(r.props, "arn") or embed_role_arn(
                "aws", ANY_ACCOUNT, str(doc.role_name)
            )
            document = _with_stand_in_account(doc.document)
            found += lint_document(document, doc.where, doc.kind, _stand_in(role_arn))
    return found


def _stand_in(text: str) -> str:
    return text.replace(ACCOUNT_PLACEHOLDER, ANY_ACCOUNT)


def _with_stand_in_account(document: Mapping[str, Any]) -> Mapping[str, Any]:
    """A file without account_id is deployed to the caller's account, shown offline as
    `<account>`: parliament would read that as an invalid ARN (MEDIUM, refusing the file).
    A syntactically valid stand-in keeps every other finding."""
    parsed: Mapping[str, Any] = json.loads(_stand_in(json.dumps(document)))
    return parsed
