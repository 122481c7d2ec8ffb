"""The layers the README draws are import-linter contracts (pyproject.toml), run by `make lint`:
a wrong import fails CI. Shown here on a copy of the repository with one import added."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests import PACKAGES, ROOT

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


@pytest.fixture(scope="module")
def copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("repo")
    shutil.copy(ROOT / "pyproject.toml", root)
    for part in PACKAGES:
        shutil.copytree(ROOT / part, root / part, ignore=shutil.ignore_patterns("__pycache__"))
    return root


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=root, env=env, capture_output=True, text=True
    )


def add_import(root: Path, module: str, line: str) -> Path:
    path = root / module
    path.write_text(path.read_text() + f"\n{line}\n")
    return path


def test_the_repository_keeps_its_contracts(copy: Path) -> None:
    done = lint_imports(copy)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        (
            "tenant_file/config.py",
            "import infra.program  # noqa",
            "tenant_file.config -> infra.program",
        ),
        (
            "policies/embed_role.py",
            "import sandbox.trust  # noqa",
            "policies.embed_role -> sandbox.trust",
        ),
        ("infra/plan.py", "import qs_embed.check  # noqa", "infra.plan -> qs_embed.check"),
        ("tenant_file/loader.py", "import pulumi  # noqa", "tenant_file.loader -> pulumi"),
        (
            "tenant_file/names.py",
            "import embedder.clients  # noqa",
            "tenant_file.names -> embedder",
        ),
        ("embedder/clients.py", "import moto  # noqa", "embedder.clients -> moto"),
        (
            "policies/lint.py",
            "import embedder.clients  # noqa",
            "policies.lint -> embedder.clients",
        ),
        ("review/git.py", "import local_engine.state  # noqa", "review.git -> local_engine.state"),
        ("local_engine/state.py", "import review.git  # noqa", "local_engine.state -> review.git"),
        ("infra/plan.py", "import review.review  # noqa", "infra.plan -> review.review"),
    ],
)
def test_a_wrong_import_breaks_a_contract(
    copy: Path, tmp_path: Path, module: str, line: str, broken: str
) -> None:
    root = tmp_path / "repo"
    shutil.copytree(copy, root)
    add_import(root, module, line)
    done = lint_imports(root)
    assert done.returncode != 0
    assert "0 broken" not in done.stdout
    assert broken in done.stdout, done.stdout
