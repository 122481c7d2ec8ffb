"""The resource ARN each QuickSight request is authorized against
(``sandbox.quicksight.authorization``; its condition keys are tested in ``test_conditions``)."""

from __future__ import annotations

import pytest

from sandbox.quicksight.authorization import resource_arn

from ..conftest import ACCOUNT

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
