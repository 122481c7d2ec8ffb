"""The pre-commit hooks run what `make lint` and `make typecheck` run, and pre-commit accepts
the file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from tests import ROOT

PRE_COMMIT = Path(sys.executable).with_name("pre-commit")


def test_the_hooks_are_the_make_targets_checks() -> None:
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    hooks = {h["id"]: h["entry"] for repo in config["repos"] for h in repo["hooks"]}
    assert set(hooks) == {"ruff", "ruff-format", "mypy", "import-linter"}
    makefile = (ROOT / "Makefile").read_text()
    for entry in hooks.values():
        tool = entry.split()[0].removeprefix(".venv/bin/")
        assert f"$(BIN)/{tool}" in makefile, f"{entry!r} is run by no make target"


def test_pre_commit_accepts_the_config() -> None:
    done = subprocess.run(
        [str(PRE_COMMIT), "validate-config", ".pre-commit-config.yaml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
