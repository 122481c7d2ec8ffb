"""Tests are found by name: every module with logic, `<package>/<path>/<module>.py`, has
`tests/<package>/<path>/test_<module>.py`, or files `test_<module>_<aspect>.py` beside it when
one module's tests are many (`test_loader_fuzz.py`, `test_loader_limits.py`).

Two explicit lists say which modules have none: those without logic, and the known gaps (each
naming where the module's behaviour is tested today). A new module without a test file fails
here; so does a gap that got its file and is still listed, so the list only shrinks."""

from __future__ import annotations

from pathlib import Path

from tests import PACKAGES, ROOT

WITHOUT_LOGIC = {
    # Entry-point shims: they call main() (tested through the CLI) or build the pack from
    # functions tested in tests/policies/.
    "qs_embed/__main__.py",
    "policies/__main__.py",
    # Pure data: an IntEnum of exit codes (its values are asserted by every CLI test).
    "qs_embed/exit_codes.py",
}
"""Modules that hold no logic to test (besides every `__init__.py`, which only re-exports)."""

KNOWN_GAPS = {
    # module: where its behaviour is tested today, under another name (move those tests into
    # test_<module>.py, or write them there, and take the line out).
    "tenant_file/limits.py": "tests/tenant_file/test_config.py (limits from botocore models)",
    "tenant_file/schema.py": "tests/tenant_file/test_config.py (schema round trip)",
    "tenant_file/trusted_accounts.py": "tests/policies/test_rules_iam.py (trusted accounts)",
    "embedder/aws_errors.py": "tests/embedder/test_credentials.py, test_errors.py",
    "embedder/clients.py": "tests/embedder/test_credentials.py (pool, sessions)",
    "policies/action_wildcards.py": "tests/policies/test_embed_role.py, test_pack_lint.py",
    "policies/lint.py": "tests/policies/test_pack_lint.py",
    "policies/policy_documents.py": "tests/policies/test_embed_role_snapshots.py",
    "policies/resources.py": "tests/infra/test_program.py, tests/policies/test_pack_*.py",
    "policies/rules/iam/common.py": "tests/policies/test_rules_iam.py",
    "policies/rules/iam/managed.py": "tests/policies/test_rules_iam.py",
    "policies/rules/iam/permissions.py": "tests/policies/test_rules_iam.py",
    "policies/rules/iam/session.py": "tests/policies/test_rules_iam.py",
    "policies/rules/iam/trust.py": "tests/policies/test_rules_iam.py",
    "policies/rules/props.py": "tests/policies/rules/test_stack_rules.py",
    "policies/tenant_index.py": "tests/policies/test_pack_shard.py, test_pack_program.py",
    "infra/drift/report.py": "tests/infra/drift/test_compare.py, tests/qs_embed/test_drift.py",
    "infra/offline_mocks.py": "tests/infra/test_offline.py, test_program.py",
    "infra/plan.py": "tests/qs_embed/test_plan.py",
    "local_engine/apply_steps.py": "tests/local_engine/test_engine.py, test_engine_kill.py",
    "local_engine/engine_core.py": "tests/local_engine/test_engine.py, test_preview.py",
    "local_engine/local_apply.py": "tests/e2e/ (every test applies through it)",
    "review/changes.py": "tests/qs_embed/test_check.py, tests/review/test_experience_changes.py",
    "review/declared.py": "tests/policies/test_pack_program.py, test_pack_shard.py",
    "review/review.py": "tests/qs_embed/test_check.py",
    "qs_embed/demo_experiences.py": "tests/qs_embed/test_demo.py",
    "qs_embed/local_serve.py": "tests/sandbox/test_emulator.py (local serve)",
}


def modules() -> list[str]:
    """Every module of the packages, as a path from the repository's root."""
    return sorted(
        path.relative_to(ROOT).as_posix()
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if path.name != "__init__.py"
    )


def files_named_for(module: str) -> list[Path]:
    """The test files named for `module`: test_<module>.py and test_<module>_<aspect>.py."""
    directory = ROOT / "tests" / Path(module).parent
    stem = Path(module).stem
    named = [directory / f"test_{stem}.py", *directory.glob(f"test_{stem}_*.py")]
    return [path for path in named if path.is_file()]


def test_every_module_with_logic_has_a_test_file_named_for_it() -> None:
    missing = [
        f"{module} (write tests/{Path(module).parent}/test_{Path(module).stem}.py)"
        for module in modules()
        if module not in WITHOUT_LOGIC | KNOWN_GAPS.keys() and not files_named_for(module)
    ]
    assert missing == [], "\n".join(missing)


def test_the_lists_name_modules_that_exist_and_still_have_no_test_file() -> None:
    known = set(modules())
    assert sorted(WITHOUT_LOGIC - known) == [], "a listed module is gone: take it out"
    assert sorted(KNOWN_GAPS.keys() - known) == [], "a listed module is gone: take it out"
    closed = [module for module in sorted(KNOWN_GAPS) if files_named_for(module)]
    assert closed == [], f"these have a test file now: take them out of KNOWN_GAPS: {closed}"


def test_the_rule_finds_files_by_name_and_aspect() -> None:
    names = {p.name for p in files_named_for("tenant_file/loader.py")}
    assert {"test_loader_fuzz.py", "test_loader_limits.py"} <= names
    assert [p.name for p in files_named_for("embedder/request_checks.py")] == [
        "test_request_checks.py"
    ]
    assert files_named_for("embedder/no_such_module.py") == []
    assert files_named_for("policies/rules/iam/trust.py") == [], "not test_rules_iam.py"
