"""The strict local engine on an emulator: real resources, real policies, Pulumi's lifecycle.

Each test module gets its own emulator (a child process, ~2 s to start).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pulumi_aws as aws
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from infra.offline import OfflineRun, run_offline
from infra.offline_mocks import UnsupportedResourceError
from infra.tenant_stack import TenantStack
from local_engine.engine import ApplyFailed, LocalEngine
from local_engine.engine_resources import Clients
from local_engine.local_apply import apply_locally
from local_engine.state import LocalState
from tenant_file.config import TenantConfig
from tenant_file.errors import ConfigError
from tenant_file.loader import load_tenant
from tests import ROOT

pytestmark = pytest.mark.emulator

sandbox = pytest.importorskip("sandbox")
ACCOUNT = "111122223333"
NO_RETRIES = Config(retries={"total_max_attempts": 1})
Run = OfflineRun[dict[str, TenantStack]]


@pytest.fixture(scope="module")
def state(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("engine") / "state.json"


@pytest.fixture(scope="module")
def applied(emulator: Any, example_tenants: list[TenantConfig], state: Path) -> Run:
    return apply_locally(example_tenants, emulator.admin_session(), state=LocalState.load(state))


def _engine(emulator: Any, state: Path | None = None) -> tuple[LocalEngine, list[str]]:
    lines: list[str] = []
    clients = Clients(emulator.admin_session(), config=NO_RETRIES)
    engine = LocalEngine(clients, LocalState.load(state), out=lines.append)
    return engine, lines


def _qs(emulator: Any) -> Any:
    return emulator.admin_session().client("quicksight", config=NO_RETRIES)


def test_resources_exist_with_the_real_arns(emulator: Any, applied: Run) -> None:
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


def test_the_state_records_every_resource_and_no_secret(applied: Run, state: Path) -> None:
    text = state.read_text()
    saved = LocalState.load(state)
    assert len(saved.resources) == 15
    assert saved.account == ACCOUNT
    # globex's trust policy carries its ExternalId: only its digest is in the state.
    assert "globex-embed-7f3c9a" not in text
    role = next(r for r in saved.resources.values() if r.name == "globex.role")
    assert set(role.inputs["assumeRolePolicy"]) == {"secretHmacSha256"}


def _embed_session(emulator: Any, app: str, role: str, session: str, **extra: Any) -> Any:
    sts = emulator.principal_session(app).client("sts", config=NO_RETRIES)
    creds = sts.assume_role(RoleArn=role, RoleSessionName=session, **extra)["Credentials"]
    return emulator.session(
        creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"]
    ).client("quicksight", config=NO_RETRIES)


def test_the_rendered_policies_let_the_app_embed_its_own_users_only(
    emulator: Any, applied: Run
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
    emulator: Any, applied: Run
) -> None:
    """With `user/default/*` the tenant's app could open any default-namespace console."""
    admin = _qs(emulator).register_user(
        AwsAccountId=ACCOUNT,
        Namespace="default",
        IdentityType="QUICKSIGHT",
        UserName="account-admin",
        Email="admin@example.com",
        UserRole="ADMIN",
    )["User"]["Arn"]
    umbrella = load_tenant(ROOT / "tests" / "policies" / "fixtures" / "umbrella.yaml")
    outputs = apply_locally([umbrella], emulator.admin_session()).outputs["umbrella"]
    qs = _embed_session(
        emulator, f"arn:aws:iam::{ACCOUNT}:role/umbrella-portal", outputs["embedRoleArn"], "portal"
    )
    for user in outputs["userArns"].values():
        assert qs.get_session_embed_url(AwsAccountId=ACCOUNT, UserArn=user)["Status"] == 200
    with pytest.raises(ClientError) as denied:
        qs.get_session_embed_url(AwsAccountId=ACCOUNT, UserArn=admin)
    assert denied.value.response["Error"]["Code"] == "AccessDeniedException"


