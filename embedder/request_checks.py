"""What a caller may ask for, by the tenant file: checked before anything is sent to AWS.

Pure functions of the tenant config; each refusal is a `BadInputError` naming the tenant, what
was asked and what the file allows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from embedder.errors import (
    DomainNotAllowedError,
    EntryPointNotAllowedError,
    SessionLifetimeNotAllowedError,
    UnknownUserError,
)
from tenant_file.config import TenantConfig, TenantUser
from tenant_file.entry_points import entry_point_problem, is_allowed
from tenant_file.limits import service_limits
from tenant_file.origins import is_admitted, plain_origin_problem

SHOWN_USERS = 20
SHOWN_CHARS = 80


def tenant_user(config: TenantConfig, name: str, members: Mapping[str, TenantUser]) -> TenantUser:
    """The user called `name` in the tenant file; `members` is the file's users by name."""
    member = members.get(name) if isinstance(name, str) else None
    if member is None:
        names = [u.name for u in config.users]
        known = ", ".join(names[:SHOWN_USERS])
        if len(names) > SHOWN_USERS:
            known += f", ... ({len(names) - SHOWN_USERS} more)"
        raise UnknownUserError(tenant=config.tenant, user=_shown(name), known=known)
    return member


def entry_point(config: TenantConfig, path: str | None) -> str:
    """`path` if AWS accepts it and the tenant's allow-list admits it; None: the default."""
    embedding = config.embedding
    if path is None:
        return embedding.default_entry_point
    problem = entry_point_problem(path) if isinstance(path, str) else "is not a string"
    allow_list = embedding.allowed_entry_points
    if problem is None and not is_allowed(path, allow_list):
        problem = f"is not in embedding.allowed_entry_points ({', '.join(allow_list or ())})"
    if problem is not None:
        raise EntryPointNotAllowedError(
            tenant=config.tenant, entry_point=_shown(path), reason=problem
        )
    return path


def session_lifetime(config: TenantConfig, minutes: int | None) -> int:
    """The tenant's session_lifetime_minutes is both the default and the most one may ask:
    the tenant file, not the calling code, decides how long a console session may live."""
    ceiling = config.embedding.session_lifetime_minutes
    if minutes is None:
        return ceiling
    limits = service_limits()
    low, high = limits.session_lifetime_min, limits.session_lifetime_max
    if type(minutes) is int and low <= minutes <= ceiling:  # the file's ceiling is <= high
        return minutes
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        reason = "must be a whole number of minutes"
    elif not low <= minutes <= high:
        reason = f"must be {low}..{high} minutes (AWS SessionLifetimeInMinutes)"
    elif minutes > ceiling:
        reason = f"the tenant allows at most {ceiling} (embedding.session_lifetime_minutes)"
    else:
        return minutes
    raise SessionLifetimeNotAllowedError(tenant=config.tenant, minutes=minutes, reason=reason)


def allowed_domains(config: TenantConfig, domains: Sequence[str] | None) -> list[str]:
    """Origins that may frame the console: each a plain https origin that one entry of
    embedding.allowed_domains admits (an exact origin, or a subdomain under a `*.` entry)."""
    configured = config.embedding.allowed_domains
    if domains is None:
        return list(configured)
    if isinstance(domains, str):
        raise DomainNotAllowedError(
            tenant=config.tenant, domain=domains, reason="pass a list of origins, not a string"
        )
    for domain in domains:
        problem = plain_origin_problem(domain)
        if problem is None and not is_admitted(domain, configured):
            problem = f"embedding.allowed_domains lists {', '.join(configured) or 'none'}"
        if problem is not None:
            shown: object = domain
            if isinstance(domain, str) and len(domain) > SHOWN_CHARS:
                shown = _shown(domain)
            raise DomainNotAllowedError(tenant=config.tenant, domain=shown, reason=problem)
    return list(domains)


def _shown(value: object) -> object:
    """`value` as an error message shows it: a string cut to SHOWN_CHARS (it came from the app's
    caller, and may be of any length)."""
    if isinstance(value, str) and len(value) > SHOWN_CHARS:
        return value[: SHOWN_CHARS - 3] + "..."
    return value
