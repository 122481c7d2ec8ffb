"""One policy statement and one policy as IAM evaluates them (``sandbox.evaluation``): an
explicit Deny wins, an Allow allows, nothing else does; each element one step past its edge."""

from __future__ import annotations

from typing import Any

import pytest

from sandbox.conditions import UnsupportedPolicyElement, request_context
from sandbox.evaluation import Decision, evaluate

ACTION = "quicksight:GenerateEmbedUrlForRegisteredUser"
USER = "arn:aws:quicksight:us-east-1:111122223333:user/acme/alice"
OTHER = "arn:aws:quicksight:us-east-1:111122223333:user/globex/bob"
CONTEXT = request_context({"aws:principaltag/tenant": "acme"})


def policy(*statements: dict[str, Any], version: str = "2012-10-17") -> dict[str, Any]:
    return {"Version": version, "Statement": list(statements)}


def allow(**elements: Any) -> dict[str, Any]:
    return {"Effect": "Allow", **elements}


def decide(document: dict[str, Any], resource: str | None = USER, **kw: Any) -> Decision:
    return evaluate(
        document, action=kw.pop("action", ACTION), resource=resource, context=CONTEXT, **kw
    )


class Caller:
    """A caller the Principal value "acme" names; NotPrincipal "acme" exempts."""

    def named(self, value: Any) -> bool:
        return bool(value == "acme")

    def exempted(self, value: Any) -> bool:
        return bool(value == "acme")


def test_an_allow_covering_action_and_resource_allows() -> None:
    assert decide(policy(allow(Action=ACTION, Resource=USER))) is Decision.ALLOW


def test_action_names_match_case_insensitively_and_by_wildcard() -> None:
    assert decide(policy(allow(Action="QuickSight:generateembedurl*", Resource="*"))) is (
        Decision.ALLOW
    )
    assert decide(
        policy(allow(Action="quicksight:GenerateEmbedUrlForAnonymousUser", Resource="*"))
    ) is (Decision.NONE)


def test_an_explicit_deny_wins_over_any_allow() -> None:
    document = policy(
        allow(Action="*", Resource="*"), {"Effect": "Deny", "Action": ACTION, "Resource": USER}
    )
    assert decide(document) is Decision.DENY
    assert decide(document, resource=OTHER) is Decision.ALLOW


def test_nothing_applying_is_an_implicit_deny() -> None:
    assert decide(policy(allow(Action=ACTION, Resource=OTHER))) is Decision.NONE
    assert decide(policy()) is Decision.NONE


def test_not_action_and_not_resource_cover_everything_else() -> None:
    assert decide(policy(allow(NotAction="quicksight:Delete*", Resource="*"))) is Decision.ALLOW
    assert decide(policy(allow(NotAction=ACTION, Resource="*"))) is Decision.NONE
    assert decide(policy(allow(Action=ACTION, NotResource=OTHER))) is Decision.ALLOW
    assert decide(policy(allow(Action=ACTION, NotResource=USER))) is Decision.NONE


def test_a_policy_variable_resolves_only_in_the_2012_version() -> None:
    statement = allow(
        Action=ACTION, Resource="arn:aws:quicksight:*:*:user/${aws:PrincipalTag/tenant}/*"
    )
    assert decide(policy(statement)) is Decision.ALLOW
    assert decide(policy(statement), resource=OTHER) is Decision.NONE
    assert decide(policy(statement, version="2008-10-17")) is Decision.NONE


def test_a_variable_with_no_value_in_not_resource_is_refused() -> None:
    statement = allow(Action=ACTION, NotResource="arn:aws:quicksight:*:*:user/${aws:username}/*")
    with pytest.raises(UnsupportedPolicyElement, match="no value in NotResource"):
        decide(policy(statement))


def test_a_condition_that_does_not_hold_makes_the_allow_not_apply() -> None:
    holds = {"StringEquals": {"aws:PrincipalTag/tenant": "acme"}}
    fails = {"StringEquals": {"aws:PrincipalTag/tenant": "globex"}}
    assert decide(policy(allow(Action=ACTION, Resource="*", Condition=holds))) is Decision.ALLOW
    assert decide(policy(allow(Action=ACTION, Resource="*", Condition=fails))) is Decision.NONE


@pytest.mark.parametrize(
    ("statement", "problem"),
    [
        ({"Effect": "Allow", "Action": ACTION}, "without Resource or NotResource"),
        ({"Effect": "Allow", "Resource": "*"}, "without Action or NotAction"),
        ({"Effect": "Maybe", "Action": ACTION, "Resource": "*"}, "the Effect 'Maybe'"),
        ({"Effect": "Allow", "Action": ACTION, "Resource": "*", "Sids": "x"}, "'Sids'"),
    ],
)
def test_a_statement_iam_would_not_store_is_refused(
    statement: dict[str, Any], problem: str
) -> None:
    with pytest.raises(UnsupportedPolicyElement, match=problem):
        decide(policy(statement))


def test_a_statement_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(UnsupportedPolicyElement, match="not an object"):
        decide({"Version": "2012-10-17", "Statement": ["Allow"]})


def test_a_trust_policy_has_no_resource() -> None:
    trust = policy(allow(Action="sts:AssumeRole", Principal="acme"))
    assert decide(trust, resource=None, action="sts:AssumeRole", principal=Caller()) is (
        Decision.ALLOW
    )
    trust_with_resource = policy(allow(Action="sts:AssumeRole", Resource="*"))
    with pytest.raises(UnsupportedPolicyElement, match="Resource element in a role trust"):
        decide(trust_with_resource, resource=None, action="sts:AssumeRole")


def test_a_resource_policy_applies_only_to_the_principals_it_names() -> None:
    assert decide(
        policy(allow(Action=ACTION, Resource="*", Principal="acme")), principal=Caller()
    ) is (Decision.ALLOW)
    assert decide(
        policy(allow(Action=ACTION, Resource="*", Principal="globex")), principal=Caller()
    ) is (Decision.NONE)
    assert decide(policy(allow(Action=ACTION, Resource="*")), principal=Caller()) is Decision.NONE


def test_not_principal_only_with_deny() -> None:
    deny_others = {"Effect": "Deny", "Action": ACTION, "Resource": "*", "NotPrincipal": "acme"}
    deny_acme = {**deny_others, "NotPrincipal": "globex"}
    assert decide(policy(deny_others), principal=Caller()) is Decision.NONE, "acme is exempted"
    assert decide(policy(deny_acme), principal=Caller()) is Decision.DENY
    with pytest.raises(UnsupportedPolicyElement, match="NotPrincipal with Allow"):
        decide(policy({**deny_others, "Effect": "Allow"}), principal=Caller())


def test_an_identity_policy_naming_a_principal_never_applies() -> None:
    assert decide(policy(allow(Action=ACTION, Resource="*", Principal="acme"))) is Decision.NONE
