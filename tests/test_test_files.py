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
    "sandbox/boto_sessions.py": "the emulator's tests (tests/sandbox/, every session)",
    "sandbox/context_keys.py": "tests/sandbox/test_trust.py, test_conditions.py",
    "sandbox/control_client.py": "tests/sandbox/test_faults.py, test_clock.py",
    "sandbox/control_server.py": "tests/sandbox/test_faults.py, test_clock.py",
    "sandbox/evaluation.py": "tests/sandbox/test_iam_auth.py, test_conditions.py",
    "sandbox/moto_hooks.py": "tests/sandbox/test_emulator.py, test_iam_auth.py",
    "sandbox/pages.py": "tests/sandbox/test_embed_urls.py",
    "sandbox/principals.py": "tests/sandbox/test_sar.py, tests/infra/drift/test_policy.py",
    "sandbox/quicksight/embed_inputs.py": "tests/sandbox/quicksight/test_embedding.py",
    "sandbox/quicksight/exceptions.py": "tests/sandbox/quicksight/test_embedding.py",
    "sandbox/quicksight/models.py": "tests/sandbox/test_quotas.py, test_assets.py",
    "sandbox/quicksight/request.py": "tests/sandbox/test_faults.py, test_iam_auth.py",
    "sandbox/quicksight/responses.py": "tests/sandbox/test_directory.py",
    "sandbox/runtime.py": "tests/sandbox/test_emulator.py",
    "sandbox/server.py": "tests/sandbox/test_emulator.py (it runs the server)",
    "sandbox/wsgi.py": "tests/sandbox/test_emulator.py, test_faults.py",
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
    assert [p.name for p in files_named_for("policies/rules/iam/trust.py")] == ["test_trust.py"]
