"""Role trust policies evaluated as IAM does for the principals embedding uses.

moto matches a trust policy's principal by exact ARN, so a session of ``role/acme-portal`` is not
the role the trust policy names, and it skips a condition whose key the request lacks, so a
missing ``sts:ExternalId`` passes. Both decide tenant isolation here, hence this evaluator.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

_STRING_OPERATORS = {
    "StringEquals": (False, False, False),  # (negated, like, ignore case)
    "StringNotEquals": (True, False, False),
    "StringEqualsIgnoreCase": (False, False, True),
    "StringNotEqualsIgnoreCase": (True, False, True),
    "StringLike": (False, True, False),
    "StringNotLike": (True, True, False),
    "ArnEquals": (False, False, False),
    "ArnNotEquals": (True, False, False),
    "ArnLike": (False, True, False),
    "ArnNotLike": (True, True, False),
}


@dataclass(frozen=True)
class Caller:
    """Who signed a request, under the names a policy's ``Principal`` may use for it."""

    arn: str  # as STS reports it: iam::...:user/x or sts::...:assumed-role/r/session
    account_id: str
    role_arn: str | None = None  # for a role session: the role it is a session of
    session_name: str | None = None

    @property
    def principal_names(self) -> frozenset[str]:
        root = f"arn:{self.arn.split(':')[1]}:iam::{self.account_id}:root"
        names = {self.arn, root, self.account_id}
        if self.role_arn:
            names.add(self.role_arn)
        return frozenset(names)

    @property
    def principal_arn(self) -> str:
        """``aws:PrincipalArn``: the role, not the session, for a role session."""
        return self.role_arn or self.arn


def trust_allows(
    policy_document: str | Mapping[str, Any],
    caller: Caller,
    action: str,
    context: Mapping[str, str],
) -> bool:
    """Whether the trust policy lets ``caller`` perform ``action`` (e.g. sts:AssumeRole).

    ``context`` holds the request's condition keys (``sts:ExternalId``, ...). An explicit Deny
    wins. A condition operator this evaluator does not know fails closed: such an Allow
    never applies, such a Deny always does.
    """
    document = json.loads(policy_document) if isinstance(policy_document, str) else policy_document
    keyed = {key.lower(): value for key, value in context.items()}
    keyed.setdefault("aws:principalarn", caller.principal_arn)
    keyed.setdefault("aws:principalaccount", caller.account_id)
    allowed = False
    for statement in _as_list(document.get("Statement", [])):
        deny = statement.get("Effect") == "Deny"
        if not _action_and_principal_match(statement, caller, action):
            continue
        holds = _conditions_hold(statement.get("Condition", {}), keyed)
        if deny and holds is not False:
            return False
        allowed = allowed or (holds is True and statement.get("Effect") == "Allow")
    return allowed


def _action_and_principal_match(statement: Mapping[str, Any], caller: Caller, action: str) -> bool:
    if "Action" in statement:
        if not _any_like(_as_list(statement["Action"]), action, ignore_case=True):
            return False
    elif "NotAction" in statement:
        if _any_like(_as_list(statement["NotAction"]), action, ignore_case=True):
            return False
    else:
        return False
    return _principal_matches(statement.get("Principal"), caller)


def _principal_matches(principal: Any, caller: Caller) -> bool:
    if principal == "*":
        return True
    if not isinstance(principal, Mapping) or "AWS" not in principal:
        return False  # Service / Federated principals are not callers with access keys
    expected = _as_list(principal["AWS"])
    return "*" in expected or bool(caller.principal_names.intersection(expected))


def _conditions_hold(conditions: Mapping[str, Any], context: Mapping[str, str]) -> bool | None:
    """Whether every condition holds; None when one uses an operator not evaluated here."""
    if any(_base_operator(operator) not in _STRING_OPERATORS for operator in conditions):
        return None
    for operator, pairs in conditions.items():
        base = _base_operator(operator)
        if_exists = base != operator
        if not isinstance(pairs, Mapping):
            return False
        negated, like, ignore_case = _STRING_OPERATORS[base]
        for key, expected in pairs.items():
            actual = context.get(key.lower())
            if actual is None:
                # A missing key fails every positive test; IfExists and negations pass it.
                if not (if_exists or negated):
                    return False
                continue
            if like:
                matched = _any_like(_as_list(expected), actual, ignore_case)
            else:
                matched = _any_equal(_as_list(expected), actual, ignore_case)
            if matched == negated:
                return False
    return True


def _base_operator(operator: str) -> str:
    return operator.removesuffix("IfExists")


def _any_equal(patterns: Iterable[Any], value: str, ignore_case: bool) -> bool:
    fold = str.lower if ignore_case else str
    return any(fold(str(p)) == fold(value) for p in patterns)


def _any_like(patterns: Iterable[Any], value: str, ignore_case: bool) -> bool:
    """IAM wildcards: ``*`` any run, ``?`` one character; nothing else is special."""
    fold = str.lower if ignore_case else str
    return any(fnmatchcase(fold(value), fold(_escape_brackets(str(p)))) for p in patterns)


def _escape_brackets(pattern: str) -> str:
    # fnmatch treats [...] as a character class; IAM treats brackets literally.
    return re.sub(r"([\[\]])", r"[\1]", pattern)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]
