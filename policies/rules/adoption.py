"""Adoptions, one line each, for the reviewer of a tenant edit (`qs-embed check`).

Adopting takes over something the stack did not create: an existing QuickSight user (who may
own assets, and whose console the tenant's app may then open), namespace or profile. It is
never implicit (an existing user without `adopt: true` is refused at deploy), so every
adoption a file asks for is shown for a human to confirm.
"""

from __future__ import annotations

from collections.abc import Sequence

from embedder.config import TenantConfig

TAG = "adopt"


def adoption_lines(tenants: Sequence[TenantConfig]) -> list[str]:
    lines: list[str] = []
    for tenant in tenants:
        head = f"{TAG} {tenant.tenant}:"
        if tenant.adopt_namespace:
            lines.append(
                f"{head} namespace {tenant.namespace}: takes over the existing namespace "
                "(users in it that the file does not list stay, unmanaged)"
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
                    "then open its console"
                )
        jit = getattr(tenant.embedding, "register_on_first_use", False)
        if jit and tenant.embedding.identity == "iam":
            lines.append(
                f"{head} users the app registers on first use (register_on_first_use) are "
                "adopted by the next deploy: "
                + ", ".join(u.name for u in tenant.users if not u.adopt)
            )
    return lines
