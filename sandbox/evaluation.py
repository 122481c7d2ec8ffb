"""One policy statement, and one policy, as IAM evaluates them.

IAM User Guide, "Policy evaluation logic" (an explicit Deny in any applicable policy wins; else
an Allow allows; else the request is implicitly denied; an Allow whose condition does not hold
does not apply, it is not a Deny):
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
Elements: "IAM JSON policy elements reference" (Action/NotAction, Resource/NotResource,
Principal/NotPrincipal, Condition; a statement needs one of each pair it uses):
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements.html
Variables in Resource/NotResource: ``sandbox.conditions`` (VARIABLES).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import Enum
from typing import Any, Protocol

from sandbox.conditions import (
    VARIABLES_VERSION,
    RequestContext,
    UnsupportedPolicyElement,
    any_like,
    conditions_hold,
    pattern_matches,
    resolve,
)


class PrincipalMatch(Protocol):
    """How a resource policy's Principal and NotPrincipal values meet the caller."""

    def named(self, value: Any) -> bool:
        """``Principal: value`` names the caller."""
        ...

    def exempted(self, value: Any) -> bool:
        """``NotPrincipal: value`` leaves the caller out of the statement."""
        ...


KNOWN_ELEMENTS = frozenset(
    {"Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Principal",
     "NotPrincipal", "Condition"}
)  # fmt: skip


class Decision(Enum):
    ALLOW = "allow"
    DENY = "deny"  # explicit
    NONE = "none"  # implicit deny: no statement applies


def evaluate(
    document: Mapping[str, Any],
    *,
    action: str,
    resource: str | None,
    context: RequestContext,
    principal: PrincipalMatch | None = None,
) -> Decision:
    """A whole policy: an explicit Deny wins over any Allow (Policy evaluation logic).

    ``resource`` None: the policy has no Resource element (a role trust policy).
    ``principal``: how a Principal/NotPrincipal value matches the caller (resource policies);
    None for identity policies, which IAM refuses to store with a Principal.
    """
    variables = document.get("Version") == VARIABLES_VERSION
    allowed = False
    for statement in _as_list(document.get("Statement", [])):
        if not isinstance(statement, Mapping):
            raise UnsupportedPolicyElement("a Statement that is not an object", "")
        if not applies(statement, action, resource, context, principal, variables=variables):
            continue
        effect = statement.get("Effect")
        if effect == "Deny":
            return Decision.DENY
        if effect != "Allow":
            raise UnsupportedPolicyElement(f"the Effect {effect!r}", "Allow or Deny")
        allowed = True
    return Decision.ALLOW if allowed else Decision.NONE


def applies(
    statement: Mapping[str, Any],
    action: str,
    resource: str | None,
    context: RequestContext,
    principal: PrincipalMatch | None,
    *,
    variables: bool,
) -> bool:
    """Whether the statement covers the request: action, resource, principal, condition."""
    unknown = set(statement) - KNOWN_ELEMENTS
    if unknown:
        raise UnsupportedPolicyElement(f"the statement element {sorted(unknown)[0]!r}", "")
    if not _matches(statement, "Action", lambda p: any_like([p], action, ignore_case=True)):
        return False
    if resource is not None:

        def covers(pattern: str) -> bool:
            resolved = resolve(pattern, context, variables=variables)
            if resolved is None:
                return False  # VARIABLES: a key with no value has "no equal or like value"
            return pattern_matches(resolved, resource)

        excluded = statement.get("NotResource")
        if excluded is not None and _has_unresolved(excluded, context, variables):
            # Excluding nothing would widen the statement; AWS's documentation does not say.
            raise UnsupportedPolicyElement("a policy variable with no value in NotResource", "")
        if not _matches(statement, "Resource", covers):
            return False
    elif "Resource" in statement or "NotResource" in statement:
        raise UnsupportedPolicyElement("a Resource element in a role trust policy", "")
    if principal is not None:
        if "NotPrincipal" in statement:
            if statement.get("Effect") != "Deny":
                # "We strongly recommend that you do not use NotPrincipal with Allow" (IAM JSON
                # policy elements: NotPrincipal): not implemented, so never an Allow here.
                raise UnsupportedPolicyElement("NotPrincipal with Allow", "")
            if principal.exempted(statement["NotPrincipal"]):
                return False
        elif "Principal" not in statement or not principal.named(statement["Principal"]):
            return False
    elif "Principal" in statement or "NotPrincipal" in statement:
        return False  # IAM refuses identity policies naming principals
    return conditions_hold(statement.get("Condition"), context, variables=variables)


def _matches(statement: Mapping[str, Any], element: str, covers: Callable[[Any], bool]) -> bool:
    """``element`` covers the request, or ``Not<element>`` does not; one of them is needed."""
    if element in statement:
        return any(covers(v) for v in _values(statement[element], element))
    negated = f"Not{element}"
    if negated in statement:
        return not any(covers(v) for v in _values(statement[negated], negated))
    raise UnsupportedPolicyElement(f"a statement without {element} or {negated}", "")


def _values(value: Any, element: str) -> list[Any]:
    if element.endswith("Principal"):
        return [value]  # "*" or a map of principal kinds: matched whole
    return [str(v) for v in _as_list(value)]


def _has_unresolved(value: Any, context: RequestContext, variables: bool) -> bool:
    return any(resolve(str(v), context, variables=variables) is None for v in _as_list(value))


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]
