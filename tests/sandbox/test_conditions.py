"""Condition blocks of identity policies, evaluated by the emulator as IAM evaluates them.

Each case is an example of AWS's documentation (cited per row), adapted to the condition keys
of the operations embed roles call, and run in the emulator: the policy is put on a role, the
role's session makes the request, and the answer is allowed or AccessDenied. Cases that must be
denied are half the table. moto alone ignored every one of these conditions.

Sources:
- OPERATORS: IAM User Guide, "IAM JSON policy elements: Condition operators"
- MULTIVALUED: IAM User Guide, "Single-valued vs. multivalued context keys" and its examples
- LOGIC: IAM User Guide, "Policy evaluation logic" (an explicit Deny wins; an Allow whose
  condition does not match does not apply)
- QS_EMBED: QuickSight User Guide, embedding for registered users, step 1 (the
  quicksight:AllowedEmbeddingDomains example policy)
- QS_API: QuickSight API Reference, "Permissions for Amazon QuickSight resources" (the
  quicksight:UserName example on CreateGroupMembership)
- SAR: Service Authorization Reference for QuickSight (RegisterUser's quicksight:IamArn and
  quicksight:SessionName, AllowedEmbeddingDomains ArrayOfString)
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from botocore.exceptions import ClientError

from sandbox import Emulator, EmulatorSession
from sandbox.conditions import (
    UnsupportedPolicyElement,
    condition_holds,
    conditions_hold,
    pattern_matches,
    request_context,
    resolve,
)
from sandbox.quicksight.authorization import CONDITION_KEYS, quicksight_context

from .conftest import ACCOUNT, NO_RETRIES, Tenant, assume, make_embed_role, user_arn

OPERATORS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html"
MULTIVALUED = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html"
MULTIVALUED_EXAMPLES = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition_examples-multi-valued-context-keys.html"
LOGIC = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html"
QS_EMBED = "https://docs.aws.amazon.com/quicksight/latest/user/embedded-analytics-full-console-for-authenticated-users.html"
QS_API = "https://docs.aws.amazon.com/quicksight/latest/APIReference/qs-api-permissions.html"
SAR = (
    "https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonquicksight.html"
)
GLOBAL_KEYS = (
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html"
)
VARIABLES = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html"

ROLE = "qs-embed-conditions"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/{ROLE}"
GROUP = "conditions-group"
GENERATE = "quicksight:GenerateEmbedUrlForRegisteredUser"
REGISTER = "quicksight:RegisterUser"
MEMBERSHIP = "quicksight:CreateGroupMembership"
DOMAINS = "quicksight:AllowedEmbeddingDomains"
QS_DOMAIN_EXAMPLE = ["https://my.static.domain1.com", "https://*.my.static.domain2.com"]
TAG_EXAMPLE = ["https://dataclass.example", "https://owner.example"]  # aws:TagKeys DataClass, Owner


@dataclass(frozen=True)
class Case:
    id: str
    source: str
    action: str
    statements: list[dict[str, Any]]
    request: dict[str, Any] = field(default_factory=dict)
    allowed: bool = True


def allow(action: str, condition: dict[str, Any] | None = None) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": "Allow", "Action": action, "Resource": "*"}
    if condition is not None:
        statement["Condition"] = condition
    return statement


def deny(action: str, condition: dict[str, Any] | None = None) -> dict[str, Any]:
    return {**allow(action, condition), "Effect": "Deny"}


def one(
    id: str,
    source: str,
    action: str,
    condition: dict[str, Any],
    request: dict[str, Any],
    allowed: bool,
) -> Case:
    return Case(id, source, action, [allow(action, condition)], request, allowed)


def domains(*values: str) -> dict[str, Any]:
    return {"AllowedDomains": list(values)}


def session(name: str, iam_arn: str = ROLE_ARN) -> dict[str, Any]:
    return {"IamArn": iam_arn, "SessionName": name}


CASES = [
    # -- StringEquals / StringNotEquals / StringLike / StringNotLike -----------------------
    one("string-equals-tag", OPERATORS, GENERATE,
        {"StringEquals": {"aws:PrincipalTag/job-category": "iamuser-admin"}}, {}, True),
    one("string-equals-other-value", OPERATORS, GENERATE,
        {"StringEquals": {"aws:PrincipalTag/job-category": "iamuser-reader"}}, {}, False),
    one("string-equals-case-sensitive", OPERATORS, GENERATE,
        {"StringEquals": {"aws:PrincipalTag/job-category": "IAMUSER-ADMIN"}}, {}, False),
    one("string-equals-ignore-case", OPERATORS, GENERATE,
        {"StringEqualsIgnoreCase": {"aws:PrincipalTag/job-category": "IAMUSER-ADMIN"}}, {}, True),
    one("string-equals-missing-key", OPERATORS, GENERATE,
        {"StringEquals": {"aws:PrincipalTag/cost-center": "12345"}}, {}, False),
    one("string-not-equals-missing-key", OPERATORS, GENERATE,
        {"StringNotEquals": {"aws:PrincipalTag/cost-center": "12345"}}, {}, True),
    one("string-equals-any-of-values", OPERATORS, REGISTER,
        {"StringEquals": {"quicksight:SessionName": ["dana", "eli"]}}, session("eli"), True),
    one("string-equals-none-of-values", OPERATORS, REGISTER,
        {"StringEquals": {"quicksight:SessionName": ["dana", "eli"]}}, session("mallory"), False),
    one("string-like-wildcard", OPERATORS, REGISTER,
        {"StringLike": {"quicksight:SessionName": "web-*"}}, session("web-7"), True),
    one("string-like-single-char", OPERATORS, REGISTER,
        {"StringLike": {"quicksight:SessionName": "web-?"}}, session("web-10"), False),
    one("string-not-like", OPERATORS, REGISTER,
        {"StringNotLike": {"quicksight:SessionName": "admin*"}}, session("admin-1"), False),
    one("string-not-like-missing-key", OPERATORS, REGISTER,
        {"StringNotLike": {"quicksight:SessionName": "admin*"}},
        {"UserName": "qs-user", "IdentityType": "QUICKSIGHT"}, True),
    # -- ArnEquals / ArnLike / ArnNotEquals / ArnNotLike ------------------------------------
    one("arn-equals", SAR, REGISTER,
        {"ArnEquals": {"quicksight:IamArn": ROLE_ARN}}, session("arn-1"), True),
    one("arn-equals-other-role", SAR, REGISTER,
        {"ArnEquals": {"quicksight:IamArn": ROLE_ARN}},
        session("arn-2", f"arn:aws:iam::{ACCOUNT}:role/qs-embed-acme"), False),
    one("arn-equals-missing-key", SAR, REGISTER,
        {"ArnEquals": {"quicksight:IamArn": ROLE_ARN}},
        {"UserName": "qs-arn-user", "IdentityType": "QUICKSIGHT"}, False),
    one("arn-like-component-wildcard", OPERATORS, GENERATE,
        {"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:role/qs-embed-*"}}, {}, True),
    one("arn-like-wildcard-stays-in-its-component", OPERATORS, GENERATE,
        {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*"}}, {}, False),
    one("arn-not-like", OPERATORS, GENERATE,
        {"ArnNotLike": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:role/qs-embed-*"}}, {}, False),
    one("arn-not-equals-another-role", OPERATORS, GENERATE,
        {"ArnNotEquals": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:role/admin"}}, {}, True),
    # -- Bool, Null, ...IfExists ------------------------------------------------------------
    one("bool-secure-transport", OPERATORS, GENERATE,
        {"Bool": {"aws:SecureTransport": "true"}}, {}, True),
    one("bool-secure-transport-false", OPERATORS, GENERATE,
        {"Bool": {"aws:SecureTransport": "false"}}, {}, False),
    one("null-true-key-absent", OPERATORS, GENERATE, {"Null": {DOMAINS: "true"}}, {}, True),
    one("null-true-key-present", OPERATORS, GENERATE,
        {"Null": {DOMAINS: "true"}}, domains("https://portal.acme.example"), False),
    one("null-false-key-absent", OPERATORS, GENERATE, {"Null": {DOMAINS: "false"}}, {}, False),
    one("if-exists-key-absent", OPERATORS, GENERATE,
        {"ForAllValues:StringLikeIfExists": {DOMAINS: "https://*.acme.example"}}, {}, True),
    one("if-exists-key-present-no-match", OPERATORS, GENERATE,
        {"ForAnyValue:StringLikeIfExists": {DOMAINS: "https://*.acme.example"}},
        domains("https://evil.example"), False),
    one("if-exists-single-valued", OPERATORS, REGISTER,
        {"StringEqualsIfExists": {"quicksight:SessionName": "dana"}},
        {"UserName": "qs-ifexists-user", "IdentityType": "QUICKSIGHT"}, True),
    # -- ForAllValues / ForAnyValue on a multivalued key ------------------------------------
    one("for-all-values-key-absent", MULTIVALUED, GENERATE,
        {"ForAllValues:StringEquals": {DOMAINS: TAG_EXAMPLE}}, {}, True),
    one("for-all-values-none-listed", MULTIVALUED, GENERATE,
        {"ForAllValues:StringEquals": {DOMAINS: TAG_EXAMPLE}},
        domains("https://dept.example", "https://sic.example"), False),
    one("for-all-values-one-not-listed", MULTIVALUED, GENERATE,
        {"ForAllValues:StringEquals": {DOMAINS: TAG_EXAMPLE}},
        domains("https://dataclass.example", "https://dept.example"), False),
    one("for-all-values-subset", MULTIVALUED, GENERATE,
        {"ForAllValues:StringEquals": {DOMAINS: TAG_EXAMPLE}},
        domains("https://dataclass.example"), True),
    one("for-all-values-all", MULTIVALUED, GENERATE,
        {"ForAllValues:StringEquals": {DOMAINS: TAG_EXAMPLE}},
        domains(*TAG_EXAMPLE), True),
    Case("for-all-values-with-null-false-refuses-absent", MULTIVALUED_EXAMPLES, GENERATE,
         [allow(GENERATE, {"ForAllValues:StringEquals": {DOMAINS: TAG_EXAMPLE},
                           "Null": {DOMAINS: "false"}})], {}, False),
    one("for-any-value-key-absent", MULTIVALUED, GENERATE,
        {"ForAnyValue:StringEquals": {DOMAINS: TAG_EXAMPLE}}, {}, False),
    one("for-any-value-one-listed", MULTIVALUED, GENERATE,
        {"ForAnyValue:StringEquals": {DOMAINS: TAG_EXAMPLE}},
        domains("https://owner.example", "https://dept.example"), True),
    Case("deny-for-any-value-string-not-like", MULTIVALUED_EXAMPLES, GENERATE,
         [allow(GENERATE),
          deny(GENERATE, {"ForAnyValue:StringNotLike": {DOMAINS: "https://*.acme.example"}})],
         domains("https://portal.acme.example", "https://evil.example"), False),
    Case("deny-for-any-value-all-inside", MULTIVALUED_EXAMPLES, GENERATE,
         [allow(GENERATE),
          deny(GENERATE, {"ForAnyValue:StringNotLike": {DOMAINS: "https://*.acme.example"}})],
         domains("https://portal.acme.example"), True),
    # -- QuickSight's own examples -------------------------------------------------------
    one("qs-allowed-embedding-domains", QS_EMBED, GENERATE,
        {"ForAllValues:StringEquals": {DOMAINS: QS_DOMAIN_EXAMPLE}},
        domains("https://my.static.domain1.com"), True),
    one("qs-allowed-embedding-domains-evil", QS_EMBED, GENERATE,
        {"ForAllValues:StringEquals": {DOMAINS: QS_DOMAIN_EXAMPLE}},
        domains("https://my.static.domain1.com", "https://evil.example"), False),
    one("qs-string-equals-wildcard-is-literal", QS_EMBED, GENERATE,
        {"ForAllValues:StringEquals": {DOMAINS: QS_DOMAIN_EXAMPLE}},
        domains("https://app.my.static.domain2.com"), False),
    one("qs-string-like-wildcard-subdomain", QS_EMBED, GENERATE,
        {"ForAllValues:StringLike": {DOMAINS: QS_DOMAIN_EXAMPLE}},
        domains("https://app.my.static.domain2.com"), True),
    one("qs-user-name-not-equals", QS_API, MEMBERSHIP,
        {"StringNotEquals": {"quicksight:UserName": "acme-reader"}},
        {"MemberName": "acme-author"}, True),
    one("qs-user-name-not-equals-refused", QS_API, MEMBERSHIP,
        {"StringNotEquals": {"quicksight:UserName": "acme-reader"}},
        {"MemberName": "acme-reader"}, False),
    # -- evaluation logic -------------------------------------------------------------------
    Case("allow-with-failing-condition-is-not-a-deny", LOGIC, GENERATE,
         [allow(GENERATE, {"StringEquals": {"aws:PrincipalTag/job-category": "nobody"}}),
          allow(GENERATE)], {}, True),
    Case("explicit-deny-wins", LOGIC, GENERATE,
         [allow(GENERATE), deny(GENERATE, {"Null": {DOMAINS: "true"}})], {}, False),
    Case("deny-whose-condition-fails-does-not-apply", LOGIC, GENERATE,
         [allow(GENERATE), deny(GENERATE, {"Null": {DOMAINS: "false"}})], {}, True),
    # -- Date / Numeric / IpAddress on keys AWS always sets ------------------------------
    one("date-less-than-current-time-future", OPERATORS, GENERATE,
        {"DateLessThan": {"aws:CurrentTime": "2999-01-01T00:00:00Z"}}, {}, True),
    one("date-less-than-current-time-past", OPERATORS, GENERATE,
        {"DateLessThan": {"aws:CurrentTime": "2000-01-01T00:00:00Z"}}, {}, False),
    Case("deny-date-greater-than-past", OPERATORS, GENERATE,
         [allow(GENERATE),
          deny(GENERATE, {"DateGreaterThan": {"aws:CurrentTime": "2000-01-01T00:00:00Z"}})],
         {}, False),
    one("numeric-epoch-time", OPERATORS, GENERATE,
        {"NumericGreaterThan": {"aws:EpochTime": "946684800"}}, {}, True),
    one("numeric-epoch-time-not-yet", OPERATORS, GENERATE,
        {"NumericLessThan": {"aws:EpochTime": "946684800"}}, {}, False),
    one("ip-address-loopback", OPERATORS, GENERATE,
        {"IpAddress": {"aws:SourceIp": "127.0.0.0/8"}}, {}, True),
    one("ip-address-elsewhere", OPERATORS, GENERATE,
        {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}, {}, False),
    Case("deny-not-ip-address", OPERATORS, GENERATE,
         [allow(GENERATE), deny(GENERATE, {"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}})],
         {}, False),
    Case("deny-secure-transport-false-does-not-apply", OPERATORS, GENERATE,
         [allow(GENERATE), deny(GENERATE, {"Bool": {"aws:SecureTransport": "false"}})],
         {}, True),
    Case("deny-via-aws-service-false", GLOBAL_KEYS, GENERATE,
         [allow(GENERATE), deny(GENERATE, {"Bool": {"aws:ViaAWSService": "false"}})],
         {}, False),
    Case("deny-principal-account", GLOBAL_KEYS, GENERATE,
         [allow(GENERATE), deny(GENERATE, {"StringEquals": {"aws:PrincipalAccount": ACCOUNT}})],
         {}, False),
    Case("deny-principal-type-assumed-role", GLOBAL_KEYS, GENERATE,
         [allow(GENERATE), deny(GENERATE, {"StringEquals": {"aws:PrincipalType": "AssumedRole"}})],
         {}, False),
    Case("deny-mfa-absent-for-a-session", GLOBAL_KEYS, GENERATE,
         [allow(GENERATE), deny(GENERATE, {"Bool": {"aws:MultiFactorAuthPresent": "false"}})],
         {}, False),
    Case("deny-username-absent-for-a-role-session", GLOBAL_KEYS, GENERATE,
         [allow(GENERATE), deny(GENERATE, {"Null": {"aws:username": "true"}})],
         {}, False),
    # -- policy variables -------------------------------------------------------------------
    one("variable-principal-tag", VARIABLES, REGISTER,
        {"StringEquals": {"quicksight:SessionName": "${aws:PrincipalTag/job-category}"}},
        session("iamuser-admin"), True),
    one("variable-principal-tag-other-session", VARIABLES, REGISTER,
        {"StringEquals": {"quicksight:SessionName": "${aws:PrincipalTag/job-category}"}},
        session("mallory"), False),
    one("variable-missing-key-matches-nothing", VARIABLES, REGISTER,
        {"StringLike": {"quicksight:SessionName": "${aws:username}*"}}, session("xy"), False),
    one("variable-default-value", VARIABLES, REGISTER,
        {"StringEquals": {"quicksight:SessionName": "${aws:username, 'guest'}"}},
        session("guest"), True),
    Case("deny-user-resource-by-variable", VARIABLES, GENERATE,
         [allow(GENERATE),
          {"Effect": "Deny", "Action": GENERATE,
           "Resource": f"arn:aws:quicksight:*:{ACCOUNT}:user/acme/${{aws:PrincipalTag/owner}}"}],
         {}, False),
    # -- refused loudly: what the emulator does not implement -------------------------------
    Case("unmodelled-global-key-refused-loudly", GLOBAL_KEYS, GENERATE,
         [allow(GENERATE, {"DateGreaterThan": {"aws:TokenIssueTime": "2000-01-01T00:00:00Z"}})],
         {}, False),
    Case("binary-operator-refused-loudly", OPERATORS, GENERATE,
         [allow(GENERATE), deny(GENERATE, {"BinaryEquals": {"aws:UserAgent": "QmluYXJ5"}})],
         {}, False),
]  # fmt: skip


@pytest.fixture(scope="module")
def role_session(
    emulator: Emulator, admin: EmulatorSession, qs_admin: Any, tenants: dict[str, Tenant]
) -> EmulatorSession:
    """A role tagged as in the StringEquals example, assumed by acme's portal."""
    portal = tenants["acme"].portal_arn
    make_embed_role(admin, ROLE, portal, policy=None)  # each case puts the role's one policy
    admin.client("iam").tag_role(
        RoleName=ROLE,
        Tags=[
            {"Key": "job-category", "Value": "iamuser-admin"},
            {"Key": "owner", "Value": "acme-author"},
        ],
    )
    qs_admin.create_group(AwsAccountId=ACCOUNT, Namespace="acme", GroupName=GROUP)
    return assume(
        emulator, emulator.principal_session(portal), f"arn:aws:iam::{ACCOUNT}:role/{ROLE}"
    )


