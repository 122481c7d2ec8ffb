"""Which QuickSight capabilities pulumi-aws can deny, and a refusal for those it cannot.

botocore lists every capability QuickSight knows; pulumi-aws's `CustomPermissions` has one
field per capability it supports, a small subset. The mapping is read from the installed
provider SDK (its `CustomPermissionsCapabilitiesArgs` fields), so upgrading pulumi-aws widens
it without edits here. A capability it cannot set is refused, never silently dropped: a profile
that denies less than its file says would hand users capabilities the tenant meant to take away.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pulumi_aws as aws

from tenant_file.config import TenantConfig
from tenant_file.errors import Problem
from tenant_file.limits import CAPABILITY_DENY, capability_key, service_limits


def _provider_fields() -> list[str]:
    init = aws.quicksight.CustomPermissionsCapabilitiesArgs.__init__
    return [p for p in inspect.signature(init).parameters if not p.startswith("_")]


@cache
def provider_capability_fields() -> Mapping[str, str]:
    """botocore capability name -> pulumi-aws CustomPermissionsCapabilitiesArgs field."""
    by_normalised = {capability_key(c): c for c in service_limits().capability_names}
    return {
        by_normalised[capability_key(field)]: field
        for field in _provider_fields()
        if capability_key(field) in by_normalised
    }


def capabilities_args(deny: Sequence[str]) -> aws.quicksight.CustomPermissionsCapabilitiesArgs:
    """The provider's capabilities block denying `deny` (botocore names, all expressible)."""
    fields = provider_capability_fields()
    missing = [c for c in deny if c not in fields]
    if missing:
        # provider_problems() refuses these before any resource is declared.
        raise ValueError(f"pulumi-aws cannot deny {', '.join(missing)}")
    return aws.quicksight.CustomPermissionsCapabilitiesArgs(
        **{fields[c]: CAPABILITY_DENY for c in deny}
    )


def capability_names(capabilities: Mapping[str, Any]) -> list[str]:
    """The botocore names in a capabilities block keyed by wire name (`exportToCsv`)."""
    by_normalised = {capability_key(c): c for c in provider_capability_fields()}
    return sorted(by_normalised.get(capability_key(wire), wire) for wire in capabilities)


def capabilities_input(deny: Sequence[str]) -> dict[str, str]:
    """The capabilities input (wire names) denying `deny` (botocore names): what a refresh
    records for a profile found changed in AWS."""
    fields = provider_capability_fields()

    def wire(name: str) -> str:
        head, *rest = fields.get(name, name).split("_")
        if not rest:
            return head[:1].lower() + head[1:]
        return head + "".join(part.title() for part in rest)

    return {wire(c): CAPABILITY_DENY for c in deny}


def provider_problems(loaded: Sequence[tuple[Path, TenantConfig]]) -> list[Problem]:
    """A Problem for every denied capability this pulumi-aws cannot express, with file+field."""
    fields = provider_capability_fields()
    provider = f"pulumi-aws {version('pulumi_aws')}"
    allowed = ", ".join(sorted(fields))
    problems: list[Problem] = []
    for path, tenant in loaded:
        for key, profile in tenant.permission_profiles.items():
            for i, capability in enumerate(profile.deny):
                if capability not in fields:
                    problems.append(
                        Problem(
                            str(path),
                            f"permission_profiles.{key}.deny[{i}]",
                            f"{capability} is a QuickSight capability, but {provider} cannot "
                            "deny it in CustomPermissions; remove it (a profile must not deny "
                            f"less than it says). Allowed: {allowed}",
                        )
                    )
    return problems
