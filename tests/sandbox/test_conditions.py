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
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from botocore.exceptions import ClientError

from sandbox import Emulator, EmulatorSession
from sandbox.conditions import condition_holds, conditions_hold, request_context
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
    Case("unknown-operator-fails-closed-for-allow", OPERATORS, GENERATE,
         [allow(GENERATE, {"DateLessThan": {"aws:CurrentTime": "2999-01-01T00:00:00Z"}})],
         {}, False),
    Case("unknown-operator-fails-closed-for-deny", OPERATORS, GENERATE,
         [allow(GENERATE),
          deny(GENERATE, {"DateGreaterThan": {"aws:CurrentTime": "2999-01-01T00:00:00Z"}})],
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
        RoleName=ROLE, Tags=[{"Key": "job-category", "Value": "iamuser-admin"}]
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
        ("Null", "maybe", [], None),
        ("StringEquals", "x", ["x", "y"], None),  # a multivalued key needs a set operator
        ("ForAllValues:StringEquals", ["x", "y"], ["x", "y"], True),
        ("ForAnyValue:StringNotEquals", ["x", "y"], ["x", "z"], True),
        ("ForAllValues:StringNotEquals", ["x", "y"], ["x", "z"], False),
        ("NumericLessThan", "5", ["3"], None),
        ("StringEquals", "${aws:username}", ["bob"], None),  # policy variables: fail closed
        ("Sometimes:StringEquals", "x", ["x"], None),
        ("StringEquals", {"nested": "map"}, ["x"], None),
    ],
)  # fmt: skip
def test_condition_semantics(
    operator: str, expected: Any, values: list[str], holds: bool | None
) -> None:
    context = request_context({"k": values})
    assert condition_holds(operator, "K", expected, context) is holds


def test_one_false_condition_decides_even_beside_an_unknown_one() -> None:
    context = request_context({"a": "1"})
    block = {"StringEquals": {"a": "2"}, "DateLessThan": {"aws:CurrentTime": "2000"}}
    assert conditions_hold(block, context) is False
    assert conditions_hold({"DateLessThan": {"aws:CurrentTime": "2000"}}, context) is None
    assert conditions_hold(None, context) is True
    assert conditions_hold("not a block", context) is None


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
    assert quicksight_context("RegisterUser", {"IdentityType": "QUICKSIGHT"}) == {}
