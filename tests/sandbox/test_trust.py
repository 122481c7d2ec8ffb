"""Trust policies as IAM evaluates them for sts:AssumeRole (``sandbox.trust``)."""

from __future__ import annotations

import json

import pytest

from sandbox.trust import Caller, trust_allows

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

    def test_unknown_condition_operators_fail_closed(self) -> None:
        unknown = {"DateLessThan": {"aws:CurrentTime": "2000-01-01T00:00:00Z"}}
        deny: dict[str, object] = {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "sts:AssumeRole",
            "Condition": unknown,
        }
        allow_unknown = trust(allow({"AWS": PORTAL}, Condition=unknown))
        deny_unknown = trust(allow({"AWS": PORTAL}), deny)

        assert not trust_allows(allow_unknown, PORTAL_SESSION, "sts:AssumeRole", {})
        assert not trust_allows(deny_unknown, PORTAL_SESSION, "sts:AssumeRole", {})

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
