"""The program applied to the local emulator: real resources, and the policies really work.

Each test module gets its own emulator (a child process, ~2 s to start).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pulumi_aws as aws
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from embedder.config import TenantConfig
from embedder.loader import load_tenant
from infra.local_apply import LocalApplyError, LocalApplyMocks, apply_locally
from infra.offline import OfflineRun, run_offline
from infra.plan_mocks import UnsupportedResourceError
from infra.tenant_stack import TenantStack

pytestmark = pytest.mark.emulator

sandbox = pytest.importorskip("sandbox")
ACCOUNT = "111122223333"
ROOT = Path(__file__).resolve().parents[2]
NO_RETRIES = Config(retries={"total_max_attempts": 1})


@pytest.fixture(scope="module")
def emulator() -> Iterator[Any]:
    with sandbox.Emulator() as emu:
        yield emu


@pytest.fixture(scope="module")
def applied(
    emulator: Any, example_tenants: list[TenantConfig]
) -> OfflineRun[dict[str, TenantStack]]:
    return apply_locally(example_tenants, emulator.admin_session())


def _qs(emulator: Any) -> Any:
    return emulator.admin_session().client("quicksight", config=NO_RETRIES)


def test_resources_exist_with_the_real_arns(
    emulator: Any, applied: OfflineRun[dict[str, TenantStack]]
) -> None:
    iam = emulator.admin_session().client("iam")
    role = iam.get_role(RoleName="qs-embed-acme")["Role"]
    assert applied.outputs["acme"]["embedRoleArn"] == role["Arn"]
    assert role["MaxSessionDuration"] == 3600
    policy = iam.get_role_policy(RoleName="qs-embed-acme", PolicyName="quicksight-embedding")
    document = policy["PolicyDocument"]
    document = json.loads(document) if isinstance(document, str) else document
    assert document["Statement"][0]["Action"] == "quicksight:GetSessionEmbedUrl"
    qs = _qs(emulator)
    alice = qs.describe_user(AwsAccountId=ACCOUNT, Namespace="acme", UserName="alice")["User"]
    assert applied.outputs["acme"]["userArns"]["alice"] == alice["Arn"]
    assert alice["CustomPermissionsName"] == "acme-analyst"
    dana = qs.describe_user(
        AwsAccountId=ACCOUNT, Namespace="globex", UserName="qs-embed-globex/dana"
    )["User"]
    assert dana["IdentityType"] == "IAM"
    assert dana["CustomPermissionsName"] == "globex-restricted"
    profile = qs.describe_custom_permissions(
        AwsAccountId=ACCOUNT, CustomPermissionsName="acme-viewer-author"
    )["CustomPermissions"]
    assert set(profile["Capabilities"]) == {
        "CreateAndUpdateDatasets",
        "CreateAndUpdateDataSources",
        "ShareDatasets",
        "ShareDataSources",
    }


def _embed_session(emulator: Any, app: str, role: str, session: str, **extra: Any) -> Any:
    sts = emulator.principal_session(app).client("sts", config=NO_RETRIES)
    creds = sts.assume_role(RoleArn=role, RoleSessionName=session, **extra)["Credentials"]
    return emulator.session(
        creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"]
    ).client("quicksight", config=NO_RETRIES)


def test_the_rendered_policies_let_the_app_embed_its_own_users_only(
    emulator: Any, applied: OfflineRun[dict[str, TenantStack]]
) -> None:
    acme = applied.outputs["acme"]
    qs = _embed_session(
        emulator, f"arn:aws:iam::{ACCOUNT}:role/acme-portal", acme["embedRoleArn"], "portal"
    )
    url = qs.get_session_embed_url(AwsAccountId=ACCOUNT, UserArn=acme["userArns"]["alice"])
    assert url["Status"] == 200
    dana = applied.outputs["globex"]["userArns"]["dana"]
    with pytest.raises(ClientError) as denied:
        qs.get_session_embed_url(AwsAccountId=ACCOUNT, UserArn=dana)
    assert denied.value.response["Error"]["Code"] == "AccessDeniedException"


def test_a_default_namespace_tenant_cannot_mint_for_other_users_of_the_namespace(
    emulator: Any, applied: OfflineRun[dict[str, TenantStack]]
) -> None:
    """The reviewer's finding: with `user/default/*` the tenant's app could open the console of
    any user of the default namespace, the account's administrators included."""
    umbrella = load_tenant(ROOT / "tests" / "policies" / "fixtures" / "umbrella.yaml")
    outputs = apply_locally([umbrella], emulator.admin_session()).outputs["umbrella"]
    admin = _qs(emulator).register_user(
        AwsAccountId=ACCOUNT,
        Namespace="default",
        IdentityType="QUICKSIGHT",
        UserName="account-admin",
        Email="admin@example.com",
        UserRole="ADMIN",
    )["User"]["Arn"]
    portal = f"arn:aws:iam::{ACCOUNT}:role/umbrella-portal"
    qs = _embed_session(emulator, portal, outputs["embedRoleArn"], "portal")
    console = {"QuickSightConsole": {"InitialPath": "/start"}}
    for user in outputs["userArns"].values():
        assert qs.get_session_embed_url(AwsAccountId=ACCOUNT, UserArn=user)["Status"] == 200
        minted = qs.generate_embed_url_for_registered_user(
            AwsAccountId=ACCOUNT, UserArn=user, ExperienceConfiguration=console
        )
        assert minted["Status"] == 200
    with pytest.raises(ClientError) as denied:
        qs.get_session_embed_url(AwsAccountId=ACCOUNT, UserArn=admin)
    assert denied.value.response["Error"]["Code"] == "AccessDeniedException"
    with pytest.raises(ClientError) as denied:
        qs.generate_embed_url_for_registered_user(
            AwsAccountId=ACCOUNT, UserArn=admin, ExperienceConfiguration=console
        )
    assert denied.value.response["Error"]["Code"] == "AccessDeniedException"


