"""The one review of tenant edits: the pack, the lint and the adoptions over the program."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pulumi_aws as aws

from review.review import NOTHING, check, review
from tests.policies.pack_helpers import trust
from tests.tenant_files import EXAMPLES, example, example_tenants


def rogue() -> None:
    """A role outside every tenant stack that trusts everyone."""
    aws.iam.Role("rogue", name="qs-embed-rogue", assume_role_policy=trust("*"))


def test_no_tenants_and_nothing_extra_is_nothing_to_review() -> None:
    assert review([]) is NOTHING
    assert NOTHING.verdict() == "0 mandatory, 0 advisory, 0 lint (0 above LOW)"
    assert not NOTHING.refused


def test_the_examples_pass_with_advice_only() -> None:
    found = review(example_tenants())
    assert not found.refused
    assert found.verdict() == "0 mandatory, 2 advisory, 0 lint (0 above LOW)"
    assert [line.split(":")[0] for line in found.lines()] == [
        "advisory quicksight-user-without-profile"
    ] * 2


def test_a_mandatory_violation_refuses_and_comes_first() -> None:
    found = review(example_tenants(), rogue)
    assert found.refused
    assert found.mandatory > 0
    flags = [v.mandatory for v in found.violations]
    assert flags == sorted(flags, reverse=True)
    assert any("qs-embed-rogue" in line for line in found.lines())


def test_reviews_add_up() -> None:
    acme, globex = review([example("acme")]), review([example("globex")])
    both = acme + globex
    assert len(both.declared) == len(acme.declared) + len(globex.declared)
    assert both.violations == [*acme.violations, *globex.violations]
    assert both.verdict() == "0 mandatory, 2 advisory, 0 lint (0 above LOW)"


def test_check_prints_every_finding_then_one_summary(tmp_path: Path) -> None:
    tenants = shutil.copytree(EXAMPLES, tmp_path / "tenants")
    out = io.StringIO()
    assert not check(tenants, out).refused
    *findings, summary = out.getvalue().splitlines()
    assert len(findings) == 2
    assert summary == (
        "ok: 2 tenants, 15 resources in 2 tenant components: "
        "0 mandatory, 2 advisory, 0 lint (0 above LOW)"
    )
    out = io.StringIO()
    assert check(tenants, out, extra=rogue).refused
    summary = out.getvalue().splitlines()[-1]
    assert summary.startswith(
        "REFUSED: 2 tenants, 15 resources in 2 tenant components and 1 outside them: "
    )
