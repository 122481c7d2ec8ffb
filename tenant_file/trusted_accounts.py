"""Which accounts a tenant's trust reaches, and whose apps live there.

Trusting an account's root lets any principal of that account that the account's admins allow
`sts:AssumeRole` assume the embed role. The ExternalId that guards it is in the tenant file,
readable by everyone with the repository, so when another tenant's app principal lives in that
account, that app can become this tenant's embed role. `validate` on a directory
(`tenant_file.loader`) and the policy pack (`policies.rules.iam.trust`) both refuse it, from here.

The problem belongs to both files: the one trusting the root, and each neighbour whose app
lives in that account. Both are blamed, so that a sharded deployment (`policies.shards`, which
keeps only the problems of its own shard's files) refuses it in every shard it involves: an
edit that adds a neighbour's app to a trusted account is refused in the neighbour's shard too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
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
    return _by_account(tenants, principal_account)


def roots_by_account(tenants: Iterable[TenantNames]) -> dict[str, list[Neighbour]]:
    """The tenants that trust a whole account, by that account (built once per check)."""
    return _by_account(tenants, root_account)


def _by_account(
    tenants: Iterable[TenantNames], account_of: Callable[[str], str | None]
) -> dict[str, list[Neighbour]]:
    found: dict[str, list[Neighbour]] = {}
    for t in tenants:
        for arn in t.embedding.app_principals:
            account = account_of(arn)
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


def neighbour_problems(tenant: TenantNames, roots: AppsByAccount) -> list[tuple[str, str]]:
    """(field, message) for each app principal of `tenant` living in an account whose root
    another tenant trusts: the other side of `root_trust_problems`."""
    problems: list[tuple[str, str]] = []
    for i, arn in enumerate(tenant.embedding.app_principals):
        account = principal_account(arn)
        if account is None or root_account(arn) is not None:
            continue
        found = neighbours_in(account, roots, besides=tenant.tenant)
        if found:
            problems.append((f"embedding.app_principals[{i}]", trusted_root_message(arn, found)))
    return problems


def trusted_root_message(app: str, roots: list[Neighbour]) -> str:
    tenants = sorted({n.tenant for n in roots})
    return (
        f"lives in account {principal_account(app)}, whose root tenant {', '.join(tenants)} "
        "trusts as a whole; the ExternalId is readable in the tenant files, so this app could "
        "assume that tenant's embed role: the root-trusting tenant must list its exact app role "
        "ARNs instead"
    )


def root_neighbour_message(root: str, found: list[Neighbour]) -> str:
    tenants = sorted({n.tenant for n in found})
    return (
        f"trusts the whole account {root}, where the app principals of tenant "
        f"{', '.join(tenants)} live; the ExternalId is readable in the tenant files, so such "
        "an app could assume this tenant's embed role: list this tenant's exact app role ARNs "
        "instead"
    )
