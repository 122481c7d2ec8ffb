"""requirements.txt: what `pulumi install` installs for Pulumi.yaml's `toolchain: pip`.

Pulumi's pip toolchain runs `pip install -r requirements.txt` in the project's root (pulumi
sdk/python/toolchain/pip.go InstallDependencies) and installs nothing without the file.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]


def _editable_lines() -> list[str]:
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    entries = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    assert all(e.startswith("-e ") for e in entries), entries
    return [e.removeprefix("-e ").strip() for e in entries]


def test_pulumi_yaml_uses_pip_with_the_projects_virtualenv() -> None:
    runtime = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())["runtime"]
    assert runtime["options"]["toolchain"] == "pip"
    assert runtime["options"]["virtualenv"] == ".venv"


def test_requirements_install_this_project_with_the_extra_the_program_imports() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    targets = {}
    for entry in _editable_lines():
        path, _, extras = entry.partition("[")
        targets[(ROOT / path).resolve()] = set(extras.rstrip("]").split(",")) - {""}
    assert targets[ROOT] == {"infra"}
    # The extra holds what __main__.py and the users' provider host import.
    infra = {Requirement(r).name for r in project["optional-dependencies"]["infra"]}
    assert {"pulumi", "pulumi-aws"} <= infra


def test_requirements_install_the_app_package_this_project_pins() -> None:
    embedder = ROOT / "packaging" / "quicksight-embedder"
    name = tomllib.loads((embedder / "pyproject.toml").read_text())["project"]["name"]
    assert name == "quicksight-embedder"
    assert embedder.resolve() in {(ROOT / e.partition("[")[0]).resolve() for e in _editable_lines()}
    # One step past: every path named exists and is a Python project.
    for entry in _editable_lines():
        assert (ROOT / entry.partition("[")[0] / "pyproject.toml").is_file(), entry
