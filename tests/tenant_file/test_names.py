"""`tenant_file.names`: the AWS names and ARNs derived from a tenant file, fixed so that apps
find them without stack outputs."""

from __future__ import annotations

import pytest

from tenant_file.names import (
    ROLE_NAME_PREFIX,
    embed_role_arn,
    embed_role_name,
    partition_for_region,
    profile_physical_name,
    quicksight_user_arn,
    role_session_user_name,
)
from tests.fakes import tenant


@pytest.mark.parametrize(
    ("region", "partition"),
    [
        ("us-east-1", "aws"),
        ("eu-west-1", "aws"),
        ("us-gov-west-1", "aws-us-gov"),
        ("cn-north-1", "aws-cn"),
    ],
)
def test_partitions_come_from_botocores_endpoint_data(region: str, partition: str) -> None:
    assert partition_for_region(region) == partition


def test_the_derived_names_are_the_tenant_configs() -> None:
    acme = tenant("quicksight")
    assert embed_role_name("acme") == acme.role_name == "qs-embed-acme"
    assert acme.role_name.startswith(ROLE_NAME_PREFIX)
    assert profile_physical_name("acme", "analyst") == acme.profile_name("analyst")
    assert acme.profile_name("analyst") == "acme-analyst"


def test_arns_name_partition_account_and_region() -> None:
    assert embed_role_arn("aws-us-gov", "111122223333", "qs-embed-acme") == (
        "arn:aws-us-gov:iam::111122223333:role/qs-embed-acme"
    )
    assert quicksight_user_arn("aws", "eu-west-1", "111122223333", "acme", "alice") == (
        "arn:aws:quicksight:eu-west-1:111122223333:user/acme/alice"
    )


def test_an_iam_identity_user_is_the_role_session() -> None:
    globex = tenant("iam")
    name = role_session_user_name(globex.role_name, "dana")
    assert name == "qs-embed-globex/dana"
    assert globex.quicksight_user_name("dana") == name
    # One step past: a quicksight-identity tenant's user is named as in the file.
    assert tenant("quicksight").quicksight_user_name("alice") == "alice"
