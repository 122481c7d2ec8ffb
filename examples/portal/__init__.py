"""An example multi-tenant web portal that embeds the QuickSight console with `embedder`.

    python -m examples.portal --tenants tenants --endpoint-url URL

See examples/portal/README.md. The sign-in is a demo; everything else is what a real app does:
one Embedder per tenant shared by every request (a TenantRegistry that follows the tenant
files), a fresh single-use embed URL on every page load,
framing limited to the tenant's allowed domains, and plain error pages.
"""

from examples.portal.app import create_app
from examples.portal.tenancy import TenantEmbedder, load_embedders, load_registry

__all__ = ["TenantEmbedder", "create_app", "load_embedders", "load_registry"]
