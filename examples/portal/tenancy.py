"""The portal's tenants: one Embedder each, shared by every request, and their console origins.

An Embedder is thread-safe and reuses its AWS clients and the embed role's credentials, so the
portal keeps one per tenant and shares it by every request; making one per request would
assume the embed role on every page load. The portal serves a `TenantRegistry`
(`load_registry`): each tenant's Embedder is made on first use, and tenant files edited, added
or removed while the portal runs are picked up without a restart. Tests and small apps may
give a fixed list of embedders instead (`FixedTenants`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit

from embedder import Embedder, TenantRegistry
from embedder.errors import UnknownTenantError
from embedder.registry import DEFAULT_REFRESH_SECONDS
from tenant_file.config import TenantConfig
from tenant_file.loader import load_tenants

if TYPE_CHECKING:
    import boto3

    from embedder.result import EmbedUrl


class TenantEmbedder(Protocol):
    """What the portal uses of an `embedder.Embedder` (tests pass fakes)."""

    @property
    def config(self) -> TenantConfig: ...

    def session_embed_url(
        self, user: str, *, entry_point: str | None = None, lifetime_minutes: int | None = None
    ) -> EmbedUrl: ...

    def dashboard_embed_url(self, user: str, dashboard_id: str) -> EmbedUrl: ...

    def anonymous_dashboard_url(
        self, dashboard_id: str, *, session_tags: Mapping[str, str] | None = None
    ) -> EmbedUrl: ...


class TenantSource(Protocol):
    """Where the portal finds a tenant's embedder: a `TenantRegistry`, or `FixedTenants`."""

    def embedder(self, tenant: str) -> TenantEmbedder:
        """The tenant's embedder; `UnknownTenantError` if the portal does not serve it."""
        ...

    def config(self, tenant: str) -> TenantConfig:
        """The tenant's file, without making its embedder (UnknownTenantError as above)."""
        ...

    @property
    def tenants(self) -> list[str]: ...


class FixedTenants:
    """Embedders made up front, one per tenant (a tenant given twice is a mistake)."""

    def __init__(self, embedders: Sequence[TenantEmbedder]) -> None:
        self._by_tenant = by_tenant(embedders)

    def embedder(self, tenant: str) -> TenantEmbedder:
        found = self._by_tenant.get(tenant)
        if found is None:
            raise UnknownTenantError(tenant=tenant, reason="not one of the portal's tenants")
        return found

    def config(self, tenant: str) -> TenantConfig:
        return self.embedder(tenant).config

    @property
    def tenants(self) -> list[str]:
        return sorted(self._by_tenant)


SessionFor = Callable[[TenantConfig], "boto3.Session | None"]


def load_registry(
    tenants_dir: str | Path,
    *,
    endpoint_url: str | None = None,
    session_for: SessionFor | None = None,
    refresh_seconds: float = DEFAULT_REFRESH_SECONDS,
) -> TenantRegistry:
    """The tenants of `tenants_dir`, kept up to date while the portal runs.

    `session_for(tenant)`: the AWS session the app acts as for that tenant (one of its
    `embedding.app_principals`); default: the process's own credentials for every tenant.
    """
    return TenantRegistry(
        tenants_dir,
        refresh_seconds=refresh_seconds,
        session_for=session_for,
        endpoint_url=endpoint_url,
    )


def load_embedders(
    tenants_dir: str | Path,
    *,
    endpoint_url: str | None = None,
    session_for: SessionFor | None = None,
) -> list[Embedder]:
    """An Embedder per tenant file of `tenants_dir` (checked as a whole: ConfigError).

    `session_for(tenant)`: the AWS session the app acts as for that tenant (one of its
    `embedding.app_principals`); default: the process's own credentials for every tenant.
    """
    return embedders_for(load_tenants([tenants_dir]), endpoint_url, session_for)


def embedders_for(
    tenants: Iterable[TenantConfig],
    endpoint_url: str | None = None,
    session_for: SessionFor | None = None,
) -> list[Embedder]:
    return [
        Embedder(
            t,
            session=session_for(t) if session_for is not None else None,
            endpoint_url=endpoint_url,
        )
        for t in tenants
    ]


def by_tenant(embedders: Sequence[TenantEmbedder]) -> Mapping[str, TenantEmbedder]:
    """The embedders by tenant name; a tenant given twice is a mistake, not an override."""
    found: dict[str, TenantEmbedder] = {}
    for e in embedders:
        if e.config.tenant in found:
            raise ValueError(f"tenant {e.config.tenant!r} is given twice")
        found[e.config.tenant] = e
    if not found:
        raise ValueError("the portal needs at least one tenant")
    return found


def origin_of(url: str) -> str:
    """`scheme://host[:port]` of a URL, lower-cased, as browsers compare origins."""
    parts = urlsplit(url)
    if not parts.scheme or not parts.hostname:
        raise ValueError("not an absolute URL")
    host = parts.hostname
    if ":" in host:  # an IPv6 literal
        host = f"[{host}]"
    port = f":{parts.port}" if parts.port is not None else ""
    return f"{parts.scheme.lower()}://{host}{port}"


def console_origin(tenant: TenantConfig, endpoint_url: str | None) -> str:
    """Where the tenant's embed URLs point: the emulator itself, or QuickSight in the tenant's
    identity region. It is the only origin the portal's page may frame."""
    if endpoint_url is not None:
        return origin_of(endpoint_url)
    return f"https://{tenant.region}.quicksight.aws.amazon.com"