def test_iam_identity_sessions_need_the_external_id_and_a_tenant_user_name(
    emulator: Any, applied: OfflineRun[dict[str, TenantStack]]
) -> None:
    role = applied.outputs["globex"]["embedRoleArn"]
    web = f"arn:aws:iam::{ACCOUNT}:role/globex-web"
    qs = _embed_session(emulator, web, role, "dana", ExternalId="globex-embed-7f3c9a")
    assert qs.get_session_embed_url(AwsAccountId=ACCOUNT)["Status"] == 200
    for session, extra in (("dana", {}), ("mallory", {"ExternalId": "globex-embed-7f3c9a"})):
        with pytest.raises(ClientError) as denied:
            _embed_session(emulator, web, role, session, **extra)
        assert denied.value.response["Error"]["Code"] == "AccessDenied"


def test_applying_again_converges(
    emulator: Any,
    applied: OfflineRun[dict[str, TenantStack]],
    example_tenants: list[TenantConfig],
) -> None:
    again = apply_locally(example_tenants, emulator.admin_session())
    assert again.outputs == applied.outputs


def test_a_refusal_names_the_resource(emulator: Any, example_tenants: list[TenantConfig]) -> None:
    elsewhere = example_tenants[0].model_copy(update={"account_id": "444455556666"})
    with pytest.raises(
        LocalApplyError, match=r"acme\.(namespace|profile\.[\w-]+) \(aws:quicksight"
    ):
        apply_locally([elsewhere], emulator.admin_session())


def test_unsupported_resource_types_are_named(emulator: Any) -> None:
    mocks = LocalApplyMocks(emulator.admin_session())
    with pytest.raises(UnsupportedResourceError, match="aws:sns/topic:Topic"):
        run_offline(lambda: aws.sns.Topic("stray"), mocks)
