"""Which extra of quicksight-embedding installs a module, from the installed package's metadata.

Commands that need an extra import it only when run; when the import fails, the CLI names the
extra to install. The answer comes from the requirements the package declares (and those of the
extras they ask for in turn, `moto[server]` -> flask), never from a hand-kept list.
"""

from __future__ import annotations

import functools
import re
import tomllib
from importlib import metadata
from pathlib import Path

DISTRIBUTION = "quicksight-embedding"


def missing_extra(module: str | None, expected: str) -> str | None:
    """The extra that installs `module` (`expected` when several do), or None when no extra
    of the package provides it (a missing module of our own is a bug, not an environment)."""
    if not module:
        return None
    extras = extras_by_module().get(module.split(".")[0], set())
    if not extras:
        return None
    return expected if expected in extras else sorted(extras)[0]


@functools.cache
def extras_by_module() -> dict[str, set[str]]:
    """Top-level module -> the extras of quicksight-embedding that install it, read from the
    installed package's metadata: each requirement of an extra, and the requirements of the
    extras it names in turn (`moto[server]` brings flask)."""
    requirements = declared_requirements()
    installed: dict[str, set[str]] = {}  # distribution -> its top-level modules, if installed
    for module, dists in metadata.packages_distributions().items():
        for dist in dists:
            installed.setdefault(_module_name(dist), set()).add(module)
    found: dict[str, set[str]] = {}
    core: set[str] = set()
    for requirement in requirements:
        name, wanted, extra = _parse_requirement(requirement)
        for dist in {name, *_extra_requirements(name, wanted)}:
            key = _module_name(dist)
            modules = {key, *installed.get(key, ())}
            if extra is None:
                core |= modules
            else:
                for module in modules:
                    found.setdefault(module, set()).add(extra)
    # A core dependency an extra also needs (pyyaml) is missing from the core install itself.
    return {module: extras for module, extras in found.items() if module not in core}


def declared_requirements() -> list[str]:
    """The package's requirements as its metadata lists them; run from a source checkout
    that was never installed, the same read from its pyproject.toml."""
    try:
        return metadata.requires(DISTRIBUTION) or []
    except metadata.PackageNotFoundError:
        pass
    pyproject = Path(__file__).resolve().parents[1] / "pyproject.toml"
    try:
        project = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {})
    except (OSError, tomllib.TOMLDecodeError):
        return []
    requirements = list(project.get("dependencies", []))
    for extra, listed in project.get("optional-dependencies", {}).items():
        requirements.extend(f'{r}; extra == "{extra}"' for r in listed)
    return requirements


def _extra_requirements(dist: str, extras: set[str]) -> set[str]:
    """Names of what `dist[extras]` adds, when `dist` is installed (else nothing is known)."""
    if not extras:
        return set()
    try:
        requirements = metadata.requires(dist) or []
    except metadata.PackageNotFoundError:
        return set()
    return {
        name
        for name, _, extra in map(_parse_requirement, requirements)
        if extra is not None and extra in extras
    }


_REQUIREMENT = re.compile(
    r"^\s*(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[(?P<extras>[^\]]*)\])?"
    r"[^;]*(?:;.*\bextra\s*==\s*[\"'](?P<extra>[^\"']+)[\"'])?"
)


def _parse_requirement(requirement: str) -> tuple[str, set[str], str | None]:
    """`'moto[server]>=5; extra == "local"'` -> ('moto', {'server'}, 'local')."""
    match = _REQUIREMENT.match(requirement)
    if match is None:
        return requirement, set(), None
    extras = {e.strip() for e in (match["extras"] or "").split(",") if e.strip()}
    return match["name"], extras, match["extra"]


def _module_name(dist: str) -> str:
    """The import name of a distribution, by the usual convention (pulumi-aws -> pulumi_aws)."""
    return re.sub(r"[-.]+", "_", dist).lower()
