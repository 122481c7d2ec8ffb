"""IAM `Condition` blocks evaluated with AWS's semantics: one evaluator for every policy.

moto (`moto.iam.policy_conditions`) knows only StringEquals, skips every other operator (an
unknown condition passes), has no multivalued keys and no missing-key rules; its identity
policy check calls no condition code at all. Identity policies (`sandbox.iam_auth`) and trust
policies (`sandbox.trust`) both decide tenant isolation here, so both use this module.

Rules, from the IAM User Guide:
- Operators, negation and missing keys ("If the key that you specify in a policy condition is
  not present in the request context, the values do not match and the condition is false. If
  the policy condition requires that the key is not matched, such as StringNotLike or
  ArnNotLike, and the right key is not present, the condition is true"), `...IfExists`, Null,
  Bool, ArnEquals/ArnLike compared per colon-delimited component:
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
- Several values for one key: any may match (OR); several keys or operators: all must hold
  (AND): https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-logic-multiple-context-keys-or-values.html
- ForAnyValue / ForAllValues for multivalued keys; ForAllValues is true when the key is missing
  or empty, ForAnyValue false:
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html

What this evaluator does not know (Numeric, Date, IpAddress, Binary operators, policy
variables, a plain operator on a key holding several values, which AWS says needs a set
operator) makes `conditions_hold` answer None: the caller fails closed, so such an Allow never
applies and such a Deny always does. The emulator may refuse more than AWS, never allow more.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any

Values = tuple[str, ...]
Context = Mapping[str, Values]
"""A request context: lower-cased key -> its values (a missing or empty key is absent)."""

ContextInput = Mapping[str, "str | Sequence[str] | None"]

ANY_VALUE, ALL_VALUES = "ForAnyValue", "ForAllValues"
IF_EXISTS = "IfExists"
ARN_COMPONENTS = 6  # arn:partition:service:region:account:resource (the resource may hold ':')


def request_context(values: ContextInput) -> dict[str, Values]:
    """Normalise keys (IAM compares them case-insensitively) and values (always a tuple)."""
    context: dict[str, Values] = {}
    for key, value in values.items():
        if value is None:
            continue
        as_tuple = (value,) if isinstance(value, str) else tuple(str(v) for v in value)
        if as_tuple:
            context[key.lower()] = as_tuple
    return context


def conditions_hold(block: Any, context: Context) -> bool | None:
    """Whether every condition of a statement's `Condition` block holds in `context`.

    False as soon as one condition is false; None when none is false but one could not be
    evaluated here (see the module docstring); True otherwise. An absent block holds.
    """
    if block is None:
        return True
    if not isinstance(block, Mapping):
        return None
    undecided = False
    for operator, pairs in block.items():
        if not isinstance(pairs, Mapping):
            return None
        for key, expected in pairs.items():
            holds = condition_holds(str(operator), str(key), expected, context)
            if holds is False:
                return False
            undecided = undecided or holds is None
    return None if undecided else True


def condition_holds(operator: str, key: str, expected: Any, context: Context) -> bool | None:
    """One `"<operator>": {"<key>": <expected>}` pair; None when it cannot be evaluated."""
    qualifier, _, name = operator.rpartition(":")
    if qualifier not in ("", ANY_VALUE, ALL_VALUES):
        return None
    patterns = _policy_values(expected)
    if patterns is None:
        return None
    actual = context.get(key.lower(), ())
    if name == "Null":
        return None if qualifier else _null_holds(patterns, present=bool(actual))
    if_exists = name.endswith(IF_EXISTS)
    matcher = _MATCHERS.get(name.removesuffix(IF_EXISTS))
    if matcher is None or "${" in "".join(patterns):
        return None  # an operator or a policy variable this evaluator does not know
    match, negated = matcher

    def holds_for(value: str) -> bool:
        return any(match(pattern, value) for pattern in patterns) != negated

    if not actual:
        if if_exists or qualifier == ALL_VALUES:
            return True
        if qualifier == ANY_VALUE:
            return False
        return negated
    if qualifier == ALL_VALUES:
        return all(holds_for(value) for value in actual)
    if qualifier == ANY_VALUE:
        return any(holds_for(value) for value in actual)
    if len(actual) > 1:
        return None  # a multivalued key needs ForAnyValue/ForAllValues (AWS docs, above)
    return holds_for(actual[0])


def iam_like(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """IAM's wildcards: `*` any run of characters, `?` exactly one; nothing else is special."""
    return _like_regex(pattern, ignore_case).fullmatch(value) is not None


def any_like(patterns: Iterable[str], value: str, *, ignore_case: bool = False) -> bool:
    return any(iam_like(p, value, ignore_case=ignore_case) for p in patterns)


@lru_cache(maxsize=4096)
def _like_regex(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    flags = (re.IGNORECASE | re.DOTALL) if ignore_case else re.DOTALL
    return re.compile(body, flags)


def _equals(pattern: str, value: str) -> bool:
    return pattern == value


def _equals_ignore_case(pattern: str, value: str) -> bool:
    return pattern.casefold() == value.casefold()


def _like(pattern: str, value: str) -> bool:
    return iam_like(pattern, value)


def _arn_like(pattern: str, value: str) -> bool:
    """Component by component: a wildcard never reaches past a colon of the first five."""
    wanted = pattern.split(":", ARN_COMPONENTS - 1)
    got = value.split(":", ARN_COMPONENTS - 1)
    if len(wanted) != ARN_COMPONENTS or len(got) != ARN_COMPONENTS:
        return False
    return all(iam_like(w, g) for w, g in zip(wanted, got, strict=True))


def _bool_equals(pattern: str, value: str) -> bool:
    return pattern.lower() == value.lower()


_MATCHERS: Mapping[str, tuple[Callable[[str, str], bool], bool]] = {
    # operator: (how one policy value matches one request value, negated)
    "StringEquals": (_equals, False),
    "StringNotEquals": (_equals, True),
    "StringEqualsIgnoreCase": (_equals_ignore_case, False),
    "StringNotEqualsIgnoreCase": (_equals_ignore_case, True),
    "StringLike": (_like, False),
    "StringNotLike": (_like, True),
    # "ArnEquals, ArnLike: Case-sensitive matching of the ARN. Each of the six colon-delimited
    # components of the ARN is checked separately and each can include ... wildcards".
    "ArnEquals": (_arn_like, False),
    "ArnLike": (_arn_like, False),
    "ArnNotEquals": (_arn_like, True),
    "ArnNotLike": (_arn_like, True),
    "Bool": (_bool_equals, False),
}


def _null_holds(patterns: Sequence[str], *, present: bool) -> bool | None:
    """`"Null": {"key": "true"}`: the key is absent (or empty); `"false"`: it is present."""
    outcomes = []
    for pattern in patterns:
        wanted = pattern.lower()
        if wanted not in ("true", "false"):
            return None
        outcomes.append((wanted == "true") != present)
    return any(outcomes)


def _policy_values(expected: Any) -> list[str] | None:
    """A condition's values as strings (JSON true/false as IAM reads them); None if not one."""
    items = expected if isinstance(expected, list) else [expected]
    out: list[str] = []
    for item in items:
        if isinstance(item, bool):
            out.append("true" if item else "false")
        elif isinstance(item, str | int | float):
            out.append(str(item))
        else:
            return None
    return out
