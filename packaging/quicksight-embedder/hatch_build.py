"""Put the repository's tenant_file/ and embedder/ into the app wheel, and only into a real (not
editable) one.

Hatchling's static `force-include` applies to editable wheels too, which would copy the
package into site-packages and shadow the working tree; a build hook can tell them apart.
"""

from __future__ import annotations

from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

APP_PACKAGES = ("tenant_file", "embedder")
"""The app wheel's packages: the tenant file and the runtime that mints URLs from it."""


class CustomBuildHook(BuildHookInterface):
    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if version == "standard":
            for package in APP_PACKAGES:
                build_data["force_include"][f"../../{package}"] = package
