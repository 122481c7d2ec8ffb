"""The Pulumi program under mocks: what each tenant declares, exports and keeps on delete."""

from __future__ import annotations

import json
import runpy
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from infra.offline import DeclaredResource, OfflineRun, run_offline
from infra.offline_mocks import OfflineMocks
from infra.program import TenantsRefused, run_program
from infra.tenant_stack import TenantStack
from policies.embed_role import embed_role_permissions_policy, embed_role_trust_policy
from policies.project import QS_DYNAMIC_USER as USER
from policies.project import TENANT_STACK
from policies.resources import QS_CUSTOM_PERMISSIONS as PROFILE
from policies.resources import QS_NAMESPACE as NAMESPACE
from policies.resources import ROLE, ROLE_POLICY
from tenant_file.config import TenantConfig
from tests import ROOT
from tests.tenant_files import tenant_data, write_tenant

Run = OfflineRun[dict[str, TenantStack]]


def _children(run: OfflineRun[Any], tenant: str) -> list[DeclaredResource]:
    component = next(r for r in run.of_type(TENANT_STACK) if r.name == tenant)
    return run.children(component)


def _one(run: OfflineRun[Any], tenant: str, type_token: str) -> DeclaredResource:
    (found,) = [r for r in _children(run, tenant) if r.type == type_token]
    return found


def _by_name(run: OfflineRun[Any], tenant: str) -> dict[str, DeclaredResource]:
    return {r.name: r for r in _children(run, tenant)}


def test_one_component_per_tenant_owning_every_resource(example_run: Run) -> None:
    components = example_run.of_type(TENANT_STACK)
    assert [c.name for c in components] == ["acme", "globex"]
    assert all(not c.custom for c in components)
    owned = sum(len(example_run.children(c)) for c in components)
    assert owned == len(example_run.resources) - len(components), "every resource has a tenant"


def test_resource_counts_per_tenant(example_run: Run) -> None:
    acme = Counter(r.type for r in _children(example_run, "acme"))
    # A user's profile is its own property (no separate attachment resource).
    assert acme == {ROLE: 1, ROLE_POLICY: 1, NAMESPACE: 1, PROFILE: 2, USER: 3}
    globex = Counter(r.type for r in _children(example_run, "globex"))
    assert globex == {ROLE: 1, ROLE_POLICY: 1, NAMESPACE: 1, PROFILE: 1, USER: 3}


def test_embed_role_is_named_exactly_with_the_builder_documents(
    example_run: Run, example_tenants: list[TenantConfig]
) -> None:
    for tenant in example_tenants:
        role = _one(example_run, tenant.tenant, ROLE)
        assert role.inputs["name"] == f"qs-embed-{tenant.tenant}"
        assert "namePrefix" not in role.inputs
        assert role.inputs["maxSessionDuration"] == 3600
        assert json.loads(role.inputs["assumeRolePolicy"]) == embed_role_trust_policy(tenant)
        policy = _one(example_run, tenant.tenant, ROLE_POLICY)
        assert policy.inputs["role"] == f"qs-embed-{tenant.tenant}"
        assert json.loads(policy.inputs["policy"]) == embed_role_permissions_policy(
            tenant, partition="aws", account_id="111122223333"
        )


def test_trust_policy_with_an_external_id_is_a_secret_in_state(example_run: Run) -> None:
    assert _one(example_run, "globex", ROLE).secret_inputs == {"assumeRolePolicy"}
    assert _one(example_run, "acme", ROLE).secret_inputs == frozenset()


def test_namespace_and_profiles(example_run: Run) -> None:
    namespace = _one(example_run, "acme", NAMESPACE)
    assert namespace.inputs == {
        "namespace": "acme",
        "identityStore": "QUICKSIGHT",
        "awsAccountId": "111122223333",
        "region": "us-east-1",
        "timeouts": {"create": "20m", "delete": "20m"},
    }
    analyst = _by_name(example_run, "acme")["acme.profile.analyst"]
    assert analyst.inputs["customPermissionsName"] == "acme-analyst"
    assert analyst.inputs["capabilities"] == {
        "exportToCsv": "DENY",
        "exportToExcel": "DENY",
        "shareDashboards": "DENY",
    }


def test_quicksight_identity_users(example_run: Run) -> None:
    alice = _by_name(example_run, "acme")["acme.user.alice"]
    assert alice.inputs == {
        "identityType": "QUICKSIGHT",
        "userName": "alice",
        "email": "alice@acme.example",
        "userRole": "AUTHOR",
        "namespace": "acme",
        "awsAccountId": "111122223333",
        "region": "us-east-1",
        "customPermissionsName": "acme-analyst",
        "adopt": False,
    }
    carol = _by_name(example_run, "acme")["acme.user.carol"]
    assert "customPermissionsName" not in carol.inputs, "carol has no profile"