_sessions = itertools.count()


def _request(qs: Any, action: str, request: dict[str, Any]) -> Callable[[], object]:
    if action == GENERATE:
        return lambda: qs.generate_embed_url_for_registered_user(
            AwsAccountId=ACCOUNT,
            UserArn=user_arn("acme", "acme-author"),
            ExperienceConfiguration={"QuickSightConsole": {"InitialPath": "/start"}},
            **request,
        )
    if action == REGISTER:
        identity = {"IdentityType": "IAM", **request}
        if identity["IdentityType"] == "QUICKSIGHT":
            identity["UserName"] = f"{identity['UserName']}-{next(_sessions)}"
        return lambda: qs.register_user(
            AwsAccountId=ACCOUNT,
            Namespace="acme",
            Email="user@acme.example",
            UserRole="AUTHOR",
            **identity,
        )
    return lambda: qs.create_group_membership(
        AwsAccountId=ACCOUNT, Namespace="acme", GroupName=GROUP, **request
    )


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_condition_in_the_emulator(
    case: Case, admin: EmulatorSession, role_session: EmulatorSession
) -> None:
    policy = {"Version": "2012-10-17", "Statement": case.statements}
    admin.client("iam").put_role_policy(
        RoleName=ROLE, PolicyName="conditions", PolicyDocument=json.dumps(policy)
    )
    qs = role_session.client("quicksight", config=NO_RETRIES)

    code, message = _outcome(_request(qs, case.action, case.request))

    # An allowed RegisterUser of a name met before answers ResourceExists: it was allowed.
    assert code in ("ok", "AccessDeniedException", "ResourceExistsException"), message
    allowed = code != "AccessDeniedException"
    assert allowed is case.allowed, f"{case.id} ({case.source}): {message}"
    if not allowed:
        assert case.action in message, "the refusal names the action"
    if "refused-loudly" in case.id:
        assert "the emulator does not implement" in message, message