def test_iam_identity_sessions_need_the_external_id_and_a_tenant_user_name(
    emulator: Any, applied: Run
) -> None:
    role = applied.outputs["globex"]["embedRoleArn"]
    web = f"arn:aws:iam::{ACCOUNT}:role/globex-web"
    qs = _embed_session(emulator, web, role, "dana", ExternalId="globex-embed-7f3c9a")
    assert qs.get_session_embed_url(AwsAccountId=ACCOUNT)["Status"] == 200
    for session, extra in (("dana", {}), ("mallory", {"ExternalId": "globex-embed-7f3c9a"})):
        with pytest.raises(ClientError) as denied:
            _embed_session(emulator, web, role, session, **extra)
        assert denied.value.response["Error"]["Code"] == "AccessDenied"


def test_a_second_up_changes_nothing(
    emulator: Any, applied: Run, example_tenants: list[TenantConfig], state: Path
) -> None:
    engine, lines = _engine(emulator, state)
    result = engine.up([(Path(f"{t.tenant}.yaml"), t) for t in example_tenants])
    assert lines == []
    assert result.unchanged == 15
    assert result.run is not None
    assert result.run.outputs == applied.outputs


def test_applying_without_the_state_is_already_exists_not_an_update(
    emulator: Any, applied: Run, example_tenants: list[TenantConfig]
) -> None:
    """The former upsert turned every ResourceExists into an update; AWS does not."""
    engine, lines = _engine(emulator)
    with pytest.raises(ConfigError) as refused:
        engine.up([(Path(f"tenants/{t.tenant}.yaml"), t) for t in example_tenants])
    messages = [str(p) for p in refused.value.problems]
    assert any("tenants/acme.yaml: users[0] (alice): QuickSight user alice" in m for m in messages)
    assert any("add `adopt: true`" in m for m in messages)
    assert any("tenants/acme.yaml: namespace: QuickSight namespace acme" in m for m in messages)
    assert any("tenants/acme.yaml: tenant: IAM role qs-embed-acme" in m for m in messages)
    assert lines == [], "refused before any change"


def test_a_failure_names_the_resource_and_keeps_what_was_applied(
    emulator: Any, example_tenants: list[TenantConfig], tmp_path: Path
) -> None:
    acme = example_tenants[0].model_copy(update={"tenant": "failing", "namespace": "failing"})
    emulator.faults.clear()
    emulator.faults.inject("CreateNamespace", kind="internal")
    engine, _lines = _engine(emulator, tmp_path / "state.json")
    try:
        with pytest.raises(ApplyFailed) as failed:
            engine.up([(Path("failing.yaml"), acme)])
    finally:
        emulator.faults.clear()
    assert failed.value.resource == "failing.namespace"
    assert "InternalFailure" in failed.value.reason
    saved = LocalState.load(tmp_path / "state.json")
    assert {r.name for r in saved.resources.values()} == {c.name for c in failed.value.applied}, (
        "the state holds exactly what was applied"
    )
    assert [c.op for c in failed.value.applied] == ["create"] * len(failed.value.applied)


def test_a_file_of_another_account_is_refused_before_any_change(
    emulator: Any, example_tenants: list[TenantConfig], tmp_path: Path
) -> None:
    elsewhere = example_tenants[0].model_copy(update={"account_id": "444455556666"})
    engine, lines = _engine(emulator, tmp_path / "state.json")
    with pytest.raises(ConfigError) as refused:
        engine.up([(Path("acme.yaml"), elsewhere)])
    (problem,) = refused.value.problems
    assert (problem.source, problem.location) == ("acme.yaml", "account_id")
    assert "444455556666" in problem.message
    assert ACCOUNT in problem.message
    assert lines == []
    assert not (tmp_path / "state.json").exists()


def test_unsupported_resource_types_are_named(emulator: Any) -> None:
    from local_engine.engine import _ApplyMocks

    engine, _ = _engine(emulator)
    with pytest.raises(UnsupportedResourceError, match="aws:sns/topic:Topic"):
        run_offline(lambda: aws.sns.Topic("stray"), _ApplyMocks(engine))
