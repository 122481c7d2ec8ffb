"""Every bad tenant file gives one line per problem naming file and field, and exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from qs_embed.cli import main
from tests.corpus import BadTenantCase, bad_tenant_cases, bad_tenant_sets

CASES = bad_tenant_cases()


def test_corpus_is_broad() -> None:
    assert len(CASES) >= 25
    assert len({c.case for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.case)
def test_validate_refuses_with_file_field_and_exit_2(
    case: BadTenantCase, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = case.install(tmp_path)
    assert main(["validate", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.startswith("error: ")]
    prefix = f"error: {path}: {case.location}" if case.location else f"error: {path}: "
    matching = [line for line in lines if line.startswith(prefix) and case.expect in line]
    assert matching, f"no line starting {prefix!r} containing {case.expect!r} in:\n{err}"


@pytest.mark.parametrize("case_dir", bad_tenant_sets(), ids=lambda p: p.name)
def test_tenant_sets_that_clash_are_refused(
    case_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    expected = [line for line in (case_dir / "expect.txt").read_text().splitlines() if line]
    assert main(["validate", str(case_dir)]) == 2
    err = capsys.readouterr().err
    for fragment in expected:
        assert fragment in err, f"{fragment!r} missing from:\n{err}"
    # Each file is valid on its own: the clash is what fails.
    for f in case_dir.glob("*.y*ml"):
        assert main(["validate", str(f)]) == 0


def test_secret_external_id_is_never_echoed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = "s3cr3t value with spaces!"
    (tmp_path / "acme.yaml").write_text(
        "tenant: acme\nembedding:\n  identity: iam\n  app_principals: "
        "[arn:aws:iam::111122223333:role/app]\n"
        f"  external_id: '{secret}'\n"
        "users: [{name: alice, email: a@acme.example, role: AUTHOR}]\n"
    )
    assert main(["validate", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "embedding.external_id" in err
    assert secret not in err


def test_a_list_with_bad_items_is_reported_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case = next(c for c in CASES if c.case == "app-principal-star")
    path = case.install(tmp_path)
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("error: ") == 1, err
