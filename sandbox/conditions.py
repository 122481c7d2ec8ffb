"""IAM `Condition` blocks and policy variables evaluated with AWS's semantics: one evaluator.

moto (`moto.iam.policy_conditions`) knows only StringEquals, skips every other operator (an
unknown condition passes) and has no multivalued keys, missing-key rules or policy variables.
Identity policies (`sandbox.iam_auth`) and trust policies (`sandbox.trust`) both decide tenant
isolation here, so both use this module.

Rules, from the IAM User Guide (each cited again beside its code):
- OPERATORS: "IAM JSON policy elements: Condition operators" (String, Numeric, Date, Bool,
  IpAddress, Arn, Null, ...IfExists; a missing key makes a condition false, or true for a
  negated operator): https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
- LOGIC: several operators or keys AND, several values OR (negated operators NOR):
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_multi-value-conditions.html
- MULTIVALUED: "Single-valued vs. multivalued context keys" (ForAllValues true on a missing or
  empty key, ForAnyValue false; "Multivalued context keys require a condition set operator"):
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
  and its examples ("missing context keys or context keys with empty values"):
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition_examples-multi-valued-context-keys.html
- VARIABLES: "IAM policy elements: Variables and tags" (`${key}`, `${key, 'default'}`, the
  `${*}` `${?}` `${$}` escapes, only under Version 2012-10-17, "in the Resource element and in
  string comparisons in the Condition element"; a key with no value has "no equal or like
  value"): https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html

What this evaluator does not implement (Binary operators, a plain operator meeting a key that
holds several values, a variable in a negated or non-string comparison, a context key whose
value the emulator does not model) raises `UnsupportedPolicyElement` naming it: the request is
refused loudly, never allowed. A condition that is false decides the block first (AND).

Refusals name the element and the key, never a policy's values (an ExternalId is a secret).
"""

from __future__ import annotations

import ipaddress
import operator as op
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

Values = tuple[str, ...]
ContextInput = Mapping[str, "str | Sequence[str] | None"]

ANY_VALUE, ALL_VALUES = "ForAnyValue", "ForAllValues"
IF_EXISTS = "IfExists"
VARIABLES_VERSION = "2012-10-17"  # VARIABLES: earlier versions read `${...}` literally
ARN_COMPONENTS = 6  # arn:partition:service:region:account:resource (the resource may hold ':')

OPERATORS_DOC = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html"
MULTIVALUED_DOC = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html"
VARIABLES_DOC = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html"


class UnsupportedPolicyElement(Exception):
    """A policy element the emulator does not evaluate: the request is refused, naming it."""

    def __init__(self, element: str, why: str) -> None:
        self.element = element
        detail = f" ({why})" if why else ""
        super().__init__(
            f"the emulator does not implement {element}{detail}; it refuses the request "
            "rather than guess (AWS may decide otherwise)"
        )


def _always_modelled(key: str) -> str | None:
    return None


@dataclass(frozen=True)
class RequestContext:
    """A request's condition keys: lower-cased key -> its values (a key with no value, or only
    empty strings, is absent: MULTIVALUED treats "missing context keys or context keys with
    empty values" alike).

    ``unmodelled(key)`` says why the emulator cannot tell a key it does not hold (a key AWS
    would set that the emulator does not compute), or None when the key is truly absent.
    """

    values: Mapping[str, Values]
    unmodelled: Callable[[str], str | None] = field(default=_always_modelled)

    def get(self, key: str) -> Values:
        lowered = key.lower()
        found = self.values.get(lowered, ())
        if not found and (why := self.unmodelled(lowered)) is not None:
            raise UnsupportedPolicyElement(f"the condition key {key}", why)
        return found


def request_context(
    values: ContextInput, unmodelled: Callable[[str], str | None] | None = None
) -> RequestContext:
    """Normalise keys (IAM compares them case-insensitively) and values (always a tuple;
    empty strings dropped)."""
    context: dict[str, Values] = {}
    for key, value in values.items():
        if value is None:
            continue
        as_tuple = (value,) if isinstance(value, str) else tuple(str(v) for v in value)
        kept = tuple(v for v in as_tuple if v != "")
        if kept:
            context[key.lower()] = kept
    return RequestContext(context, unmodelled or _always_modelled)


