"""The toolkit requires the app package at exactly its own version (one version, one place)."""

from __future__ import annotations

from typing import Any

from hatchling.metadata.plugin.interface import MetadataHookInterface


class CustomMetadataHook(MetadataHookInterface):
    def update(self, metadata: dict[str, Any]) -> None:
        metadata["dependencies"] = [f"quicksight-embedder=={metadata['version']}"]
