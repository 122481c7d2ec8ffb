"""The stack's aws: configuration read as pulumi-aws reads it (infra.aws_config)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra.aws_config import (
    NO_REGION,
    AwsConfigError,
    AwsProviderConfig,
    ConfiguredClients,
    StackConfig,
    stack_config_for,
)

ROLE = "arn:aws:iam::111122223333:role/deployer"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def read(config: dict[str, str], env: dict[str, str] | None = None) -> AwsProviderConfig:
    return AwsProviderConfig.from_pulumi_config(config, env or {})


def test_values_arrive_as_strings_objects_json_encoded() -> None:
    settings = read(
        {
            "aws:region": "eu-west-1",
            "aws:skipCredentialsValidation": "true",
            "aws:allowedAccountIds": '["111122223333"]',
            "aws:endpoints": json.dumps([{"quicksight": "http://127.0.0.1:5000"}]),
            "quicksight-embedding:tenantsDir": "tenants",  # another namespace: not read
        }
    )
    assert settings.region == "eu-west-1"
    assert settings.skip_credentials_validation is True
    assert settings.allowed_account_ids == {"111122223333"}
    assert settings.endpoints == {"quicksight": "http://127.0.0.1:5000"}
    # pulumi-aws's own defaults (provider/resources.go).
    assert settings.skip_region_validation is True
    assert settings.skip_metadata_api_check is True


def test_no_region_fails_with_pulumi_aws_words_and_the_environment_fills_it() -> None:
    with pytest.raises(AwsConfigError) as e:
        read({})
    assert str(e.value) == NO_REGION
    assert read({}, {"AWS_DEFAULT_REGION": "us-west-2"}).region == "us-west-2"
    assert read({"aws:region": "eu-central-1"}, {"AWS_REGION": "us-west-2"}).region == (
        "eu-central-1"
    )


def test_assume_role_singular_is_refused_as_pulumi_aws_7_refuses_it() -> None:
    with pytest.raises(AwsConfigError, match="should be 'aws:assumeRoles'"):
        read({"aws:region": "us-east-1", "aws:assumeRole": json.dumps({"roleArn": ROLE})})


def test_assume_roles_chain_with_every_setting_sts_takes() -> None:
    roles = [
        {"roleArn": ROLE, "sessionName": "pulumi", "externalId": "ext-42", "duration": "1h"},
        {
            "roleArn": "arn:aws:iam::444455556666:role/qs",
            "tags": {"team": "bi"},
            "transitiveTagKeys": ["team"],
            "policyArns": ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
            "sourceIdentity": "ci",
            "policy": '{"Version": "2012-10-17", "Statement": []}',
        },
    ]
    settings = read({"aws:region": "us-east-1", "aws:assumeRoles": json.dumps(roles)})
    first, second = settings.assume_roles
    assert first.sts_arguments() == {
        "RoleSessionName": "pulumi",
        "ExternalId": "ext-42",
        "DurationSeconds": 3600,
    }
    assert second.sts_arguments()["Tags"] == [{"Key": "team", "Value": "bi"}]
    assert second.sts_arguments()["PolicyArns"] == [
        {"arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}
    ]
    assert "ext-42" not in repr(settings)


@pytest.mark.parametrize(
    ("role", "message"),
    [
        ({"sessionName": "x1"}, r"roleArn is required"),
        ({"roleArn": "deployer"}, "not an IAM role ARN"),
        ({"roleArn": ROLE, "duration": "14m59s"}, "between 15 minutes and 12 hours"),
        ({"roleArn": ROLE, "duration": "12h1s"}, "between 15 minutes and 12 hours"),
        ({"roleArn": ROLE, "duration": "an hour"}, "not a duration"),
        ({"roleArn": ROLE, "sessionName": "a"}, "sessionName must be 2..64"),
        ({"roleArn": ROLE, "policy": "{not json"}, "policy is not JSON"),
    ],
)
def test_assume_roles_are_checked_as_the_provider_schema_checks_them(
    role: dict[str, str], message: str
) -> None:
    with pytest.raises(AwsConfigError, match=message):
        read({"aws:region": "us-east-1", "aws:assumeRoles": json.dumps([role])})


def test_the_duration_edges_are_allowed() -> None:
    for duration, seconds in (("15m", 900), ("12h", 43200), ("1h30m", 5400)):
        roles = json.dumps([{"roleArn": ROLE, "duration": duration}])
        settings = read({"aws:region": "us-east-1", "aws:assumeRoles": roles})
        assert settings.assume_roles[0].duration_seconds == seconds


def test_endpoints_must_be_urls() -> None:
    endpoints = json.dumps([{"quicksight": "127.0.0.1:5000"}])
    with pytest.raises(AwsConfigError, match=r"aws:endpoints\[0\].quicksight"):
        read({"aws:region": "us-east-1", "aws:endpoints": endpoints})


def test_account_lists_are_checked_like_the_aws_provider() -> None:
    both = {
        "aws:region": "us-east-1",
        "aws:allowedAccountIds": '["111122223333"]',
        "aws:forbiddenAccountIds": '["444455556666"]',
    }
    with pytest.raises(AwsConfigError, match="cannot both be set"):
        read(both)
    allowed = read({"aws:region": "us-east-1", "aws:allowedAccountIds": '["111122223333"]'})
    allowed.verify_account("111122223333")
    with pytest.raises(AwsConfigError, match="AWS account ID not allowed: 444455556666"):
        allowed.verify_account("444455556666")
    forbidden = read({"aws:region": "us-east-1", "aws:forbiddenAccountIds": '["111122223333"]'})
    forbidden.verify_account("444455556666")
    with pytest.raises(AwsConfigError, match="AWS account ID not allowed: 111122223333"):
        forbidden.verify_account("111122223333")


def test_a_region_typo_gets_the_close_match_when_regions_are_validated() -> None:
    with pytest.raises(AwsConfigError, match=r"did you mean us-east-1\?"):
        read({"aws:region": "us-esat-1", "aws:skipRegionValidation": "false"})
    # pulumi-aws skips region validation by default (resources.go): an emulator's region passes.
    assert read({"aws:region": "local-1"}).region == "local-1"


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("aws:skipCredentialsValidation", "yes", "true or false"),
        ("aws:httpProxy", "http://proxy:3128", "does not support"),
        ("aws:sharedConfigFiles", '["a", "b"]', "reads one file"),
        ("aws:retryMode", "fast", "standard, adaptive"),
        ("aws:maxRetries", "many", "whole number"),
    ],
)
def test_settings_this_provider_would_get_wrong_are_refused(
    key: str, value: str, message: str
) -> None:
    with pytest.raises(AwsConfigError, match=message):
        read({"aws:region": "us-east-1", key: value})


def test_keys_never_show_in_reprs_or_errors() -> None:
    config = {"aws:region": "us-east-1", "aws:accessKey": "AKIAEXAMPLE", "aws:secretKey": SECRET}
    settings = read(config)
    assert SECRET not in repr(settings)
    assert "AKIAEXAMPLE" not in repr(settings)
    assert SECRET not in repr(StackConfig(config))
    with pytest.raises(AwsConfigError) as e:
        read({"aws:region": "us-east-1", "aws:secretKey": SECRET})
    assert SECRET not in str(e.value)


sandbox = pytest.importorskip("sandbox")


def _deployer_role(emulator: Any, name: str, external_id: str) -> str:
    iam = emulator.admin_session().client("iam")
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": emulator.admin_arn},
                "Action": ["sts:AssumeRole", "sts:TagSession"],
                "Condition": {"StringEquals": {"sts:ExternalId": external_id}},
            }
        ],
    }
    role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]
    return str(role["Arn"])


@pytest.mark.emulator
def test_assume_roles_act_as_the_role_with_its_external_id(emulator: Any) -> None:
    arn = _deployer_role(emulator, "stack-deployer", "ext-7788")
    base = stack_config_for(emulator.admin_session(), emulator.endpoint_url).values
    roles = [{"roleArn": arn, "sessionName": "pulumi-up", "externalId": "ext-7788"}]
    clients = ConfiguredClients(read({**base, "aws:assumeRoles": json.dumps(roles)}))
    clients.configure()
    identity = clients("sts").get_caller_identity()
    assert identity["Arn"].endswith(":assumed-role/stack-deployer/pulumi-up")
    assert clients.account == identity["Account"]
    # One step past: the wrong external id is refused by the role's trust.
    wrong = [{**roles[0], "externalId": "ext-0000"}]
    refused = ConfiguredClients(read({**base, "aws:assumeRoles": json.dumps(wrong)}))
    with pytest.raises(AwsConfigError, match="validating provider credentials"):
        refused.configure()
