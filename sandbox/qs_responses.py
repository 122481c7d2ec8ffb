"""The QuickSight service of the emulator: moto's operations plus the ones embedding needs."""

from __future__ import annotations

from sandbox.qs_directory_ops import DirectoryOperations
from sandbox.qs_embedding import EmbeddingOperations


class SandboxQuickSightResponse(DirectoryOperations, EmbeddingOperations):
    """Dispatched by operation name (botocore's model routes each request), so a method named
    after an operation in snake case implements it; moto's own methods serve the rest."""