def _outcome(call: Callable[[], object]) -> tuple[str, str]:
    try:
        call()
    except ClientError as e:
        return e.response["Error"]["Code"], str(e)
    return "ok", ""


def test_each_condition_key_an_embed_role_meets_is_in_the_table() -> None:
    """Every key the request context carries for these actions is exercised above."""
    used = {
        key.lower()
        for case in CASES
        for statement in case.statements
        for block in statement.get("Condition", {}).values()
        for key in block
    }
    assert {
        "quicksight:iamarn",
        "quicksight:sessionname",
        "quicksight:allowedembeddingdomains",
        "quicksight:username",
        "aws:principalarn",
        "aws:securetransport",
    } <= used
    assert sum(not c.allowed for c in CASES) >= len(CASES) // 3


# -- the evaluator itself: what the emulator's requests cannot reach ------------------------

APP = f"arn:aws:iam::{ACCOUNT}:role/app"


@pytest.mark.parametrize(
    ("operator", "expected", "values", "holds"),
    [
        # "ArnEquals, ArnLike ... Each of the six colon-delimited components of the ARN is
        # checked separately": a wildcard in the region never matches into the account.
        ("ArnLike", "arn:aws:iam::*:role/app", [APP], True),
        ("ArnLike", "arn:aws:*", [APP], False),
        ("ArnEquals", "arn:aws:iam::1111?2223333:role/app", [APP], True),
        ("ArnLike", "arn:aws:iam::111122223333:role/*", ["not-an-arn"], False),
        ("StringLike", "a[b]c", ["a[b]c"], True),  # only * and ? are special
        ("StringLike", "a.c", ["abc"], False),
        ("Bool", True, ["true"], True),
        ("Null", "TRUE", [], True),
        ("Null", "false", [""], False),  # an empty value is null (MULTIVALUED examples)
        ("StringEquals", "", [""], False),  # ... and so absent: no match
        ("StringNotEquals", "x", [""], True),
        ("ForAllValues:StringEquals", ["x", "y"], ["x", "y"], True),
        ("ForAllValues:StringEquals", ["x"], [""], True),  # "a null dataset"
        ("ForAnyValue:StringEquals", ["x"], [""], False),
        ("ForAnyValue:StringNotEquals", ["x", "y"], ["x", "z"], True),
        ("ForAllValues:StringNotEquals", ["x", "y"], ["x", "z"], False),
        ("ForAnyValue:StringLike", "a*", ["b", "ab"], True),
        ("NumericLessThan", "5", ["3"], True),
        ("NumericLessThan", "5", ["5"], False),
        ("NumericLessThanEquals", "5", ["5.0"], True),
        ("NumericGreaterThan", "5", ["x"], False),  # not a number: no match
        ("NumericNotEquals", "5", ["6"], True),
        ("NumericEquals", "5", [], False),
        ("NumericNotEquals", "5", [], True),  # a negated operator on a missing key
        ("NumericLessThanIfExists", "5", [], True),
        ("DateLessThan", "2020-01-01T00:00:00Z", ["2019-12-31T23:59:59Z"], True),
        ("DateLessThan", "2020-01-01T00:00:00Z", ["2020-01-01T00:00:00Z"], False),
        ("DateGreaterThanEquals", "1577836800", ["2020-01-01T00:00:00Z"], True),  # epoch
        ("DateEquals", "2020-01-01", ["2020-01-01T00:00:00+00:00"], True),
        ("DateNotEquals", "2020-01-01", ["2020-01-02"], True),
        ("IpAddress", "203.0.113.0/24", ["203.0.113.7"], True),
        ("IpAddress", "203.0.113.0/24", ["203.0.114.7"], False),
        ("IpAddress", ["10.0.0.0/8", "203.0.113.7"], ["203.0.113.7"], True),
        ("IpAddress", "2001:db8::/32", ["2001:db8::1"], True),
        ("IpAddress", "2001:db8::/32", ["203.0.113.7"], False),
        ("NotIpAddress", "203.0.113.0/24", ["198.51.100.1"], True),
        ("NotIpAddress", "203.0.113.0/24", [], True),
        ("StringEquals", "${aws:username}", ["bob"], False),  # no aws:username in context
    ],
)  # fmt: skip
def test_condition_semantics(operator: str, expected: Any, values: list[str], holds: bool) -> None:
    context = request_context({"k": values})
    assert condition_holds(operator, "K", expected, context) is holds


