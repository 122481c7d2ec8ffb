"""Adoptions, one line each, for the reviewer of a tenant edit (`qs-embed check`).

Adopting takes over something the stack did not create: an existing QuickSight user (who may
own assets, and whose console the tenant's app may then open), namespace or profile. It is
never implicit (an existing user without `adopt: true` is refused at deploy), so every
adoption a file asks for is shown for a human to confirm.
"""

from __future__ import annotations

from collections.abc import Sequence

from policies.resources import DEFAULT_NAMESPACE
from tenant_file.config import TenantConfig, TenantUser

TAG = "adopt"


def adoption_lines(tenants: Sequence[TenantConfig]) -> list[str]:
    lines: list[str] = []
    for tenant in tenants:
        head = f"{TAG} {tenant.tenant}:"
        if tenant.adopt_namespace:
            lines.append(
                f"{head} namespace {tenant.namespace}: takes over the existing namespace "
                "(users in it that the file does not list stay, unmanaged; the embed role is "
                "granted the file's users by exact ARN only)"
            )
        for key, profile in tenant.permission_profiles.items():
            if profile.adopt:
                lines.append(
                    f"{head} profile {key}: takes over CustomPermissions "
                    f"{tenant.profile_name(key)} (it must already deny exactly "
                    f"{', '.join(profile.deny)})"
                )
        for user in tenant.users:
            if user.adopt:
                name = tenant.quicksight_user_name(user.name)
                lines.append(
                    f"{head} user {user.name}: takes over the existing QuickSight user {name} "
                    f"in namespace {tenant.namespace}; its role becomes {user.role}, its email "
                    f"{user.email}, its profile {user.profile or 'none'}; the embed role may "
                    "then open its console" + _caution(tenant, user)
                )
        if tenant.registers_on_first_use:
            lines.append(
                f"{head} users the app registers on first use (register_on_first_use) are "
                "adopted by the next deploy: "
                + ", ".join(u.name for u in tenant.users if not u.adopt)
            )
    return lines


def _caution(tenant: TenantConfig, user: TenantUser) -> str:
    """What a reviewer must not miss: an adopted user who may be an account administrator."""
    if tenant.namespace == DEFAULT_NAMESPACE:
        return (
            " -- CAUTION: the default namespace is the account's own; make sure this is not an "
            "account administrator or another team's user"
        )
    if user.role.startswith("ADMIN"):
        return " -- CAUTION: an ADMIN user: the tenant's app gets a QuickSight admin console"
    return ""