# -- policy variables (VARIABLES) -------------------------------------------------------------

Pattern = tuple[tuple[str, bool], ...]
"""A policy string after substitution: (text, literal) pieces; literal text is never a
wildcard (a substituted value, or an escape such as `${*}`)."""

_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_ESCAPES = {"*": "*", "?": "?", "$": "$"}
_DEFAULT = re.compile(r"\s*([^,\s]+)\s*,\s*'((?:[^']|'')*)'\s*")


def resolve(text: str, context: RequestContext, *, variables: bool) -> Pattern | None:
    """``text`` with its policy variables replaced; None when one names a key with no single
    value and no default (VARIABLES: such a value has "no equal or like value")."""
    if not variables or "${" not in text:
        return ((text, False),)
    pieces: list[tuple[str, bool]] = []
    position = 0
    for match in _VARIABLE.finditer(text):
        pieces.append((text[position : match.start()], False))
        position = match.end()
        inner = match[1]
        if inner in _ESCAPES:
            pieces.append((_ESCAPES[inner], True))
            continue
        default: str | None = None
        if "," in inner:
            parsed = _DEFAULT.fullmatch(inner)
            if parsed is None:
                raise UnsupportedPolicyElement(
                    "a policy variable default not written `'text'`", VARIABLES_DOC
                )
            inner, default = parsed[1], parsed[2].replace("''", "'")
        found = context.get(inner.strip())
        if len(found) == 1:
            pieces.append((found[0], True))
        elif default is not None:
            pieces.append((default, True))
        else:
            return None  # absent, empty or multivalued: nothing equals it
    pieces.append((text[position:], False))
    return tuple(p for p in pieces if p[0])


def pattern_text(pattern: Pattern) -> str:
    return "".join(text for text, _ in pattern)


def pattern_matches(pattern: Pattern, value: str, *, ignore_case: bool = False) -> bool:
    """IAM's wildcards in the policy's own text: `*` any run, `?` one character."""
    return _pattern_regex(pattern, ignore_case).fullmatch(value) is not None


@lru_cache(maxsize=4096)
def _pattern_regex(pattern: Pattern, ignore_case: bool) -> re.Pattern[str]:
    body = "".join(
        re.escape(text)
        if literal
        else "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in text)
        for text, literal in pattern
    )
    flags = (re.IGNORECASE | re.DOTALL) if ignore_case else re.DOTALL
    return re.compile(body, flags)