def test_iam_identity_users_are_sessions_of_the_embed_role(example_run: Run) -> None:
    eli = _by_name(example_run, "globex")["globex.user.eli"]
    assert eli.inputs == {
        "identityType": "IAM",
        "iamArn": "arn:aws:iam::111122223333:role/qs-embed-globex",
        "sessionName": "eli",
        "email": "eli@globex.example",
        "userRole": "AUTHOR_PRO",
        "namespace": "globex",
        "awsAccountId": "111122223333",
        "region": "us-east-1",
        "userName": "qs-embed-globex/eli",
        "customPermissionsName": "globex-restricted",
        "adopt": False,
    }


def test_outputs_per_tenant(example_run: Run) -> None:
    assert example_run.outputs["acme"] == {
        "embedRoleArn": "arn:aws:iam::111122223333:role/qs-embed-acme",
        "namespace": "acme",
        "userArns": {
            u: f"arn:aws:quicksight:us-east-1:111122223333:user/acme/{u}"
            for u in ("alice", "bob", "carol")
        },
        "profileNames": {"analyst": "acme-analyst", "viewer-author": "acme-viewer-author"},
        "retainUsersOnDelete": True,
    }
    globex = example_run.outputs["globex"]
    assert globex["userArns"]["dana"] == (
        "arn:aws:quicksight:us-east-1:111122223333:user/globex/qs-embed-globex/dana"
    )
    assert globex["profileNames"] == {"restricted": "globex-restricted"}
    assert example_run.result.keys() == {"acme", "globex"}


def test_users_and_what_would_take_them_with_it_are_retained_on_delete(example_run: Run) -> None:
    for tenant in ("acme", "globex"):
        for resource in _children(example_run, tenant):
            kept = resource.type in {NAMESPACE, PROFILE, USER}
            assert resource.retain_on_delete is kept, resource.name
            assert resource.protect is False


def test_retain_users_on_delete_false_is_the_explicit_opt_in(tmp_path: Path) -> None:
    write_tenant(tmp_path, tenant_data("initech", retain_users_on_delete=False))
    run = _run_dir(tmp_path)
    assert run.resources
    assert not any(r.retain_on_delete for r in run.resources)
    assert run.outputs["initech"]["retainUsersOnDelete"] is False


def test_default_namespace_is_used_not_created(tmp_path: Path) -> None:
    write_tenant(tmp_path, tenant_data("initech", namespace="default"))
    run = _run_dir(tmp_path)
    assert not run.of_type(NAMESPACE)
    assert {r.inputs["namespace"] for r in run.of_type(USER)} == {"default"}
    assert run.outputs["initech"]["namespace"] == "default"


@pytest.mark.parametrize("identity", ["quicksight", "iam"])
def test_in_the_default_namespace_the_policy_names_exactly_the_users_the_stack_creates(
    tmp_path: Path, identity: str
) -> None:
    """The user ARNs the mocks answer (built with tenant_file.names) are the policy's resources."""
    data = tenant_data("initech", namespace="default")
    data["embedding"]["identity"] = identity
    data["users"].append({"name": "bob", "email": "bob@x.example", "role": "ADMIN"})
    write_tenant(tmp_path, data)
    run = _run_dir(tmp_path)
    user_arns = sorted(run.outputs["initech"]["userArns"].values())
    statements = json.loads(run.of_type(ROLE_POLICY)[0].inputs["policy"])["Statement"]
    scoped = [s for s in statements[1:] if s["Effect"] == "Allow"]  # Denies guard the domains
    assert scoped
    assert user_arns[0].startswith("arn:aws:quicksight:us-east-1:111122223333:user/default/")
    for statement in scoped:
        assert statement["Resource"] == user_arns


def test_unknown_account_comes_from_the_caller_identity(tmp_path: Path) -> None:
    data = tenant_data("initech")
    del data["account_id"]
    write_tenant(tmp_path, data)
    run = _run_dir(tmp_path, account_id="444455556666")
    policy = json.loads(run.of_type(ROLE_POLICY)[0].inputs["policy"])
    assert policy["Statement"][1]["Resource"] == (
        "arn:aws:quicksight:us-east-1:444455556666:user/initech/*"
    )
    assert {r.inputs["awsAccountId"] for r in run.of_type(USER)} == {"444455556666"}


class _CountingMocks(OfflineMocks):
    def __init__(self) -> None:
        super().__init__([])
        self.declared: list[str] = []

    def new_resource(self, args: Any) -> tuple[str, dict[str, Any]]:
        self.declared.append(args.name)
        return super().new_resource(args)


