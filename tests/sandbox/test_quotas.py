"""AWS's default quotas in the emulator: the one past each refused with AWS's error, the last
one within accepted, a raised quota honoured.

The counts are reached in moto's backends directly (a thousand roles in milliseconds); the
error as the wire carries it is checked once against a running emulator."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from botocore.exceptions import ClientError
from moto.iam.exceptions import LimitExceededException
from moto.iam.models import IAMBackend

from sandbox import Emulator, quotas
from sandbox.quicksight.exceptions import QuickSightError
from sandbox.quicksight.models import SandboxQuickSightBackend
from sandbox.quotas import DEFAULTS, Quotas

from .conftest import NO_RETRIES

ACCOUNT = "999900001111"
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
             "Action": "sts:AssumeRole"}
        ],
    }
)  # fmt: skip


def _policy(chars: int) -> str:
    """A policy document of exactly `chars` characters as IAM counts them."""
    statement = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "x"}
    base = {"Version": "2012-10-17", "Statement": [statement]}
    pad = chars - quotas.iam_size(json.dumps(base))
    statement["Resource"] = "arn:aws:s3:::" + "b" * (pad - 12)
    document = json.dumps(base, indent=2)  # white space does not count
    assert quotas.iam_size(document) == chars
    return document


@pytest.fixture
def limits(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The quota checks on moto's IAM for this test only."""
    for name, method in quotas.iam_patches().items():
        monkeypatch.setattr(IAMBackend, name, method)
    yield
    quotas.configure(DEFAULTS)


@pytest.fixture
def iam(limits: None) -> IAMBackend:
    return IAMBackend("us-east-1", ACCOUNT)


def _role(iam: IAMBackend, name: str, trust: str = TRUST) -> None:
    iam.create_role(name, trust, "/", None, "", [], None)


def test_the_1000th_role_is_created_and_the_1001st_refused(iam: IAMBackend) -> None:
    for i in range(DEFAULTS.roles):
        _role(iam, f"r{i}")
    with pytest.raises(LimitExceededException) as caught:
        _role(iam, "one-too-many")
    assert caught.value.message == "Cannot exceed quota for RolesPerAccount: 1000"
    assert "one-too-many" not in {r.name for r in iam.get_roles()}


def test_a_raised_role_quota_is_honoured(iam: IAMBackend) -> None:
    quotas.configure(DEFAULTS.raised(["roles=1001"]))
    for i in range(1001):
        _role(iam, f"r{i}")
    with pytest.raises(LimitExceededException):
        _role(iam, "one-too-many")


def test_a_trust_policy_is_measured_without_white_space(iam: IAMBackend) -> None:
    _role(iam, "fits", _policy(DEFAULTS.trust_policy_chars))
    with pytest.raises(LimitExceededException) as caught:
        _role(iam, "too-long", _policy(DEFAULTS.trust_policy_chars + 1))
    assert caught.value.message == "Cannot exceed quota for ACLSizePerRole: 2048"
    with pytest.raises(LimitExceededException):
        iam.update_assume_role_policy("fits", _policy(DEFAULTS.trust_policy_chars + 1))


def test_a_roles_inline_policies_together_are_limited(iam: IAMBackend) -> None:
    _role(iam, "r")
    iam.put_role_policy("r", "a", _policy(6000))
    iam.put_role_policy("r", "b", _policy(Quotas.ROLE_POLICIES_CHARS - 6000))
    iam.put_role_policy("r", "a", _policy(6000))  # a replaced policy is not counted twice
    with pytest.raises(LimitExceededException) as caught:
        iam.put_role_policy("r", "c", _policy(200))
    assert caught.value.message == "Maximum policy size of 10240 bytes exceeded for role r"


def test_a_managed_policy_is_limited_and_so_are_attachments(iam: IAMBackend) -> None:
    iam.create_policy("", "/", _policy(Quotas.MANAGED_POLICY_CHARS), "fits", [])
    with pytest.raises(LimitExceededException) as caught:
        iam.create_policy("", "/", _policy(Quotas.MANAGED_POLICY_CHARS + 1), "big", [])
    assert caught.value.message == "Cannot exceed quota for PolicySize: 6144"
    _role(iam, "r")
    arns = [
        iam.create_policy("", "/", _policy(200), f"p{i}", []).arn
        for i in range(DEFAULTS.attached_policies_per_role + 1)
    ]
    for arn in arns[:-1]:
        iam.attach_role_policy(arn, "r")
    iam.attach_role_policy(arns[0], "r")  # attaching one again is not one more
    with pytest.raises(LimitExceededException) as caught:
        iam.attach_role_policy(arns[-1], "r")
    assert caught.value.message == "Cannot exceed quota for PoliciesPerRole: 10"


def test_the_100th_namespace_is_created_and_the_101st_refused(limits: None) -> None:
    """Issue 20: the emulator accepted any number of namespaces."""
    qs = SandboxQuickSightBackend("us-east-1", ACCOUNT)
    for i in range(DEFAULTS.namespaces):  # `default` is there already and does not count
        qs.create_namespace(f"n{i}")
    with pytest.raises(QuickSightError) as caught:
        qs.create_namespace("one-too-many")
    assert caught.value.code == "LimitExceededException"
    assert caught.value.status == 409
    _, _, body = caught.value.render("req-1")
    assert json.loads(body)["ResourceType"] == "NAMESPACE"
    assert "one-too-many" not in qs.namespaces
    quotas.configure(DEFAULTS.raised(["namespaces=101"]))
    qs.create_namespace("one-too-many")


@pytest.mark.parametrize(
    ("setting", "why"),
    [
        ("namespace=500", "unknown quota 'namespace'; raisable: namespaces, roles"),
        ("namespaces=99", "at least AWS's default 100"),
        ("roles=lots", "a whole number"),
        ("roles", "a whole number"),
    ],
)
def test_a_quota_setting_is_checked(setting: str, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        DEFAULTS.raised([setting])


@pytest.mark.emulator
def test_the_emulator_answers_with_aws_errors_and_can_be_started_raised() -> None:
    with Emulator(quotas={"namespaces": 101, "roles": 1200}) as emu:
        session = emu.admin_session()
        qs = session.client("quicksight", config=NO_RETRIES)
        iam = session.client("iam", config=NO_RETRIES)
        for i in range(101):
            qs.create_namespace(
                AwsAccountId=emu.account_id, Namespace=f"n{i}", IdentityStore="QUICKSIGHT"
            )
        with pytest.raises(ClientError) as caught:
            qs.create_namespace(
                AwsAccountId=emu.account_id, Namespace="n101", IdentityStore="QUICKSIGHT"
            )
        error = caught.value.response
        assert error["Error"]["Code"] == "LimitExceededException"
        assert error["ResponseMetadata"]["HTTPStatusCode"] == 409
        assert "limit of 101" in error["Error"]["Message"]

        with pytest.raises(ClientError) as caught:
            iam.create_role(RoleName="big-trust", AssumeRolePolicyDocument=_policy(2049))
        error = caught.value.response
        assert error["Error"]["Code"] == "LimitExceeded"
        assert error["ResponseMetadata"]["HTTPStatusCode"] == 409
        assert error["Error"]["Message"] == "Cannot exceed quota for ACLSizePerRole: 2048"
        summary = iam.get_account_summary()["SummaryMap"]
        assert summary["RolesQuota"] == 1200
        assert summary["AssumeRolePolicySizeQuota"] == 2048