def iam_like(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """IAM's wildcards: `*` any run of characters, `?` exactly one; nothing else is special."""
    return pattern_matches(((pattern, False),), value, ignore_case=ignore_case)


def any_like(patterns: Iterable[str], value: str, *, ignore_case: bool = False) -> bool:
    return any(iam_like(p, value, ignore_case=ignore_case) for p in patterns)


# -- the condition block ----------------------------------------------------------------------


def conditions_hold(block: Any, context: RequestContext, *, variables: bool = True) -> bool:
    """Whether every condition of a statement's `Condition` block holds (LOGIC: AND).

    A false condition decides; otherwise an element this evaluator does not implement raises
    `UnsupportedPolicyElement`. An absent block holds. ``variables``: the policy's Version is
    2012-10-17 (VARIABLES).
    """
    if block is None:
        return True
    if not isinstance(block, Mapping):
        raise UnsupportedPolicyElement("a Condition that is not an object", OPERATORS_DOC)
    unsupported: UnsupportedPolicyElement | None = None
    for operator, pairs in block.items():
        if not isinstance(pairs, Mapping):
            raise UnsupportedPolicyElement(f"the condition {operator!r}", "not an object")
        for key, expected in pairs.items():
            try:
                if not condition_holds(str(operator), str(key), expected, context, variables):
                    return False
            except UnsupportedPolicyElement as e:
                unsupported = unsupported or e
    if unsupported is not None:
        raise unsupported
    return True


@dataclass(frozen=True)
class _Operator:
    match: Callable[[Pattern, str], bool]  # one policy value against one request value
    negated: bool
    takes_variables: bool  # VARIABLES: "string comparisons" (String and Arn operators)


def condition_holds(
    operator: str, key: str, expected: Any, context: RequestContext, variables: bool = True
) -> bool:
    """One `"<operator>": {"<key>": <expected>}` pair."""
    qualifier, _, name = operator.rpartition(":")
    if qualifier not in ("", ANY_VALUE, ALL_VALUES):
        raise UnsupportedPolicyElement(f"the set operator {qualifier!r}", MULTIVALUED_DOC)
    texts = _policy_values(operator, expected)
    actual = context.get(key)
    if name == "Null":
        # OPERATORS: "true" (the key doesn't exist, it is null), "false" (it exists and its
        # value is not null); an empty value is null (MULTIVALUED examples).
        if qualifier:
            raise UnsupportedPolicyElement(f"{operator}", "Null takes no set operator")
        return any(_null_wanted(text, operator) != bool(actual) for text in texts)
    if_exists = name.endswith(IF_EXISTS)
    spec = _OPERATORS.get(name.removesuffix(IF_EXISTS))
    if spec is None:
        raise UnsupportedPolicyElement(f"the condition operator {name!r}", OPERATORS_DOC)
    patterns = _resolved(operator, texts, context, spec, variables)

    def holds_for(value: str) -> bool:
        return any(spec.match(p, value) for p in patterns) != spec.negated

    if not actual:
        # OPERATORS: a missing key is no match (true for a negated operator), except
        # ...IfExists (true); MULTIVALUED: ForAllValues true, ForAnyValue false.
        if if_exists or qualifier == ALL_VALUES:
            return True
        if qualifier == ANY_VALUE:
            return False
        return spec.negated
    if qualifier == ALL_VALUES:
        return all(holds_for(value) for value in actual)
    if qualifier == ANY_VALUE:
        return any(holds_for(value) for value in actual)
    if len(actual) > 1:
        raise UnsupportedPolicyElement(
            f"{operator} on {key}, which holds {len(actual)} values in this request",
            f"multivalued context keys require ForAllValues or ForAnyValue: {MULTIVALUED_DOC}",
        )
    return holds_for(actual[0])


def _resolved(
    operator: str,
    texts: Sequence[str],
    context: RequestContext,
    spec: _Operator,
    variables: bool,
) -> list[Pattern]:
    if not variables or not any("${" in t for t in texts):
        return [((t, False),) for t in texts]
    if not spec.takes_variables or spec.negated:
        raise UnsupportedPolicyElement(
            f"a policy variable in {operator}",
            f"variables are for the Resource element and string comparisons: {VARIABLES_DOC}",
        )
    resolved = [resolve(t, context, variables=True) for t in texts]
    return [p for p in resolved if p is not None]  # an unresolved value equals nothing


def _policy_values(operator: str, expected: Any) -> list[str]:
    """A condition's values as strings (JSON true/false as IAM reads them)."""
    items = expected if isinstance(expected, list) else [expected]
    out: list[str] = []
    for item in items:
        if isinstance(item, bool):
            out.append("true" if item else "false")
        elif isinstance(item, str | int | float):
            out.append(str(item))
        else:
            raise UnsupportedPolicyElement(
                f"a {type(item).__name__} as a value of {operator}", OPERATORS_DOC
            )
    return out


def _null_wanted(text: str, operator: str) -> bool:
    wanted = text.lower()
    if wanted not in ("true", "false"):
        raise UnsupportedPolicyElement(f"{operator} with a value", "Null takes true or false")
    return wanted == "true"


# -- matchers: one policy value against one request value (OPERATORS) -------------------------


def _equals(pattern: Pattern, value: str) -> bool:
    return pattern_text(pattern) == value


def _equals_ignore_case(pattern: Pattern, value: str) -> bool:
    return pattern_text(pattern).casefold() == value.casefold()


def _like(pattern: Pattern, value: str) -> bool:
    return pattern_matches(pattern, value)


def _arn_like(pattern: Pattern, value: str) -> bool:
    """ "Each of the six colon-delimited components of the ARN is checked separately and each
    can include multi-character match wildcards (*) or single-character match wildcards (?)":
    a wildcard never reaches past a colon of the first five."""
    got = value.split(":", ARN_COMPONENTS - 1)
    wanted = _split_pattern(pattern)
    if len(wanted) != ARN_COMPONENTS or len(got) != ARN_COMPONENTS:
        return False
    return all(pattern_matches(w, g) for w, g in zip(wanted, got, strict=True))


def _split_pattern(pattern: Pattern) -> list[Pattern]:
    """The pattern's six ARN components; colons inside substituted values do not split."""
    components: list[list[tuple[str, bool]]] = [[]]
    for text, literal in pattern:
        if literal:
            components[-1].append((text, literal))
            continue
        for i, part in enumerate(text.split(":")):
            if i and len(components) < ARN_COMPONENTS:
                components.append([])
            elif i:
                components[-1].append((":", True))
            components[-1].append((part, False))
    return [tuple(c) for c in components]


def _number(text: str) -> Decimal | None:
    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _date(text: str) -> datetime | None:
    """ISO 8601 or epoch seconds (OPERATORS, "Date condition operators"); naive means UTC."""
    number = _number(text)
    try:
        if number is not None:
            return datetime.fromtimestamp(float(number), UTC)
        parsed = datetime.fromisoformat(text.strip())
    except (ValueError, OverflowError, OSError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _compare(
    parse: Callable[[str], Any], test: Callable[[Any, Any], bool], kind: str
) -> Callable[[Pattern, str], bool]:
    noun = {"Numeric": "number", "Date": "date"}[kind]

    def match(pattern: Pattern, value: str) -> bool:
        wanted, got = parse(pattern_text(pattern)), parse(value)
        if wanted is None:
            raise UnsupportedPolicyElement(f"a {kind} condition value", f"not a {noun}")
        return got is not None and bool(test(got, wanted))

    return match


def _ip_in(pattern: Pattern, value: str) -> bool:
    """OPERATORS, "IP address condition operators": an address or CIDR range (RFC 4632)."""
    try:
        network = ipaddress.ip_network(pattern_text(pattern).strip(), strict=False)
    except ValueError as e:
        raise UnsupportedPolicyElement(
            "an IpAddress condition value", "not an address or CIDR range"
        ) from e
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return False
    return address.version == network.version and address in network


def _bool_equals(pattern: Pattern, value: str) -> bool:
    return pattern_text(pattern).lower() == value.lower()


_COMPARISONS: Mapping[str, tuple[Callable[[Any, Any], bool], bool]] = {
    # suffix of Numeric<...> and Date<...>: (request value against policy value, negated)
    "Equals": (op.eq, False),
    "NotEquals": (op.eq, True),
    "LessThan": (op.lt, False),
    "LessThanEquals": (op.le, False),
    "GreaterThan": (op.gt, False),
    "GreaterThanEquals": (op.ge, False),
}


_OPERATORS: dict[str, _Operator] = {
    "StringEquals": _Operator(_equals, False, True),
    "StringNotEquals": _Operator(_equals, True, True),
    "StringEqualsIgnoreCase": _Operator(_equals_ignore_case, False, True),
    "StringNotEqualsIgnoreCase": _Operator(_equals_ignore_case, True, True),
    "StringLike": _Operator(_like, False, True),
    "StringNotLike": _Operator(_like, True, True),
    "Bool": _Operator(_bool_equals, False, False),
    "IpAddress": _Operator(_ip_in, False, False),
    "NotIpAddress": _Operator(_ip_in, True, False),
    "ArnEquals": _Operator(_arn_like, False, True),
    "ArnLike": _Operator(_arn_like, False, True),
    "ArnNotEquals": _Operator(_arn_like, True, True),
    "ArnNotLike": _Operator(_arn_like, True, True),
}
_OPERATORS.update(
    {
        f"{kind}{suffix}": _Operator(_compare(parse, test, kind), negated, False)
        for kind, parse in (("Numeric", _number), ("Date", _date))
        for suffix, (test, negated) in _COMPARISONS.items()
    }
)
