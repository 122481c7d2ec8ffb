"""Drift findings, and the report for people (text) and for machines (`--json`)."""

from __future__ import annotations

import pytest

from infra.drift.report import KINDS, DriftReport, Finding

USER = "acme/dana"


def test_a_finding_of_an_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown drift kind 'user-gone'"):
        Finding("user-gone", USER, "acme")


def test_a_finding_shows_file_and_live_values_only_when_it_has_them() -> None:
    missing = Finding("user-missing", USER, "acme")
    assert missing.to_json() == {"kind": "user-missing", "tenant": "acme", "resource": USER}
    assert missing.line() == f"{'user-missing':<30} {USER}: {KINDS['user-missing']}"
    role = Finding("user-role", USER, "acme", expected="READER", actual="ADMIN")
    assert role.to_json() == {
        "kind": "user-role",
        "tenant": "acme",
        "resource": USER,
        "expected": "READER",
        "actual": "ADMIN",
    }
    assert role.line().endswith("(file: READER; live: ADMIN)")
    # One side missing still shows both: `none` for the absent one, lists joined.
    gone = Finding("profile-capabilities", "acme-viewer", "acme", expected=["A", "B"])
    assert gone.line().endswith("(file: [A, B]; live: none)")


def test_detail_is_merged_into_the_json_and_documents_are_listed_in_the_text() -> None:
    added = {"Effect": "Allow", "Action": "quicksight:*", "Resource": "*"}
    finding = Finding("role-policy", "qs-embed-acme", "acme", detail={"added": [added]})
    assert finding.to_json()["added"] == [added]
    report = DriftReport(("acme",), (finding,), "every tenant")
    assert (
        '    live adds: {"Action": "quicksight:*", "Effect": "Allow", "Resource": "*"}'
        in report.text().splitlines()
    )


def test_no_drift() -> None:
    report = DriftReport(("acme", "globex"), (), "every tenant")
    assert not report.drifted
    assert report.text() == (
        "tenant acme: no drift\ntenant globex: no drift\nno drift (every tenant, 2 tenants)"
    )
    assert report.to_json() == {
        "drift": False,
        "scope": "every tenant",
        "tenants": ["acme", "globex"],
        "summary": {},
        "findings": [],
    }


def test_findings_are_grouped_by_tenant_and_the_undeclared_come_last() -> None:
    findings = (
        Finding("role-undeclared", "qs-embed-old", None),
        Finding("user-email", USER, "acme", expected="d@acme.example", actual="x@evil.example"),
        Finding("user-missing", "acme/eli", "acme"),
    )
    report = DriftReport(("acme", "globex"), findings, "shard 1 of 2")
    assert report.drifted
    lines = report.text().splitlines()
    assert lines[0] == "tenant acme: 2 findings"
    assert lines[1].startswith("  user-email")
    assert lines[2].startswith("  user-missing")
    assert lines[3:] == [
        "tenant globex: no drift",
        "declared by no tenant file:",
        f"  {findings[0].line()}",
        "drift: 3 findings (shard 1 of 2, 2 tenants)",
    ]
    assert report.to_json()["summary"] == {"role-undeclared": 1, "user-email": 1, "user-missing": 1}
