"""Trust policies as IAM evaluates them for sts:AssumeRole (``sandbox.trust``)."""

from __future__ import annotations

import json

import pytest

from sandbox.conditions import UnsupportedPolicyElement, request_context
from sandbox.context_keys import unmodelled_keys
from sandbox.trust import Caller, allows_by_naming_the_caller, trust_allows

from .conftest import ACCOUNT

PORTAL = f"arn:aws:iam::{ACCOUNT}:role/acme-portal"
PORTAL_SESSION = Caller(
    f"arn:aws:sts::{ACCOUNT}:assumed-role/acme-portal/web-1", ACCOUNT, PORTAL, "web-1"
)


def trust(*statements: dict[str, object]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(principal: object, **extra: object) -> dict[str, object]:
    return {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole", **extra}


class TestTrust:
    def test_a_role_principal_trusts_every_session_of_that_role(self) -> None:
        assert trust_allows(trust(allow({"AWS": PORTAL})), PORTAL_SESSION, "sts:AssumeRole", {})

    def test_another_role_is_not_trusted(self) -> None:
        other = Caller(
            f"arn:aws:sts::{ACCOUNT}:assumed-role/globex-portal/s",
            ACCOUNT,
            f"arn:aws:iam::{ACCOUNT}:role/globex-portal",
            "s",
        )
        assert not trust_allows(trust(allow({"AWS": [PORTAL]})), other, "sts:AssumeRole", {})

    def test_account_root_and_star_trust_any_principal_of_the_account(self) -> None:
        for principal in ({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, {"AWS": ACCOUNT}, "*"):
            assert trust_allows(trust(allow(principal)), PORTAL_SESSION, "sts:AssumeRole", {})

    def test_a_second_statement_for_another_principal_does_not_deny(self) -> None:
        """moto treats a statement whose principal does not match as an explicit Deny."""
        policy = trust(allow({"AWS": "arn:aws:iam::999999999999:root"}), allow({"AWS": PORTAL}))
        assert trust_allows(policy, PORTAL_SESSION, "sts:AssumeRole", {})

    @pytest.mark.parametrize(
        ("context", "allowed"),
        [({}, False), ({"sts:ExternalId": "wrong"}, False), ({"sts:ExternalId": "s3cret"}, True)],
    )
    def test_external_id_must_be_sent_and_match(
        self, context: dict[str, str], allowed: bool
    ) -> None:
        policy = trust(
            allow({"AWS": PORTAL}, Condition={"StringEquals": {"sts:ExternalId": "s3cret"}})
        )
        assert trust_allows(policy, PORTAL_SESSION, "sts:AssumeRole", context) is allowed

    def test_if_exists_and_like_operators(self) -> None:
        policy = trust(
            allow(
                {"AWS": PORTAL},
                Condition={
                    "StringEqualsIfExists": {"sts:ExternalId": "s3cret"},
                    "StringLike": {"sts:RoleSessionName": "web-*"},
                },
            )
        )
        context = {"sts:RoleSessionName": "web-1"}
        assert trust_allows(policy, PORTAL_SESSION, "sts:AssumeRole", context)
        assert not trust_allows(
            policy, PORTAL_SESSION, "sts:AssumeRole", {"sts:RoleSessionName": "batch"}
        )

    def test_conditions_on_keys_the_emulator_does_not_compute_are_refused_loudly(self) -> None:
        unknown = {"DateLessThan": {"aws:TokenIssueTime": "2000-01-01T00:00:00Z"}}
        deny: dict[str, object] = {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "sts:AssumeRole",
            "Condition": unknown,
        }
        context = request_context({}, unmodelled_keys("sts", "AssumeRole", set()))
        for policy in (
            trust(allow({"AWS": PORTAL}, Condition=unknown)),
            trust(allow({"AWS": PORTAL}), deny),
        ):
            with pytest.raises(UnsupportedPolicyElement, match="aws:TokenIssueTime"):
                trust_allows(policy, PORTAL_SESSION, "sts:AssumeRole", context)

    def test_a_deny_on_the_current_time_applies(self) -> None:
        deny: dict[str, object] = {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "sts:AssumeRole",
            "Condition": {"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}},
        }
        policy = trust(allow({"AWS": PORTAL}), deny)
        now = {"aws:CurrentTime": "2026-12-06T12:00:00Z"}
        assert not trust_allows(policy, PORTAL_SESSION, "sts:AssumeRole", now)
        before = {"aws:CurrentTime": "2019-12-31T23:59:59Z"}
        assert trust_allows(policy, PORTAL_SESSION, "sts:AssumeRole", before)

    # NotPrincipal with Deny: "explicitly denied to all principals except for the ones
    # specified"; an assumed-role session is left out only when its session, its role and
    # its account are listed (IAM User Guide, "AWS JSON policy elements: NotPrincipal").
    def test_a_deny_with_not_principal_denies_everyone_not_listed(self) -> None:
        other = f"arn:aws:iam::{ACCOUNT}:role/globex-portal"
        deny_all_but_globex: dict[str, object] = {
            "Effect": "Deny",
            "NotPrincipal": {"AWS": [other, f"arn:aws:iam::{ACCOUNT}:root"]},
            "Action": "sts:AssumeRole",
        }
        policy = trust(allow({"AWS": PORTAL}), deny_all_but_globex)
        assert not trust_allows(policy, PORTAL_SESSION, "sts:AssumeRole", {})

    def test_a_deny_with_not_principal_spares_a_session_listed_with_role_and_account(self) -> None:
        listed = [PORTAL_SESSION.arn, PORTAL, f"arn:aws:iam::{ACCOUNT}:root"]
        deny: dict[str, object] = {
            "Effect": "Deny",
            "NotPrincipal": {"AWS": listed},
            "Action": "sts:AssumeRole",
        }
        assert trust_allows(
            trust(allow({"AWS": PORTAL}), deny), PORTAL_SESSION, "sts:AssumeRole", {}
        )
        role_only: dict[str, object] = {**deny, "NotPrincipal": {"AWS": [PORTAL]}}
        assert not trust_allows(
            trust(allow({"AWS": PORTAL}), role_only), PORTAL_SESSION, "sts:AssumeRole", {}
        )

    def test_not_principal_with_allow_is_refused_loudly(self) -> None:
        statement: dict[str, object] = {
            "Effect": "Allow",
            "NotPrincipal": {"AWS": "arn:aws:iam::999999999999:root"},
            "Action": "sts:AssumeRole",
        }
        with pytest.raises(UnsupportedPolicyElement, match="NotPrincipal with Allow"):
            trust_allows(trust(statement), PORTAL_SESSION, "sts:AssumeRole", {})

    def test_deny_wins(self) -> None:
        deny: dict[str, object] = {"Effect": "Deny", "Principal": "*", "Action": "sts:*"}
        assert not trust_allows(
            trust(allow({"AWS": PORTAL}), deny), PORTAL_SESSION, "sts:AssumeRole", {}
        )

    def test_other_actions_are_not_granted(self) -> None:
        policy = trust(allow({"AWS": PORTAL}))
        assert not trust_allows(policy, PORTAL_SESSION, "sts:TagSession", {})

    def test_service_principals_are_not_callers(self) -> None:
        policy = trust(allow({"Service": "lambda.amazonaws.com"}))
        assert not trust_allows(policy, PORTAL_SESSION, "sts:AssumeRole", {})


USER = Caller(f"arn:aws:iam::{ACCOUNT}:user/ci", ACCOUNT)


@pytest.mark.parametrize(
    ("statements", "context", "named"),
    [
        ([allow({"AWS": USER.arn})], {}, True),
        ([allow({"AWS": f"arn:aws:iam::{ACCOUNT}:root"})], {}, False),  # the account, not it
        ([allow({"AWS": "*"})], {}, False),
        # The root statement allows; the one naming the caller needs an ExternalId it lacks.
        (
            [
                allow({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}),
                allow({"AWS": USER.arn}, Condition={"StringEquals": {"sts:ExternalId": "x1"}}),
            ],
            {},
            False,
        ),
        (
            [allow({"AWS": USER.arn}, Condition={"StringEquals": {"sts:ExternalId": "x1"}})],
            {"sts:ExternalId": "x1"},
            True,
        ),
    ],
)
def test_only_an_applying_allow_naming_the_caller_stands_in_for_its_own_policy(
    statements: list[dict[str, object]], context: dict[str, str], named: bool
) -> None:
    policy = trust(*statements)
    assert allows_by_naming_the_caller(policy, USER, "sts:AssumeRole", context) is named
