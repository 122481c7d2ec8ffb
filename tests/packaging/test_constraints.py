"""constraints.txt pins every requirement of both distributions (extras included) at a version
that satisfies it, so `make venv` installs what the tests last passed with."""

from __future__ import annotations

import tomllib

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests import ROOT


def _pins() -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version, f"not a pin: {line!r}"
            pins[canonicalize_name(name)] = version
    return pins


def _requirements() -> list[Requirement]:
    toolkit = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    app = tomllib.loads((ROOT / "packaging" / "quicksight-embedder" / "pyproject.toml").read_text())
    listed = [*app["project"]["dependencies"]]
    for extra in toolkit["optional-dependencies"].values():
        listed += extra
    return [Requirement(r) for r in listed]


def test_every_requirement_is_pinned_at_a_version_it_accepts() -> None:
    pins = _pins()
    for requirement in _requirements():
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement} is not pinned in constraints.txt"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"constraints.txt pins {name}=={pins[name]}, outside {requirement}"
        )


def test_the_repositorys_own_packages_are_not_pinned() -> None:
    assert not {"quicksight-embedder", "quicksight-embedding"} & _pins().keys()
