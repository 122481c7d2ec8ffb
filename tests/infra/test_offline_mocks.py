"""The program's own mocks: ids and outputs in AWS's ARN formats, for the types it declares."""

from __future__ import annotations

from typing import Any

import pytest
from pulumi.runtime.mocks import MockCallArgs, MockResourceArgs

from infra.offline_mocks import OfflineMocks, UnsupportedResourceError, declared_user_name
from policies.resources import CALLER_IDENTITY, QS_NAMESPACE, QS_USER, ROLE
from tests.tenant_files import example_tenants

GLOBEX_ROLE = "arn:aws:iam::111122223333:role/qs-embed-globex"


def declare(
    type_token: str, inputs: dict[str, Any], *, account: str | None = None, custom: bool = True
) -> tuple[str, dict[str, Any]]:
    mocks = OfflineMocks(example_tenants(), account)
    return mocks.new_resource(MockResourceArgs(type_token, "r", inputs, "", None, custom))


def test_declared_user_names() -> None:
    assert declared_user_name({"identityType": "QUICKSIGHT", "userName": "alice"}) == "alice"
    iam = {"identityType": "IAM", "iamArn": GLOBEX_ROLE, "sessionName": "dana"}
    assert declared_user_name(iam) == "qs-embed-globex/dana"
    with pytest.raises(ValueError, match="is not an IAM role ARN"):
        declared_user_name({**iam, "iamArn": "arn:aws:iam::111122223333:user/dana"})


def test_a_tenants_role_lives_in_its_account() -> None:
    role_id, outputs = declare(ROLE, {"name": "qs-embed-globex"}, account="999999999999")
    assert role_id == "qs-embed-globex"
    assert outputs["arn"] == GLOBEX_ROLE  # the file's account, not the caller's
    _, other = declare(ROLE, {"name": "ci-deployer"}, account="999999999999")
    assert other["arn"] == "arn:aws:iam::999999999999:role/ci-deployer"


def test_a_user_gets_the_arn_quicksight_gives_it() -> None:
    inputs = {
        "identityType": "IAM",
        "iamArn": GLOBEX_ROLE,
        "sessionName": "dana",
        "namespace": "globex",
        "region": "eu-west-1",
        "awsAccountId": "111122223333",
    }
    user_id, outputs = declare(QS_USER, inputs)
    assert user_id == "111122223333/globex/qs-embed-globex/dana"
    assert outputs["arn"] == (
        "arn:aws:quicksight:eu-west-1:111122223333:user/globex/qs-embed-globex/dana"
    )
    assert outputs["id"] == user_id
    assert outputs["sessionName"] == "dana"  # the inputs are kept


def test_the_partition_follows_the_region_and_the_account_the_caller() -> None:
    ns_id, outputs = declare(QS_NAMESPACE, {"namespace": "acme", "region": "us-gov-west-1"})
    assert ns_id == "<account>,acme"
    assert outputs["arn"] == "arn:aws-us-gov:quicksight:us-gov-west-1:<account>:namespace/acme"
    assert outputs["creationStatus"] == "CREATED"


def test_components_pass_their_inputs_through() -> None:
    assert declare("pkg:index:TenantStack", {"x": 1}, custom=False) == ("r-id", {"x": 1})


def test_unsupported_types_and_calls_are_refused_naming_what_is_supported() -> None:
    with pytest.raises(UnsupportedResourceError) as refused:
        declare("aws:s3/bucket:Bucket", {})
    assert str(refused.value).startswith("r: resource type aws:s3/bucket:Bucket is not supported")
    assert ROLE in str(refused.value)
    mocks = OfflineMocks([], "111122223333")
    outputs, _ = mocks.call(MockCallArgs(CALLER_IDENTITY, {}, ""))
    assert outputs["accountId"] == "111122223333"
    with pytest.raises(UnsupportedResourceError, match="invoke: resource type aws:x"):
        mocks.call(MockCallArgs("aws:x", {}, ""))