@pytest.mark.parametrize(
    ("operator", "expected", "values", "element"),
    [
        ("Null", "maybe", [], "Null with a value"),
        # "Multivalued context keys require a condition set operator"
        ("StringEquals", "x", ["x", "y"], "which holds 2 values"),
        ("Sometimes:StringEquals", "x", ["x"], "set operator 'Sometimes'"),
        ("StringEquals", {"nested": "map"}, ["x"], "a dict as a value of StringEquals"),
        ("BinaryEquals", "QmluYXJ5", ["x"], "operator 'BinaryEquals'"),
        ("NumericLessThan", "five", ["3"], "a Numeric condition value (not a number)"),
        ("IpAddress", "not-an-ip", ["127.0.0.1"], "an IpAddress condition value"),
        ("NumericLessThan", "${aws:EpochTime}", ["3"], "a policy variable in NumericLessThan"),
        ("StringNotEquals", "${k}", ["3"], "a policy variable in StringNotEquals"),
        ("StringEquals", "${k, default}", ["3"], "a policy variable default"),
    ],
)
def test_what_is_not_implemented_is_refused_loudly(
    operator: str, expected: Any, values: list[str], element: str
) -> None:
    context = request_context({"k": values})
    with pytest.raises(UnsupportedPolicyElement, match=re.escape(element)) as refused:
        condition_holds(operator, "K", expected, context)
    if isinstance(expected, str) and expected not in ("x", "maybe"):
        assert expected not in str(refused.value), "a policy's values stay out of messages"


