"""`qs-embed`, the platform toolkit's command line: above every part of the repository.

It may import `embedder`, `policies`, `infra` and `sandbox`; none of them imports it (an
import-linter contract in pyproject.toml). Commands that need an extra import it when run.
"""
