"""Namespaces, users (IAM role sessions included) and CustomPermissions round-trip."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest

from sandbox import Emulator, EmulatorSession

from ..conftest import ACCOUNT, NO_RETRIES, SERVER_VALIDATES, Tenant, assume, user_arn

NS = "default"


def test_default_namespace_exists_and_cannot_be_deleted(qs_admin: Any) -> None:
    described = qs_admin.describe_namespace(AwsAccountId=ACCOUNT, Namespace=NS)["Namespace"]

    with pytest.raises(qs_admin.exceptions.InvalidParameterValueException):
        qs_admin.delete_namespace(AwsAccountId=ACCOUNT, Namespace=NS)
    assert described["Arn"] == f"arn:aws:quicksight:us-east-1:{ACCOUNT}:namespace/default"


def test_namespace_round_trip(qs_admin: Any) -> None:
    # A name no other test of the session's emulator uses (quicksight/test_embedding.py, which
    # runs first, keeps initech): this one creates the namespace and deletes it.
    created = qs_admin.create_namespace(
        AwsAccountId=ACCOUNT, Namespace="vandelay", IdentityStore="QUICKSIGHT"
    )
    qs_admin.register_user(
        AwsAccountId=ACCOUNT,
        Namespace="vandelay",
        IdentityType="QUICKSIGHT",
        UserName="peter",
        Email="peter@vandelay.example",
        UserRole="AUTHOR",
    )
    described = qs_admin.describe_namespace(AwsAccountId=ACCOUNT, Namespace="vandelay")
    listed = qs_admin.list_namespaces(AwsAccountId=ACCOUNT)["Namespaces"]

    qs_admin.delete_namespace(AwsAccountId=ACCOUNT, Namespace="vandelay")

    assert created["Arn"] == f"arn:aws:quicksight:us-east-1:{ACCOUNT}:namespace/vandelay"
    assert (created["CreationStatus"], created["CapacityRegion"]) == ("CREATED", "us-east-1")
    assert described["Namespace"]["Name"] == "vandelay"
    assert "vandelay" in {namespace["Name"] for namespace in listed}
    with pytest.raises(qs_admin.exceptions.ResourceNotFoundException):
        qs_admin.describe_namespace(AwsAccountId=ACCOUNT, Namespace="vandelay")
    with pytest.raises(qs_admin.exceptions.ResourceNotFoundException):
        qs_admin.list_users(AwsAccountId=ACCOUNT, Namespace="vandelay")


def test_register_user_in_a_missing_namespace_is_not_found(qs_admin: Any) -> None:
    with pytest.raises(qs_admin.exceptions.ResourceNotFoundException):
        qs_admin.register_user(
            AwsAccountId=ACCOUNT,
            Namespace="nowhere",
            IdentityType="QUICKSIGHT",
            UserName="ghost",
            Email="ghost@example.com",
            UserRole="AUTHOR",
        )


def test_user_arn_carries_its_namespace(qs_admin: Any, tenants: dict[str, Tenant]) -> None:
    user = qs_admin.describe_user(
        AwsAccountId=ACCOUNT, Namespace="globex", UserName="globex-author"
    )

    assert user["User"]["Arn"] == user_arn("globex", "globex-author")


def test_describe_or_delete_of_a_missing_user_is_not_found(
    qs_admin: Any, tenants: dict[str, Tenant]
) -> None:
    with pytest.raises(qs_admin.exceptions.ResourceNotFoundException):
        qs_admin.describe_user(AwsAccountId=ACCOUNT, Namespace="acme", UserName="nobody")
    with pytest.raises(qs_admin.exceptions.ResourceNotFoundException):
        qs_admin.delete_user(AwsAccountId=ACCOUNT, Namespace="acme", UserName="nobody")


def test_list_users_pages(qs_admin: Any) -> None:
    qs_admin.create_namespace(AwsAccountId=ACCOUNT, Namespace="paged", IdentityStore="QUICKSIGHT")
    for index in range(3):
        qs_admin.register_user(
            AwsAccountId=ACCOUNT,
            Namespace="paged",
            IdentityType="QUICKSIGHT",
            UserName=f"user{index}",
            Email=f"user{index}@example.com",
            UserRole="READER",
        )

    pages = qs_admin.get_paginator("list_users").paginate(
        AwsAccountId=ACCOUNT, Namespace="paged", PaginationConfig={"PageSize": 2}
    )
    sizes = [len(page["UserList"]) for page in pages]

    assert sizes == [2, 1]


def test_custom_permissions_round_trip(qs_admin: Any, tenants: dict[str, Tenant]) -> None:
    deny = {"ExportToCsv": "DENY", "ShareDashboards": "DENY"}
    created = qs_admin.create_custom_permissions(
        AwsAccountId=ACCOUNT, CustomPermissionsName="acme-analyst", Capabilities=deny
    )
    qs_admin.update_custom_permissions(
        AwsAccountId=ACCOUNT,
        CustomPermissionsName="acme-analyst",
        Capabilities={**deny, "ExportToExcel": "DENY"},
    )
    described = qs_admin.describe_custom_permissions(
        AwsAccountId=ACCOUNT, CustomPermissionsName="acme-analyst"
    )["CustomPermissions"]
    listed = qs_admin.list_custom_permissions(AwsAccountId=ACCOUNT)["CustomPermissionsList"]

    arn = f"arn:aws:quicksight:us-east-1:{ACCOUNT}:custompermissions/acme-analyst"
    assert created["Arn"] == arn
    assert described["Capabilities"] == {**deny, "ExportToExcel": "DENY"}
    assert arn in {profile["Arn"] for profile in listed}

    deleted = qs_admin.delete_custom_permissions(
        AwsAccountId=ACCOUNT, CustomPermissionsName="acme-analyst"
    )
    assert deleted["Arn"] == arn
    with pytest.raises(qs_admin.exceptions.ResourceNotFoundException):
        qs_admin.describe_custom_permissions(
            AwsAccountId=ACCOUNT, CustomPermissionsName="acme-analyst"
        )


def test_custom_permissions_can_only_deny(admin: EmulatorSession) -> None:
    qs = admin.client("quicksight", config=SERVER_VALIDATES)

    with pytest.raises(qs.exceptions.InvalidParameterValueException, match="only be DENY"):
        qs.create_custom_permissions(
            AwsAccountId=ACCOUNT, CustomPermissionsName="bad", Capabilities={"ExportToCsv": "ALLOW"}
        )


def test_custom_permissions_refuse_unknown_capabilities(
    emulator: Emulator, admin: EmulatorSession
) -> None:
    """boto3 cannot even send an unknown capability, so this request is signed by hand."""
    body = json.dumps({"CustomPermissionsName": "bad", "Capabilities": {"ExportToMars": "DENY"}})
    url = f"{emulator.endpoint_url}/accounts/{ACCOUNT}/custom-permissions"
    request = AWSRequest(
        method="POST",
        url=url,
        data=body.encode(),
        headers={"Content-Type": "application/json"},
    )
    credentials = admin.get_credentials()
    assert credentials is not None
    SigV4Auth(credentials.get_frozen_credentials(), "quicksight", "us-east-1").add_auth(request)

    sent = urllib.request.Request(  # noqa: S310 (local emulator)
        url, data=body.encode(), headers=dict(request.headers), method="POST"
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(sent, timeout=10)  # noqa: S310

    assert refused.value.code == 400
    assert refused.value.headers["x-amzn-ErrorType"] == "InvalidParameterValueException"
    assert "ExportToMars" in json.loads(refused.value.read())["Message"]


def test_user_custom_permissions_round_trip(qs_admin: Any, tenants: dict[str, Tenant]) -> None:
    for name in ("acme-viewer", "acme-locked"):
        qs_admin.create_custom_permissions(
            AwsAccountId=ACCOUNT, CustomPermissionsName=name, Capabilities={"PrintReports": "DENY"}
        )
    qs_admin.register_user(
        AwsAccountId=ACCOUNT,
        Namespace="acme",
        IdentityType="QUICKSIGHT",
        UserName="carol",
        Email="carol@acme.example",
        UserRole="AUTHOR",
        CustomPermissionsName="acme-viewer",
    )

    def profile() -> str | None:
        user = qs_admin.describe_user(AwsAccountId=ACCOUNT, Namespace="acme", UserName="carol")
        name: str | None = user["User"].get("CustomPermissionsName")
        return name

    seen = [profile()]
    qs_admin.update_user_custom_permission(
        AwsAccountId=ACCOUNT,
        Namespace="acme",
        UserName="carol",
        CustomPermissionsName="acme-locked",
    )
    seen.append(profile())
    qs_admin.delete_user_custom_permission(AwsAccountId=ACCOUNT, Namespace="acme", UserName="carol")
    seen.append(profile())
    qs_admin.update_user(
        AwsAccountId=ACCOUNT,
        Namespace="acme",
        UserName="carol",
        Email="carol@acme.example",
        Role="ADMIN",
        CustomPermissionsName="acme-viewer",
    )
    seen.append(profile())
    updated = qs_admin.update_user(
        AwsAccountId=ACCOUNT,
        Namespace="acme",
        UserName="carol",
        Email="carol@acme.example",
        Role="ADMIN",
        UnapplyCustomPermissions=True,
    )
    seen.append(profile())

    assert seen == ["acme-viewer", "acme-locked", None, "acme-viewer", None]
    assert updated["User"]["Role"] == "ADMIN"
    with pytest.raises(qs_admin.exceptions.ResourceNotFoundException):
        qs_admin.update_user_custom_permission(
            AwsAccountId=ACCOUNT, Namespace="acme", UserName="carol", CustomPermissionsName="nope"
        )


def test_iam_role_session_users_are_named_role_slash_session(
    qs_admin: Any, tenants: dict[str, Tenant]
) -> None:
    role = tenants["globex"].role_arn
    users = [
        qs_admin.register_user(
            AwsAccountId=ACCOUNT,
            Namespace="globex",
            IdentityType="IAM",
            IamArn=role,
            SessionName=session,
            Email=f"{session}@globex.example",
            UserRole="AUTHOR",
        )["User"]
        for session in ("dana", "eli")
    ]

    described = qs_admin.describe_user(
        AwsAccountId=ACCOUNT, Namespace="globex", UserName="qs-embed-globex/dana"
    )["User"]
    listed = qs_admin.list_users(AwsAccountId=ACCOUNT, Namespace="globex")["UserList"]

    assert [user["UserName"] for user in users] == ["qs-embed-globex/dana", "qs-embed-globex/eli"]
    assert users[0]["Arn"] == user_arn("globex", "qs-embed-globex/dana")
    assert described["IdentityType"] == "IAM"
    assert {"qs-embed-globex/dana", "qs-embed-globex/eli"} <= {u["UserName"] for u in listed}
    with pytest.raises(qs_admin.exceptions.ResourceExistsException):
        qs_admin.register_user(
            AwsAccountId=ACCOUNT,
            Namespace="globex",
            IdentityType="IAM",
            IamArn=role,
            SessionName="dana",
            Email="dana@globex.example",
            UserRole="AUTHOR",
        )


def test_role_session_mints_for_itself_without_user_arn(
    emulator: Emulator, qs_admin: Any, tenants: dict[str, Tenant]
) -> None:
    """IAM identity: UserArn is omitted and the caller's role session is the user."""
    globex = tenants["globex"]
    qs_admin.register_user(
        AwsAccountId=ACCOUNT,
        Namespace="globex",
        IdentityType="IAM",
        IamArn=globex.role_arn,
        SessionName="fay",
        Email="fay@globex.example",
        UserRole="AUTHOR",
    )
    portal = emulator.principal_session(globex.portal_arn)
    as_fay = assume(emulator, portal, globex.role_arn, session_name="fay")
    qs = as_fay.client("quicksight", config=NO_RETRIES)

    url = qs.get_session_embed_url(AwsAccountId=ACCOUNT, EntryPoint="/start/dashboards")
    with pytest.raises(qs.exceptions.InvalidParameterValueException):
        qs.get_session_embed_url(
            AwsAccountId=ACCOUNT, UserArn=user_arn("globex", "qs-embed-globex/fay")
        )
    as_gus = assume(emulator, portal, globex.role_arn, session_name="gus")
    gus_qs = as_gus.client("quicksight", config=NO_RETRIES)
    with pytest.raises(gus_qs.exceptions.QuickSightUserNotFoundException):
        gus_qs.get_session_embed_url(AwsAccountId=ACCOUNT)

    assert url["Status"] == 200


