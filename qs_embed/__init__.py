"""`qs-embed`, the platform toolkit's command line: above every part of the repository.

It may import every other package (`sandbox`, `review`, `local_engine`, `infra`, `policies`,
`embedder`, `tenant_file`); none of them imports it (an import-linter contract in
pyproject.toml). Commands that need an extra import it when run.
"""
