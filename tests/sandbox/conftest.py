"""One emulator for the whole session, and the tenants the tests embed for.

Tenants: ``acme`` (namespace acme) and ``globex`` (namespace globex), each with an embed role
``qs-embed-<tenant>`` whose permissions are the policy builders' own
(``policies.embed_role.embed_role_permissions_policy``, called here, so the two cannot drift),
trusted by its app principal ``role/<tenant>-portal``.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from botocore.config import Config

from policies.embed_role import embed_role_permissions_policy
from sandbox import Emulator, EmulatorSession
from sandbox.embed_urls import EmbedGrant
from tenant_file.config import TenantConfig
from tests.emulators import emulator_fixture

ACCOUNT = "111122223333"
REGION = "us-east-1"
NO_RETRIES = Config(retries={"total_max_attempts": 1})
# botocore checks some limits itself; this lets the emulator's own validation answer.
SERVER_VALIDATES = Config(retries={"total_max_attempts": 1}, parameter_validation=False)


def user_arn(namespace: str, name: str) -> str:
    return f"arn:aws:quicksight:{REGION}:{ACCOUNT}:user/{namespace}/{name}"


def tenant_config(name: str) -> TenantConfig:
    """Tenant ``name`` as its tenant file would declare it: namespace ``name``, QUICKSIGHT
    identity, app principal ``role/<name>-portal``, one author ``<name>-author``."""
    return TenantConfig.model_validate(
        {
            "tenant": name,
            "account_id": ACCOUNT,
            "region": REGION,
            "embedding": {
                "identity": "quicksight",
                "app_principals": [f"arn:aws:iam::{ACCOUNT}:role/{name}-portal"],
            },
            "users": [
                {"name": f"{name}-author", "email": f"author@{name}.example", "role": "AUTHOR"}
            ],
        }
    )


def embed_policy(tenant: str) -> dict[str, Any]:
    """The embed role's permissions as the builders make them: GetSessionEmbedUrl on * (it has
    no resource type); GetAuthCode and GenerateEmbedUrlForRegisteredUser on the tenant's users
    only."""
    return dict(
        embed_role_permissions_policy(tenant_config(tenant), partition="aws", account_id=ACCOUNT)
    )


def trust_policy(principal_arn: str, external_id: str | None = None) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"AWS": principal_arn},
        "Action": "sts:AssumeRole",
    }
    if external_id:
        statement["Condition"] = {"StringEquals": {"sts:ExternalId": external_id}}
    return {"Version": "2012-10-17", "Statement": [statement]}


def seed_dashboard(qs_admin: Any, dashboard_id: str, principals: list[str]) -> None:
    """A dashboard (moto's CreateDashboard) shared with `principals` (user or namespace ARNs)."""
    qs_admin.create_dashboard(
        AwsAccountId=ACCOUNT,
        DashboardId=dashboard_id,
        Name=dashboard_id,
        SourceEntity={
            "SourceTemplate": {
                "DataSetReferences": [
                    {
                        "DataSetPlaceholder": "d",
                        "DataSetArn": f"arn:aws:quicksight:{REGION}:{ACCOUNT}:dataset/d",
                    }
                ],
                "Arn": f"arn:aws:quicksight:{REGION}:{ACCOUNT}:template/t",
            }
        },
        Permissions=[
            {"Principal": p, "Actions": ["quicksight:DescribeDashboard"]} for p in principals
        ],
    )


@dataclass(frozen=True)
class Tenant:
    name: str
    portal_arn: str
    role_arn: str


emulator = emulator_fixture(scope="session")


@pytest.fixture(scope="session")
def admin(emulator: Emulator) -> EmulatorSession:
    return emulator.admin_session()


@pytest.fixture(scope="session")
def qs_admin(admin: EmulatorSession) -> Any:
    return admin.client("quicksight", config=NO_RETRIES)


def make_embed_role(
    admin: EmulatorSession,
    name: str,
    principal_arn: str,
    policy: dict[str, Any] | None,
    external_id: str | None = None,
) -> str:
    iam = admin.client("iam")
    role = iam.create_role(
        RoleName=name,
        AssumeRolePolicyDocument=json.dumps(trust_policy(principal_arn, external_id)),
    )["Role"]
    if policy is not None:
        iam.put_role_policy(RoleName=name, PolicyName="embed", PolicyDocument=json.dumps(policy))
    arn: str = role["Arn"]
    return arn


@pytest.fixture(scope="session")
def tenants(emulator: Emulator, admin: EmulatorSession, qs_admin: Any) -> dict[str, Tenant]:
    made = {}
    for name in ("acme", "globex"):
        qs_admin.create_namespace(AwsAccountId=ACCOUNT, Namespace=name, IdentityStore="QUICKSIGHT")
        config = tenant_config(name)
        portal = config.embedding.app_principals[0]
        emulator.principal_session(portal)  # creates the app principal
        role = make_embed_role(admin, config.role_name, portal, embed_policy(name))
        for user, role_name in ((f"{name}-author", "AUTHOR"), (f"{name}-reader", "READER")):
            qs_admin.register_user(
                AwsAccountId=ACCOUNT,
                Namespace=name,
                IdentityType="QUICKSIGHT",
                UserName=user,
                Email=f"{user}@{name}.example",
                UserRole=role_name,
            )
        made[name] = Tenant(name, portal, role)
    return made


def assume(
    emulator: Emulator,
    principal: EmulatorSession,
    role_arn: str,
    session_name: str = "app",
    external_id: str | None = None,
) -> EmulatorSession:
    extra = {"ExternalId": external_id} if external_id else {}
    credentials = principal.client("sts").assume_role(
        RoleArn=role_arn, RoleSessionName=session_name, **extra
    )["Credentials"]
    return emulator.session(
        credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials["SessionToken"]
    )


def quicksight_as_new_role(
    emulator: Emulator,
    admin: EmulatorSession,
    name: str,
    principal_arn: str,
    policy: dict[str, Any] | None,
) -> Any:
    """A QuickSight client (no retries) of a new role ``name`` with ``policy``, as assumed by
    ``principal_arn``."""
    role = make_embed_role(admin, name, principal_arn, policy)
    session = assume(emulator, emulator.principal_session(principal_arn), role)
    return session.client("quicksight", config=NO_RETRIES)


@pytest.fixture(scope="session")
def acme_embed(emulator: Emulator, tenants: dict[str, Tenant]) -> EmulatorSession:
    """The acme embed role, assumed by acme's portal the way the embedder does."""
    acme = tenants["acme"]
    return assume(emulator, emulator.principal_session(acme.portal_arn), acme.role_arn)


AUTHOR = user_arn("acme", "acme-author")


@pytest.fixture
def acme_qs(acme_embed: EmulatorSession) -> Any:
    """acme's QuickSight client, as its embed role, without retries."""
    return acme_embed.client("quicksight", config=NO_RETRIES)


def mint(qs: Any, **kwargs: Any) -> str:
    """An embed URL for acme's author, from GetSessionEmbedUrl."""
    url: str = qs.get_session_embed_url(AwsAccountId=ACCOUNT, UserArn=AUTHOR, **kwargs)["EmbedUrl"]
    return url


@pytest.fixture
def emu(emulator: Emulator) -> Iterator[Emulator]:
    """The session emulator, its faults cleared after the test."""
    yield emulator
    emulator.faults.clear()


def post_fault(url: str, method: str = "POST", headers: dict[str, str] | None = None) -> int:
    """POST (or `method`) a throttle fault's body to `url`; the HTTP status."""
    request = urllib.request.Request(  # noqa: S310 (local emulator)
        url,
        data=json.dumps({"operation": "GetSessionEmbedUrl", "kind": "throttle"}).encode(),
        method=method,
        headers=headers or {},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return int(response.status)
    except urllib.error.HTTPError as e:
        return e.code


GRANT = EmbedGrant(
    user_arn=user_arn("acme", "alice"),
    user_name="alice",
    namespace="acme",
    entry_point="/dashboards/d-1",
    lifetime_minutes=60,
)
"""An embed grant for alice of acme, on dashboard d-1: the embed URL store's and pages' tests."""
