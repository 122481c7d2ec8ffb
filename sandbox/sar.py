"""The Service Authorization Reference as data: what IAM authorizes each action against.

Read from the copy parliament ships (``parliament/iam_definition.json``, AWS's "Actions,
resources, and condition keys" pages as JSON), never from a hand list:
https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html

- An action lists resource types (``role*``: the star marks a required one) and condition keys.
  An action with no resource type "does not support specifying a resource ARN in the Resource
  element": only ``"Resource": "*"`` authorizes it, so the emulator authorizes it against ``*``.
- An action with resource types is authorized against the request's resource ARN, which must
  have the ARN format of one of them (a mismatch is this emulator's bug: it is refused loudly).
- The condition keys listed for an action (and for its resource types) are the keys a policy
  may meet for it; a listed key the emulator does not compute is refused loudly when a policy
  tests it, never treated as absent.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

from parliament import iam_definition

from sandbox.conditions import UnsupportedPolicyElement

SAR_DOC = "https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html"


@dataclass(frozen=True)
class Action:
    service: str
    name: str
    resource_types: tuple[str, ...]  # without the "*" marking required ones
    arn_formats: tuple[str, ...]  # of those resource types, as the SAR writes them
    condition_keys: frozenset[str]  # lower-cased, `${TagKey}` kept as written

    @property
    def has_resource_type(self) -> bool:
        return bool(self.resource_types)

    def authorized_resource(self, candidate: str) -> str:
        """The ARN IAM judges this request by: ``*`` for an action with no resource type;
        else ``candidate`` (the request's resource), which must be of a listed type."""
        if not self.has_resource_type:
            return "*"
        if candidate == "*" or any(
            _arn_format_regex(f).fullmatch(candidate) for f in self.arn_formats
        ):
            return candidate
        raise UnsupportedPolicyElement(
            f"the resource {candidate} for {self.service}:{self.name}",
            f"the Service Authorization Reference lists {', '.join(self.resource_types)}: "
            f"{SAR_DOC}",
        )

    def lists_key(self, key: str) -> bool:
        """Whether the SAR lists ``key`` (lower-cased) for this action; tag keys by prefix."""
        if key in self.condition_keys:
            return True
        prefix, _, _ = key.partition("/")
        return f"{prefix}/${{tagkey}}" in self.condition_keys


@cache
def _services() -> Mapping[str, tuple[Mapping[str, object], ...]]:
    by_prefix: dict[str, list[Mapping[str, object]]] = {}
    for service in iam_definition:
        by_prefix.setdefault(str(service["prefix"]), []).append(service)
    return {prefix: tuple(entries) for prefix, entries in by_prefix.items()}


@cache
def action(service: str, name: str) -> Action:
    """The SAR's entry for ``service:name`` (IAM appears twice in parliament's copy: the
    entries are merged). An action the SAR does not list is refused loudly."""
    types: list[str] = []
    formats: list[str] = []
    keys: set[str] = set()
    found = False
    for entry in _services().get(service.lower(), ()):
        resources = {str(r["resource"]): r for r in entry["resources"]}  # type: ignore[attr-defined]
        for privilege in entry["privileges"]:  # type: ignore[attr-defined]
            if str(privilege["privilege"]).lower() != name.lower():
                continue
            found = True
            for listed in privilege["resource_types"]:
                keys.update(k.lower() for k in listed["condition_keys"])
                resource_type = str(listed["resource_type"]).removesuffix("*")
                if resource_type and resource_type not in types:
                    types.append(resource_type)
                    formats.append(str(resources[resource_type]["arn"]))
                if resource_type:
                    keys.update(k.lower() for k in resources[resource_type]["condition_keys"])
    if not found:
        raise UnsupportedPolicyElement(f"the action {service}:{name}", f"not in the SAR: {SAR_DOC}")
    return Action(service.lower(), name, tuple(types), tuple(formats), frozenset(keys))


def service_prefixes() -> frozenset[str]:
    return frozenset(_services())


@cache
def _arn_format_regex(arn_format: str) -> re.Pattern[str]:
    """``arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}`` -> a regex; a placeholder
    spans anything but a colon, except the last one (resource ids hold '/' and ':')."""
    parts = re.split(r"\$\{[^}]+\}", arn_format)
    body = ""
    for i, literal in enumerate(parts):
        body += re.escape(literal)
        if i < len(parts) - 1:
            body += ".+" if i == len(parts) - 2 and not parts[-1] else "[^:]*"
    return re.compile(body)