def test_a_bad_tenant_refuses_the_whole_program_before_any_resource(tmp_path: Path) -> None:
    write_tenant(tmp_path, tenant_data("good"))
    bad = tenant_data("bad")
    bad["users"][0]["role"] = "READER"
    write_tenant(tmp_path, bad)
    mocks = _CountingMocks()
    with pytest.raises(TenantsRefused) as refused:
        run_offline(lambda: run_program(tmp_path), mocks)
    assert mocks.declared == [], "not even the good tenant's resources"
    message = str(refused.value)
    assert "no resource was declared" in message
    assert f"{tmp_path / 'bad.yaml'}: users[0].role" in message
    assert "users[0].role" in [p.location for p in refused.value.error.problems]


def test_main_reads_tenants_dir_from_project_config(tmp_path: Path) -> None:
    write_tenant(tmp_path / "elsewhere", tenant_data("initech"))
    run = run_offline(
        lambda: runpy.run_path(str(ROOT / "__main__.py")),
        OfflineMocks([]),
        config={"quicksight-embedding:tenantsDir": str(tmp_path / "elsewhere")},
    )
    assert [c.name for c in run.of_type(TENANT_STACK)] == ["initech"]
    assert set(run.outputs) == {"initech"}


def test_two_hundred_generated_tenants(tmp_path: Path) -> None:
    # Lean tenants (one user, no profile): the Pulumi runtime costs ~4 ms per resource.
    tenants = tmp_path / "tenants"
    for i in range(200):
        data = tenant_data(f"t{i:03d}", permission_profiles={})
        del data["users"][0]["profile"]
        if i % 2:
            data["embedding"]["identity"] = "iam"
            data["embedding"]["external_id"] = f"ext-{i:05d}"
        write_tenant(tenants, data)
    mocks = OfflineMocks([], account_id="111122223333")
    # 200 namespaces in one account: past AWS's default 100, so the platform declares the
    # quota AWS raised for it.
    with pytest.raises(TenantsRefused, match="200 QuickSight namespaces"):
        run_offline(lambda: run_program(tenants), mocks)
    (tmp_path / "platform.yaml").write_text('quotas: {"111122223333": {namespaces: 200}}\n')
    run = run_offline(lambda: run_program(tenants), mocks)
    assert len(run.of_type(TENANT_STACK)) == 200
    assert len(run.resources) == 200 * 5  # component, role, policy, namespace, user
    assert len({r.urn for r in run.resources}) == len(run.resources)
    for i in range(200):
        name = f"t{i:03d}"
        assert (
            run.outputs[name]["embedRoleArn"] == f"arn:aws:iam::111122223333:role/qs-embed-{name}"
        )
        assert run.outputs[name]["namespace"] == name
    for i in (0, 1, 198, 199):
        name = f"t{i:03d}"
        user = _one(run, name, USER)
        assert user.inputs["identityType"] == ("IAM" if i % 2 else "QUICKSIGHT")
        trust = json.loads(_one(run, name, ROLE).inputs["assumeRolePolicy"])
        principals = trust["Statement"][0]["Principal"]["AWS"]
        assert principals == [f"arn:aws:iam::111122223333:role/{name}-app"]


def _run_dir(directory: Path, account_id: str | None = None) -> Run:
    from infra.program import load_checked_tenants

    tenants = [t for _, t in load_checked_tenants(directory)]
    return run_offline(lambda: run_program(directory), OfflineMocks(tenants, account_id=account_id))


def test_offline_mocks_refuse_a_resource_type_they_do_not_know() -> None:
    import pulumi_aws as aws

    from infra.offline_mocks import UnsupportedResourceError

    with pytest.raises(UnsupportedResourceError, match="aws:sns/topic:Topic"):
        run_offline(lambda: aws.sns.Topic("stray"), OfflineMocks([]))


def test_tenants_naming_no_account_count_in_the_deploying_account(tmp_path: Path) -> None:
    """Offline, 60 tenants naming the account and 41 naming none are two groups; once the
    program knows the deploying account they are 101 namespaces of one account."""
    tenants = tmp_path / "tenants"
    for i in range(101):
        data = tenant_data(f"t{i:03d}", permission_profiles={})
        del data["users"][0]["profile"]
        if i >= 60:
            del data["account_id"]
        write_tenant(tenants, data)
    mocks = OfflineMocks([], account_id="111122223333")
    with pytest.raises(TenantsRefused, match="101 QuickSight namespaces in account 111122223333"):
        run_offline(lambda: run_program(tenants), mocks)
