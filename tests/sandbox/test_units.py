"""The emulator's pure pieces, without a server: trust evaluation, resource ARNs, faults,
clock, embed sessions, model-derived validation and log redaction."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from sandbox.clock import AdjustableClock
from sandbox.embed_sessions import EmbedGrant, EmbedSessions, Redeemed
from sandbox.faults import FAULT_ERRORS, Fault, FaultBook, FaultKind, InjectedFault
from sandbox.logs import strip_query_strings_and_credentials
from sandbox.quicksight.authorization import resource_arn
from sandbox.quicksight.botocore_model import (
    capability_names,
    check_member,
    error_status,
    is_console_entry_point,
    limits,
)
from sandbox.trust import Caller, trust_allows

ACCOUNT = "111122223333"
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


PREFIX = f"arn:aws:quicksight:us-east-1:{ACCOUNT}:"


@pytest.mark.parametrize(
    ("operation", "params", "expected"),
    [
        ("DescribeUser", {"Namespace": "acme", "UserName": "alice"}, PREFIX + "user/acme/alice"),
        ("ListUsers", {"Namespace": "acme"}, PREFIX + "user/acme/*"),
        ("DescribeNamespace", {"Namespace": "acme"}, PREFIX + "namespace/acme"),
        (
            "UpdateCustomPermissions",
            {"CustomPermissionsName": "acme-analyst"},
            PREFIX + "custompermissions/acme-analyst",
        ),
        ("GenerateEmbedUrlForRegisteredUser", {"UserArn": "arn:x"}, "arn:x"),
        ("GetSessionEmbedUrl", {"UserArn": "arn:x"}, "*"),
        (
            "RegisterUser",
            {
                "Namespace": "acme",
                "IdentityType": "IAM",
                "IamArn": f"arn:aws:iam::{ACCOUNT}:role/qs-embed-acme",
                "SessionName": "alice",
            },
            PREFIX + "user/acme/qs-embed-acme/alice",
        ),
        ("DescribeUser", {"Namespace": "acme"}, "*"),
    ],
)
def test_resource_arns(operation: str, params: dict[str, str], expected: str) -> None:
    assert resource_arn(operation, params, PREFIX) == expected


class TestFaults:
    def test_counted_faults_run_out(self) -> None:
        book = FaultBook()
        book.inject(Fault("GetSessionEmbedUrl", FaultKind.THROTTLE, times=2))

        taken = [book.take("quicksight", "GetSessionEmbedUrl") for _ in range(3)]

        assert [fault is not None for fault in taken] == [True, True, False]

    def test_faults_are_per_service_and_operation(self) -> None:
        book = FaultBook()
        book.inject(Fault("ListUsers", FaultKind.INTERNAL, service="iam"))

        assert book.take("quicksight", "ListUsers") is None
        assert book.take("iam", "ListUsers") is not None
        assert book.take("iam", "ListUsers") is not None  # no times: until cleared
        book.clear()
        assert book.take("iam", "ListUsers") is None

    def test_apply_raises_an_armed_error_fault_once_per_firing(self) -> None:
        book = FaultBook()
        book.inject(Fault("AssumeRole", FaultKind.THROTTLE, service="sts", times=1))

        with pytest.raises(InjectedFault) as fired:
            book.apply("sts", "AssumeRole")
        book.apply("sts", "AssumeRole")  # used up: the call goes through

        assert fired.value.error.code == "Throttling"

    def test_quicksight_faults_answer_as_quicksight_errors_with_the_modelled_status(self) -> None:
        status, headers, body = InjectedFault("quicksight", FaultKind.THROTTLE).response("r-1")

        assert (status, headers["x-amzn-ErrorType"]) == (429, "ThrottlingException")
        assert json.loads(body)["RequestId"] == "r-1"
        for (protocol, _), error in FAULT_ERRORS.items():
            if protocol == "rest-json":
                assert error_status(error.code) == error.status, error.code

    def test_sts_and_iam_faults_answer_in_the_query_protocol(self) -> None:
        status, _, body = InjectedFault("iam", FaultKind.INTERNAL).response()

        assert status == 500
        assert "<Type>Receiver</Type><Code>InternalFailure</Code>" in body

    @pytest.mark.parametrize(
        ("fields", "problem"),
        [
            ({"operation": "GetSessionEmbedURL", "kind": "throttle"}, "no operation named"),
            ({"operation": "GetSessionEmbedUrl", "kind": "latency"}, "needs latency_ms"),
            ({"operation": "GetSessionEmbedUrl", "kind": "throttle", "times": 0}, "at least 1"),
            ({"operation": "GetSessionEmbedUrl", "kind": "throttle", "service": "s3"}, "one of"),
            ({"operation": "GetSessionEmbedUrl", "kind": "throttle", "typo": 1}, "unknown"),
        ],
    )
    def test_bad_faults_are_refused(self, fields: dict[str, object], problem: str) -> None:
        with pytest.raises(ValueError, match=problem):
            Fault.from_json(fields)


class FixedClock:
    def __init__(self) -> None:
        self.now_value = datetime(2025, 1, 1, tzinfo=UTC)

    def now(self) -> datetime:
        return self.now_value


GRANT = EmbedGrant(
    user_arn=PREFIX + "user/acme/alice",
    user_name="alice",
    namespace="acme",
    entry_point="/dashboards/d-1",
    lifetime_minutes=60,
)


def _split(url: str) -> tuple[str, str]:
    path, _, query = url.removeprefix("http://h").partition("?")
    return path, dict(part.split("=", 1) for part in query.split("&"))["code"]


class TestEmbedSessions:
    def test_single_use(self) -> None:
        sessions = EmbedSessions(FixedClock())
        path, code = _split(sessions.issue(GRANT, "http://h"))

        assert sessions.redeem(path, code) == (Redeemed.OK, GRANT)
        assert sessions.redeem(path, code) == (Redeemed.USED, None)

    def test_valid_five_minutes(self) -> None:
        clock = FixedClock()
        sessions = EmbedSessions(clock)
        on_time, late = (_split(sessions.issue(GRANT, "http://h")) for _ in range(2))

        clock.now_value += timedelta(minutes=5)
        assert sessions.redeem(*on_time)[0] is Redeemed.OK
        clock.now_value += timedelta(seconds=1)
        assert sessions.redeem(*late)[0] is Redeemed.EXPIRED

    def test_wrong_code_or_path_is_refused(self) -> None:
        sessions = EmbedSessions(FixedClock())
        path, code = _split(sessions.issue(GRANT, "http://h"))

        assert sessions.redeem(path, "x" + code)[0] is Redeemed.REFUSED
        assert sessions.redeem(path.replace("d-1", "d-2"), code)[0] is Redeemed.REFUSED
        assert sessions.redeem("/embed/unknown/dashboards/d-1", code)[0] is Redeemed.REFUSED


def test_adjustable_clock_moves_only_forward() -> None:
    start = datetime(2025, 1, 1, tzinfo=UTC)
    clock = AdjustableClock(lambda: start)

    assert clock.advance(90) == start + timedelta(seconds=90)
    assert clock.now() == start + timedelta(seconds=90)
    for bad in (-1, float("nan")):
        with pytest.raises(ValueError, match="only moves forward"):
            clock.advance(bad)


class TestModel:
    def test_entry_points(self) -> None:
        good = ["/start", "/start/favorites", "/dashboards/abc-1_2", "/analyses/x"]
        bad = ["/", "/start/", "/start/admin", "/dashboards/", "/dashboards/a/b", "/dashboards/a b"]
        assert all(is_console_entry_point(value) for value in good)
        assert not any(is_console_entry_point(value) for value in bad)

    def test_limits_and_patterns_come_from_botocore(self) -> None:
        assert limits("GetSessionEmbedUrl", "SessionLifetimeInMinutes") == (15, 600)
        assert check_member("CreateCustomPermissions", "CustomPermissionsName", "ok.name@x") is None
        assert check_member("CreateCustomPermissions", "CustomPermissionsName", "no spaces")
        assert check_member("CreateNamespace", "Namespace", "x" * 65)
        assert check_member("RegisterUser", "UserRole", "OWNER")
        assert {"ExportToCsv", "ShareDashboards"} <= capability_names()


def test_query_strings_and_codes_are_stripped_from_log_lines() -> None:
    line = "GET /embed/abc/start?code=SECRET&isauthcode=true HTTP/1.1 and code=SECRET2, ok"

    redacted = strip_query_strings_and_credentials(line)

    assert "SECRET" not in redacted
    assert "/embed/abc/start" in redacted
