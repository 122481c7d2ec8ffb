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

KNOWN_GAPS: dict[str, str] = {
    # module: where its behaviour is tested today, under another name (move those tests into
    # test_<module>.py, or write them there, and take the line out).
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
