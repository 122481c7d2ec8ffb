"""Tenant sets drawn at random for the isolation matrix (`test_isolation_matrix.py`).

A seeded `random.Random` draws each set, so a failure is replayed with its seed
(`QS_EMBED_ISOLATION_SEED`); `QS_EMBED_ISOLATION_TENANTS` sets the size (`make isolation`
draws a large one). What a draw covers:

- identity kinds (quicksight, iam), own namespaces and `default`;
- ExternalIds, allowed domains, just-in-time registration (iam identity);
- AUTHOR, ADMIN and _PRO users, user names that collide across tenants (from one small pool);
  one tenant at most in `default` (the loader refuses two tenants naming one namespace);
- adopted users (own namespace adopted, or `default` with the platform's allowance), adopted
  namespaces and profiles (the platform's allowance), tenant names that prefix each other (so a
  profile's physical name `<tenant>-<key>` can be aimed at another tenant's);
- a shard count of 1 to 3;
- a root trust of the emulator's account (which always has neighbours: every app lives there),
  which must be refused in each shard involved before the set is applied without it.

The draw returns plain specs; `document()` writes a tenant file of one.
"""

from __future__ import annotations

import os
import random
import string
from dataclasses import dataclass, field
from typing import Any

ACCOUNT = "111122223333"
REGION = "us-east-1"
SEED_ENV = "QS_EMBED_ISOLATION_SEED"
SIZE_ENV = "QS_EMBED_ISOLATION_TENANTS"
SMALL_DRAW = 4
"""Tenants of the draw `make test` runs: 12 ordered pairs, under a minute here."""
POOL = ("sam", "kim", "ana", "bo", "lee", "max", "ida")
ROLES = ("AUTHOR", "AUTHOR", "ADMIN", "AUTHOR_PRO", "ADMIN_PRO")
CAPABILITIES = (["ExportToCsv"], ["ExportToExcel", "ShareDashboards"], ["PrintReports"])


@dataclass
class UserSpec:
    name: str
    role: str
    adopt: bool = False
    profile: str | None = None


@dataclass
class TenantSpec:
    name: str
    identity: str
    namespace: str
    users: list[UserSpec]
    external_id: str | None = None
    domain: str | None = None
    jit: bool = False
    adopt_namespace: bool = False
    profiles: dict[str, list[str]] = field(default_factory=dict)
    adopted_profiles: set[str] = field(default_factory=set)
    root_trust: bool = False
    """Drawn to trust the account's root: refused with its neighbours, then applied without."""

    @property
    def app(self) -> str:
        return f"arn:aws:iam::{ACCOUNT}:role/{self.name}-app"

    @property
    def allowed_users(self) -> list[str]:
        """Adoptions the platform must allow (`tenant_file.adoption`)."""
        return [
            u.name
            for u in self.users
            if u.adopt and (self.namespace == "default" or u.role.startswith("ADMIN"))
        ]


@dataclass
class Draw:
    seed: int
    token: str
    shard_count: int
    tenants: list[TenantSpec]

    def platform(self) -> dict[str, Any]:
        """platform.yaml: the allowances the drawn adoptions need."""
        adoption: dict[str, Any] = {}
        for t in self.tenants:
            users, profiles = t.allowed_users, sorted(t.adopted_profiles)
            if users or profiles:
                adoption[t.name] = {
                    "users": users,
                    "profiles": profiles,
                    "reason": f"isolation matrix seed {self.seed}",
                }
        return {"adoption": adoption}


def seed_and_size() -> tuple[int, int]:
    seed = os.environ.get(SEED_ENV)
    size = int(os.environ.get(SIZE_ENV) or SMALL_DRAW)
    return (int(seed) if seed else random.SystemRandom().randrange(2**32)), size


def draw(seed: int, size: int) -> Draw:
    rng = random.Random(seed)  # noqa: S311 - a replayable draw, not a secret
    token = "".join(rng.choice(string.ascii_lowercase) for _ in range(4))
    names: list[str] = []
    for i in range(size):
        # A third of the tenants extend an earlier one's name: `m<tok>3` and `m<tok>3-x`.
        if names and rng.random() < 0.3:
            base = rng.choice(names)
            name = f"{base}-x" if f"{base}-x" not in names else f"m{token}{i}"
        else:
            name = f"m{token}{i}"
        names.append(name)
    # One tenant at most in `default`: the loader refuses two tenants naming one namespace.
    in_default = rng.choice([None, *names])
    tenants = [_tenant(rng, name, token, name == in_default) for name in names]
    if size > 1 and rng.random() < 0.5:
        rng.choice(tenants).root_trust = True
    return Draw(seed, token, rng.randint(1, 3), tenants)


def _tenant(rng: random.Random, name: str, token: str, in_default: bool) -> TenantSpec:
    identity = rng.choice(("quicksight", "iam"))
    namespace = "default" if in_default else name
    spec = TenantSpec(name=name, identity=identity, namespace=namespace, users=[])
    if rng.random() < 0.4:
        spec.external_id = f"{name}-ext-{rng.randrange(10**6):06d}"
    if identity == "quicksight" and rng.random() < 0.4:
        spec.domain = f"https://portal.{name}.example"
    if identity == "iam":
        spec.jit = rng.random() < 0.5
    for k in range(rng.randint(0, 2)):
        key = f"p{k}"
        spec.profiles[key] = rng.choice(CAPABILITIES)
    # Adopted profiles and users exist before the first deploy (made by the test).
    for key in spec.profiles:
        if rng.random() < 0.3:
            spec.adopted_profiles.add(key)
    adopting = identity == "quicksight" and rng.random() < 0.4
    spec.adopt_namespace = adopting and namespace != "default"
    pool = [f"{token}-{n}" for n in POOL]
    for user in rng.sample(pool, rng.randint(1, 3)):
        profile = rng.choice([None, *spec.profiles]) if spec.profiles else None
        spec.users.append(
            UserSpec(
                user, rng.choice(ROLES), adopt=adopting and rng.random() < 0.6, profile=profile
            )
        )
    return spec


def document(spec: TenantSpec, *, root_trust: bool = False) -> dict[str, Any]:
    """The tenant file of `spec` (trusting the account's root instead of its app if asked)."""
    embedding: dict[str, Any] = {
        "identity": spec.identity,
        "app_principals": [f"arn:aws:iam::{ACCOUNT}:root" if root_trust else spec.app],
    }
    external_id = spec.external_id or (f"{spec.name}-root-ext" if root_trust else None)
    if external_id:
        embedding["external_id"] = external_id
    if spec.domain:
        embedding["allowed_domains"] = [spec.domain]
    if spec.jit:
        embedding["register_on_first_use"] = True
    users = []
    for u in spec.users:
        user: dict[str, Any] = {"name": u.name, "email": f"{u.name}@{spec.name}.example"}
        user["role"] = u.role
        if u.profile:
            user["profile"] = u.profile
        if u.adopt:
            user["adopt"] = True
        users.append(user)
    doc: dict[str, Any] = {
        "tenant": spec.name,
        "account_id": ACCOUNT,
        "region": REGION,
        "namespace": spec.namespace,
        "embedding": embedding,
        "users": users,
    }
    if spec.adopt_namespace:
        doc["adopt_namespace"] = True
    if spec.profiles:
        doc["permission_profiles"] = {
            key: {"deny": deny, **({"adopt": True} if key in spec.adopted_profiles else {})}
            for key, deny in spec.profiles.items()
        }
    return doc
