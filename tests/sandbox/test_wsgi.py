"""The emulator's WSGI application (``sandbox.wsgi``): moto's admin API is not routed, and an
unsigned QuickSight request is refused as QuickSight refuses it."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

from sandbox import Emulator

from .conftest import ACCOUNT, post_fault


def test_moto_admin_api_is_not_reachable(emu: Emulator, acme_qs: Any) -> None:
    """moto's /moto-api/reset-auth could otherwise switch IAM enforcement off."""
    assert post_fault(f"{emu.endpoint_url}/moto-api/reset-auth") == 404
    assert post_fault(f"{emu.endpoint_url}/moto-api/reset") == 404
    with pytest.raises(acme_qs.exceptions.AccessDeniedException):
        acme_qs.list_namespaces(AwsAccountId=ACCOUNT)


def test_an_unsigned_quicksight_request_is_a_403_missing_authentication_token(
    emu: Emulator,
) -> None:
    """Before, moto routed it by its host (localhost: S3) and answered an HTML 500."""
    url = f"{emu.endpoint_url}/accounts/{ACCOUNT}/namespaces"
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(url, timeout=10)  # noqa: S310 (the emulator's http URL)
    answer = caught.value
    assert answer.code == 403
    assert answer.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
    assert json.loads(answer.read())["Message"] == "Missing Authentication Token"
    unsigned = boto3.client(
        "quicksight",
        region_name="us-east-1",
        endpoint_url=emu.endpoint_url,
        config=Config(signature_version=UNSIGNED),
    )
    with pytest.raises(ClientError) as refused:
        unsigned.describe_user(AwsAccountId=ACCOUNT, Namespace="default", UserName="x")
    assert refused.value.response["Error"]["Code"] == "MissingAuthenticationTokenException"
    with pytest.raises(ClientError) as tagged:  # a path under /resources/, not /accounts/
        unsigned.list_tags_for_resource(ResourceArn=f"arn:aws:quicksight:us-east-1:{ACCOUNT}:x")
    assert tagged.value.response["Error"]["Code"] == "MissingAuthenticationTokenException"
