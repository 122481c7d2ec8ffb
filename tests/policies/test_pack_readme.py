"""The README's table of the pack's rules is the pack's: each rule, its enforcement level
(mandatory refuses `pulumi up` and `qs-embed check`; advisory is reported) and what it checks."""

from __future__ import annotations

import re
from pathlib import Path

from pulumi_policy import EnforcementLevel

from policies.pack import build_policies
from policies.tenant_index import index_of
from tenant_file.loader import load_tenants

README = Path(__file__).resolve().parents[2] / "README.md"
BEGIN, END = "<!-- pack-rules:begin -->", "<!-- pack-rules:end -->"


def pack_table() -> str:
    """The table as the README must show it (paste it from a failing run)."""
    policies = build_policies(index_of(load_tenants([README.parent / "tenants"])))
    rows = ["| rule | level | what it checks |", "| --- | --- | --- |"]
    for p in policies:
        level = (p.enforcement_level or EnforcementLevel.MANDATORY).value
        rows.append(f"| `{p.name}` | {level} | {p.description} |")
    return "\n".join(rows)


def test_the_readme_lists_each_rule_with_its_level() -> None:
    text = README.read_text()
    match = re.search(re.escape(BEGIN) + r"\n(.*?)\n" + re.escape(END), text, re.S)
    assert match is not None, f"README.md has no {BEGIN} ... {END} table"
    expected = pack_table()
    assert match.group(1) == expected, f"README's pack table is stale; it should read:\n{expected}"