def test_a_key_the_emulator_does_not_compute_is_refused_not_absent() -> None:
    context = request_context({}, lambda key: "not computed" if key == "aws:sourcevpc" else None)
    deny_outside_vpc = {"StringNotEquals": {"aws:SourceVpc": "vpc-1"}}
    with pytest.raises(UnsupportedPolicyElement, match="aws:SourceVpc"):
        conditions_hold({"StringEquals": {"aws:SourceVpc": "vpc-1"}}, context)
    with pytest.raises(UnsupportedPolicyElement):
        conditions_hold(deny_outside_vpc, context)
    assert conditions_hold({"StringEquals": {"aws:PrincipalOrgID": "o-1"}}, context) is False


@pytest.mark.parametrize(
    ("text", "values", "matches", "misses"),
    [
        ("user/${aws:username}", {"aws:username": "bob"}, ["user/bob"], ["user/alice"]),
        ("user/${aws:username}", {}, [], ["user/", "user/${aws:username}"]),
        ("user/${AWS:UserName}", {"aws:username": "bob"}, ["user/bob"], []),  # keys: any case
        ("${aws:username, 'guest'}", {}, ["guest"], ["bob"]),
        ("${aws:username, 'it''s'}", {}, ["it's"], []),
        ("a${*}b", {}, ["a*b"], ["axb"]),  # escapes are literal, never wildcards
        ("a${?}b", {}, ["a?b"], ["axb"]),
        ("a${$}{x}", {}, ["a${x}"], []),
        ("${k}*", {"k": "a*"}, ["a*", "a*tail"], ["abc"]),  # a value is literal too
        ("${k}", {"k": ["a", "b"]}, [], ["a", "b"]),  # multivalued: no single value
    ],
)
def test_policy_variables(
    text: str, values: dict[str, Any], matches: list[str], misses: list[str]
) -> None:
    context = request_context(values)
    pattern = resolve(text, context, variables=True)
    for value in matches:
        assert pattern is not None, value
        assert pattern_matches(pattern, value), value
    for value in misses:
        assert pattern is None or not pattern_matches(pattern, value), value


