"""Which accounts a tenant's trust reaches, and whose apps live there.

Trusting an account's root lets any principal of that account that the account's admins allow
`sts:AssumeRole` assume the embed role. The ExternalId that guards it is in the tenant file,
readable by everyone with the repository, so when another tenant's app principal lives in that
account, that app can become this tenant's embed role. `validate` on a directory
(`tenant_file.loader`) and the policy pack (`policies.rules.iam.trust`) both refuse it, from here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from tenant_file.config import TenantNames

_ACCOUNT = re.compile(r"^arn:[\w-]+:(?:iam|sts)::(?P<account>[0-9]{12}):")
_ROOT = re.compile(r"^(?:arn:[\w-]+:iam::)?(?P<account>[0-9]{12})(?::root)?$")


def principal_account(arn: str) -> str | None:
    """The account an IAM principal ARN (role, user, root, assumed-role session) lives in."""
    match = _ACCOUNT.match(arn)
    return match["account"] if match else None


def root_account(principal: str) -> str | None:
    """The account a principal trusts as a whole (`arn:aws:iam::<id>:root` or a bare id)."""
    match = _ROOT.fullmatch(principal)
    return match["account"] if match else None


@dataclass(frozen=True)
class Neighbour:
    """Another tenant's app principal living in an account a tenant trusts as a whole."""

    tenant: str
    principal: str


AppsByAccount = Mapping[str, list[Neighbour]]


def apps_by_account(tenants: Iterable[TenantNames]) -> dict[str, list[Neighbour]]:
    """Every tenant's app principals, by the account they live in (built once per check)."""
    found: dict[str, list[Neighbour]] = {}
    for t in tenants:
        for arn in t.embedding.app_principals:
            account = principal_account(arn)
            if account is not None:
                found.setdefault(account, []).append(Neighbour(t.tenant, arn))
    return found


def neighbours_in(account: str, apps: AppsByAccount, *, besides: str) -> list[Neighbour]:
    """The app principals of tenants other than `besides` that live in `account`."""
    return [n for n in apps.get(account, ()) if n.tenant != besides]


def root_trust_problems(tenant: TenantNames, apps: AppsByAccount) -> list[tuple[str, str]]:
    """(field, message) for each root `tenant` trusts where another tenant's app lives."""
    problems: list[tuple[str, str]] = []
    for i, arn in enumerate(tenant.embedding.app_principals):
        account = root_account(arn)
        if account is None:
            continue
        found = neighbours_in(account, apps, besides=tenant.tenant)
        if found:
            problems.append((f"embedding.app_principals[{i}]", root_neighbour_message(arn, found)))
    return problems


def root_neighbour_message(root: str, found: list[Neighbour]) -> str:
    tenants = sorted({n.tenant for n in found})
    return (
        f"trusts the whole account {root}, where the app principals of tenant "
        f"{', '.join(tenants)} live; the ExternalId is readable in the tenant files, so such "
        "an app could assume this tenant's embed role: list this tenant's exact app role ARNs "
        "instead"
    )
