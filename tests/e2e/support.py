"""What the end-to-end tests share: tenant files they write, app principals, clocks, hooks.

The four tenants of the suite (two per identity mode, one with an ExternalId):

    t-alpha  quicksight  ana (analyst), abe (viewer)
    t-beta   quicksight  bo (analyst), bea (viewer)
    t-gamma  iam         gus (analyst), gia (viewer)    external_id set
    t-delta  iam         dan (analyst), dee (viewer)

User names are distinct across tenants, so a cross-tenant attempt can only succeed by a
real isolation failure, never by hitting the asking tenant's own namesake.
"""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from botocore.config import Config

from embedder import ClientPool, Embedder
from sandbox import Emulator, EmulatorSession
from tenant_file.config import TenantConfig

ACCOUNT = "111122223333"
REGION = "us-east-1"
GAMMA_EXTERNAL_ID = "gamma-embed-5e1f7c"
UNTRUSTED_APP = f"arn:aws:iam::{ACCOUNT}:role/untrusted-app"
PROFILES: dict[str, dict[str, list[str]]] = {
    "analyst": {"deny": ["ExportToCsv", "ExportToExcel"]},
    "viewer": {"deny": ["ShareDashboards", "ShareAnalyses"]},
}
# No retries where a test wants to see one request's answer.
NO_RETRIES = Config(retries={"total_max_attempts": 1})


@dataclass(frozen=True)
class TenantSpec:
    name: str
    identity: str
    users: Mapping[str, str | None]  # user name -> profile key (None: no profile)
    external_id: str | None = None

    @property
    def app(self) -> str:
        return app_principal(self.name)


SUITE_TENANTS = (
    TenantSpec("t-alpha", "quicksight", {"ana": "analyst", "abe": "viewer"}),
    TenantSpec("t-beta", "quicksight", {"bo": "analyst", "bea": "viewer"}),
    TenantSpec("t-gamma", "iam", {"gus": "analyst", "gia": "viewer"}, GAMMA_EXTERNAL_ID),
    TenantSpec("t-delta", "iam", {"dan": "analyst", "dee": "viewer"}),
)
TENANT_NAMES = tuple(spec.name for spec in SUITE_TENANTS)


def app_principal(tenant: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:role/{tenant}-app"


def tenant_document(spec: TenantSpec) -> dict[str, Any]:
    """A tenant file's content, as a platform team would write it."""
    embedding: dict[str, Any] = {"identity": spec.identity, "app_principals": [spec.app]}
    if spec.external_id is not None:
        embedding["external_id"] = spec.external_id
    users = []
    for name, profile in spec.users.items():
        user: dict[str, Any] = {"name": name, "email": f"{name}@{spec.name}.example"}
        user["role"] = "AUTHOR"
        if profile is not None:
            user["profile"] = profile
        users.append(user)
    return {
        "tenant": spec.name,
        "account_id": ACCOUNT,
        "region": REGION,
        "namespace": spec.name,
        "embedding": embedding,
        "permission_profiles": PROFILES,
        "users": users,
    }


def file_document(tenant: str, users: dict[str, dict[str, Any]], **extra: Any) -> dict[str, Any]:
    """A quicksight-identity tenant file of `users` (name -> fields beyond email and the
    AUTHOR role), with the suite's profiles; `extra` replaces or adds top-level fields, and
    `embedding=` fields of the embedding."""
    embedding = {"identity": "quicksight", "app_principals": [app_principal(tenant)]}
    embedding |= extra.pop("embedding", {})
    return {
        "tenant": tenant,
        "account_id": ACCOUNT,
        "region": REGION,
        "embedding": embedding,
        "permission_profiles": PROFILES,
        "users": [
            {"name": n, "email": f"{n}@{tenant}.example", "role": "AUTHOR", **u}
            for n, u in users.items()
        ],
        **extra,
    }


def forged_for(asker: TenantConfig, victim: TenantConfig) -> TenantConfig:
    """`asker`'s tenant file edited to name the victim's namespace and users.

    Everything else (role, identity, ExternalId) stays the asker's: only AWS can stop it now.
    """
    return asker.model_copy(update={"namespace": victim.namespace, "users": victim.users})


class Apps:
    """App principals acting on the emulator; each role's session is made once and reused."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self._sessions: dict[str, EmulatorSession] = {}
        self._lock = threading.Lock()

    def session(self, principal: str) -> EmulatorSession:
        with self._lock:
            if principal not in self._sessions:
                self._sessions[principal] = self.emulator.principal_session(principal)
            return self._sessions[principal]

    def fresh_session(self, principal: str) -> EmulatorSession:
        """A session of its own, for a test that registers event hooks on it."""
        return self.emulator.principal_session(principal)

    def embedder(
        self,
        config: TenantConfig,
        principal: str | None = None,
        *,
        session: EmulatorSession | None = None,
        clock: Callable[[], datetime] | None = None,
        boto_config: Config | None = None,
    ) -> Embedder:
        """`config`'s Embedder as the app `principal` (default: the tenant's own app)."""
        if session is None:
            session = self.session(principal or config.embedding.app_principals[0])
        return Embedder(
            config,
            session=session,
            endpoint_url=self.emulator.endpoint_url,
            clock=clock,
            boto_config=boto_config,
            client_pool=ClientPool(8),  # nothing cached is shared with another test
        )


class CallCounter:
    """Counts botocore events of one session (e.g. every HTTP attempt of an operation)."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self._lock = threading.Lock()

    def handler(self, event_name: str = "", **_: Any) -> None:
        with self._lock:
            self.counts[event_name] = self.counts.get(event_name, 0) + 1

    def __getitem__(self, event_name: str) -> int:
        return self.counts.get(event_name, 0)


@contextmanager
def counting(session: EmulatorSession, *event_names: str) -> Iterator[CallCounter]:
    """Count `event_names` (`before-send.<service>.<Operation>` = one per HTTP attempt,
    `before-call.<service>.<Operation>` = one per API call) on `session` and every client
    made from it, the embedder's role-session clients included (they share its hooks)."""
    counter = CallCounter()
    for name in event_names:
        session.events.register(name, counter.handler)
    try:
        yield counter
    finally:
        for name in event_names:
            session.events.unregister(name, counter.handler)


def redeem(url: str) -> tuple[int, str]:
    """Open an embed URL as a browser would: HTTP status and page text."""
    try:
        with urllib.request.urlopen(url, timeout=10) as page:  # noqa: S310 - the emulator
            return int(page.status), page.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