def test_register_iam_user_needs_an_existing_identity(
    qs_admin: Any, tenants: dict[str, Tenant]
) -> None:
    with pytest.raises(qs_admin.exceptions.InvalidParameterValueException):
        qs_admin.register_user(
            AwsAccountId=ACCOUNT,
            Namespace="acme",
            IdentityType="IAM",
            IamArn=f"arn:aws:iam::{ACCOUNT}:role/qs-embed-missing",
            SessionName="hal",
            Email="hal@acme.example",
            UserRole="AUTHOR",
        )
    with pytest.raises(qs_admin.exceptions.InvalidParameterValueException):
        qs_admin.register_user(
            AwsAccountId=ACCOUNT,
            Namespace="acme",
            IdentityType="IAM",
            IamArn=tenants["acme"].role_arn,
            Email="nosession@acme.example",
            UserRole="AUTHOR",
        )


def test_tags_of_registered_resources_can_be_read_back(qs_admin: Any) -> None:
    created = qs_admin.create_namespace(
        AwsAccountId=ACCOUNT,
        Namespace="tagged",
        IdentityStore="QUICKSIGHT",
        Tags=[{"Key": "tenant", "Value": "tagged"}],
    )

    tags = qs_admin.list_tags_for_resource(ResourceArn=created["Arn"])["Tags"]

    assert tags == [{"Key": "tenant", "Value": "tagged"}]
