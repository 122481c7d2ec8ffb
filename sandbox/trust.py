"""Role trust policies evaluated as IAM does for the principals embedding uses.

moto matches a trust policy's principal by exact ARN, so a session of ``role/acme-portal`` is not
the role the trust policy names, and its conditions pass when the request lacks the key, so a
missing ``sts:ExternalId`` passes. Both decide tenant isolation here, hence this evaluator; its
conditions are evaluated by ``sandbox.conditions``, as identity policies' are.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sandbox.conditions import ContextInput, any_like, conditions_hold, request_context


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
    context: ContextInput,
) -> bool:
    """Whether the trust policy lets ``caller`` perform ``action`` (e.g. sts:AssumeRole).

    ``context`` holds the request's condition keys (``sts:ExternalId``, ...). An explicit Deny
    wins. A condition this evaluator cannot decide fails closed: such an Allow never applies,
    such a Deny always does.
    """
    document = json.loads(policy_document) if isinstance(policy_document, str) else policy_document
    keyed = request_context(context)
    keyed.setdefault("aws:principalarn", (caller.principal_arn,))
    keyed.setdefault("aws:principalaccount", (caller.account_id,))
    allowed = False
    for statement in _as_list(document.get("Statement", [])):
        deny = statement.get("Effect") == "Deny"
        if not _action_and_principal_match(statement, caller, action):
            continue
        holds = conditions_hold(statement.get("Condition"), keyed)
        if deny and holds is not False:
            return False
        allowed = allowed or (holds is True and statement.get("Effect") == "Allow")
    return allowed


def _action_and_principal_match(statement: Mapping[str, Any], caller: Caller, action: str) -> bool:
    if "Action" in statement:
        if not any_like(_as_list(statement["Action"]), action, ignore_case=True):
            return False
    elif "NotAction" in statement:
        if any_like(_as_list(statement["NotAction"]), action, ignore_case=True):
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


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]
