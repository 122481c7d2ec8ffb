"""Users of the `default` namespace, which several tenants may share: one owner per name.

A tenant's own namespace is its alone (the loader refuses two tenants naming one), so user
names may repeat across tenants freely. The `default` namespace is the account's and may be
chosen by several tenants: there a user name is one QuickSight user, and two files naming it
would both grant their embed role that user's exact ARN (`policies.iam.tenant_user_resources`),
one tenant's app then minting for the other's user. QuickSight user names are compared as AWS
does not (case-insensitively): `Bob` and `bob` are two users that only a careful eye tells
apart. IAM-identity users are named `<embed role>/<session>`, distinct per tenant by
construction.

Both files are blamed, so that a sharded deployment refuses it in each shard it involves.
Other shards' files are read for names only (`embedder.shards`), without their users: there
the deploy refuses the second tenant (the user exists, and adopting a user of `default` needs
the platform's allow-list, `embedder.adoption`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from embedder.errors import Problem

DEFAULT_NAMESPACE = "default"


def default_namespace_user_problems(loaded: Sequence[tuple[Path, object]]) -> list[Problem]:
    """A QuickSight user name of `default` listed by two tenant files (case-insensitively)."""
    owners: dict[str, list[tuple[Path, str, int]]] = {}
    for path, tenant in loaded:
        users = getattr(tenant, "users", None)  # other shards' files are read without them
        embedding = getattr(tenant, "embedding", None)
        if (
            users is None
            or getattr(tenant, "namespace", None) != DEFAULT_NAMESPACE
            or getattr(embedding, "identity", None) != "quicksight"
        ):
            continue
        for i, user in enumerate(users):
            owners.setdefault(user.name.casefold(), []).append((path, user.name, i))
    problems: list[Problem] = []
    for claims in owners.values():
        files = {path for path, _, _ in claims}
        if len(files) < 2:
            continue
        for path, name, i in claims:
            others = ", ".join(f"{p} ({n!r})" for p, n, _ in claims if p != path)
            problems.append(
                Problem(
                    str(path),
                    f"users[{i}].name",
                    f"{name!r} of the default namespace is also listed by {others}: there a "
                    "name is one QuickSight user (case aside), and both tenants' apps would "
                    "open its console; give each tenant its own namespace or its own users",
                )
            )
    return problems
