"""Role trust policies evaluated as IAM does for the principals embedding uses.

moto matches a trust policy's principal by exact ARN, so a session of ``role/acme-portal`` is not
the role the trust policy names, its conditions pass when the request lacks the key, so a
missing ``sts:ExternalId`` passes, and it ignores ``NotPrincipal``. All decide tenant isolation
here, hence this evaluator: statements by ``sandbox.evaluation``, conditions by
``sandbox.conditions``, as identity policies' are.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sandbox.conditions import (
    ContextInput,
    RequestContext,
    UnsupportedPolicyElement,
    request_context,
)
from sandbox.evaluation import Decision, evaluate


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


def trust_decision(
    policy_document: str | Mapping[str, Any],
    caller: Caller,
    action: str,
    context: RequestContext | ContextInput,
) -> Decision:
    """What the trust policy says of ``caller`` performing ``action`` (e.g. sts:AssumeRole).

    ``context`` holds the request's condition keys (``sts:ExternalId``, the global keys, ...).
    An explicit Deny wins, a ``Deny`` with ``NotPrincipal`` included; an element this
    emulator does not implement raises ``UnsupportedPolicyElement``.
    """
    document = json.loads(policy_document) if isinstance(policy_document, str) else policy_document
    keyed = context if isinstance(context, RequestContext) else request_context(context)
    principal = _Principals(caller)
    return evaluate(document, action=action, resource=None, context=keyed, principal=principal)


def trust_allows(
    policy_document: str | Mapping[str, Any],
    caller: Caller,
    action: str,
    context: RequestContext | ContextInput,
) -> bool:
    return trust_decision(policy_document, caller, action, context) is Decision.ALLOW


def allows_by_naming_the_caller(
    policy_document: str | Mapping[str, Any],
    caller: Caller,
    action: str,
    context: RequestContext | ContextInput,
) -> bool:
    """Whether an Allow that names the caller's own ARN (not its account) applies: in the same
    account such a trust policy is enough without an identity-based Allow ("How to use trust
    policies with IAM roles", AWS Security Blog:
    https://aws.amazon.com/blogs/security/how-to-use-trust-policies-with-iam-roles/). Its
    conditions must hold; the policy's Denies are the caller's (``trust_decision``) to apply."""
    document = json.loads(policy_document) if isinstance(policy_document, str) else policy_document
    own = {caller.arn, caller.role_arn} - {None}

    def names_caller(statement: Any) -> bool:
        principal = statement.get("Principal") if isinstance(statement, Mapping) else None
        if not isinstance(principal, Mapping) or statement.get("Effect") != "Allow":
            return False
        return bool(own & set(_as_list(principal.get("AWS", []))))

    direct = [s for s in _as_list(document.get("Statement", [])) if names_caller(s)]
    narrowed = {**document, "Statement": direct}
    return trust_decision(narrowed, caller, action, context) is Decision.ALLOW


class _Principals:
    """Principal / NotPrincipal against a caller with access keys ("AWS JSON policy elements:
    Principal" and "NotPrincipal"): https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html
    """

    def __init__(self, caller: Caller) -> None:
        self.caller = caller

    def named(self, value: Any) -> bool:
        if value == "*":
            return True
        if not isinstance(value, Mapping):
            raise UnsupportedPolicyElement(f"the Principal {value!r}", "")
        if "AWS" not in value:
            return False  # Service / Federated / CanonicalUser principals hold no access keys
        expected = _as_list(value["AWS"])
        return "*" in expected or bool(self.caller.principal_names.intersection(expected))

    def exempted(self, value: Any) -> bool:
        """NotPrincipal with Deny: a session is left out only when its session ARN, its role's
        ARN and its account are all listed, as the NotPrincipal page's example lists them; an
        IAM user when the user and its account are."""
        if not isinstance(value, Mapping) or set(value) - {"AWS"}:
            raise UnsupportedPolicyElement(f"the NotPrincipal {value!r}", "")
        listed = set(_as_list(value.get("AWS", [])))
        caller = self.caller
        root = f"arn:{caller.arn.split(':')[1]}:iam::{caller.account_id}:root"
        chain = [{caller.arn}, {root, caller.account_id}]
        if caller.role_arn:
            chain.append({caller.role_arn})
        return all(listed & names for names in chain)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]