def test_variables_are_literal_before_version_2012_10_17() -> None:
    context = request_context({"aws:username": "bob"})
    literal = resolve("user/${aws:username}", context, variables=False)
    assert literal is not None
    assert pattern_matches(literal, "user/${aws:username}")
    block = {"StringEquals": {"k": "${aws:username}"}}
    assert conditions_hold(block, request_context({"k": "${aws:username}"}), variables=False)
    assert not conditions_hold(block, request_context({"k": "${aws:username}"}))


def test_one_false_condition_decides_even_beside_an_unknown_one() -> None:
    context = request_context({"a": "1"})
    block = {"StringEquals": {"a": "2"}, "BinaryEquals": {"a": "MQ=="}}
    assert conditions_hold(block, context) is False
    with pytest.raises(UnsupportedPolicyElement):
        conditions_hold({"BinaryEquals": {"a": "MQ=="}}, context)
    assert conditions_hold(None, context) is True
    with pytest.raises(UnsupportedPolicyElement):
        conditions_hold("not a block", context)


def test_the_condition_key_table_agrees_with_aws() -> None:
    """Each key the emulator sets is one the Service Authorization Reference lists for the
    action (parliament ships AWS's IAM definition), read from a parameter botocore's model
    has; for the actions embed roles call, the table has every key AWS lists."""
    import botocore.session
    from parliament import iam_definition

    quicksight = next(d for d in iam_definition if d["prefix"] == "quicksight")
    listed = {
        p["privilege"]: {k for r in p["resource_types"] for k in r["condition_keys"]}
        for p in quicksight["privileges"]
    }
    model = botocore.session.get_session().get_service_model("quicksight")
    for action, keys in CONDITION_KEYS.items():
        assert set(keys) <= listed[action], action
        shape = model.operation_model(action).input_shape
        assert shape is not None, action
        members = shape.members
        assert set(keys.values()) <= set(members), action
    for action in ("RegisterUser", "GenerateEmbedUrlForRegisteredUser"):
        service_keys = {k for k in listed[action] if k.startswith("quicksight:")}
        assert set(CONDITION_KEYS[action]) == service_keys


def test_request_values_are_judged_as_sent() -> None:
    context = quicksight_context(
        "GenerateEmbedUrlForRegisteredUser", {"AllowedDomains": ["https://a.example", 7]}
    )
    assert context == {DOMAINS: ["https://a.example", "7"]}
    assert quicksight_context("GetSessionEmbedUrl", {"UserArn": "x"}) == {}
    absent = quicksight_context("RegisterUser", {"IdentityType": "QUICKSIGHT"})
    assert absent == {"quicksight:IamArn": None, "quicksight:SessionName": None}
    tagged = quicksight_context(
        "CreateCustomPermissions", {"Tags": [{"Key": "tenant", "Value": "acme"}]}
    )
    assert tagged["aws:TagKeys"] == ["tenant"]
    assert tagged["aws:RequestTag/tenant"] == "acme"
