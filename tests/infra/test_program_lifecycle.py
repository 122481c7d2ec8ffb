"""What the program declares for the lifecycle: adoption, ordering, secrets, timeouts, and the
refusals that need every tenant file (and the deploying account) before any change."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from infra.offline import OfflineRun, run_offline
from infra.offline_mocks import OfflineMocks
from infra.program import TenantsRefused, declare_tenants, load_checked_tenants, run_program
from local_engine.engine_resources import timeout_seconds
from policies.project import QS_DYNAMIC_USER
from policies.resources import QS_CUSTOM_PERMISSIONS, QS_NAMESPACE, ROLE_POLICY
from tenant_file.loader import parse_tenant, region_problems
from tests.tenant_files import tenant_data, write_tenant


def _run(*datas: dict[str, Any], account: str | None = None) -> OfflineRun[Any]:
    import yaml

    tenants = [parse_tenant(yaml.safe_dump(d), f"{d['tenant']}.yaml") for d in datas]
    return run_offline(lambda: declare_tenants(tenants), OfflineMocks(tenants, account))


def test_the_role_policy_waits_for_every_user() -> None:
    """The review's finding: the policy granted GetAuthCode on a user before (and whether or
    not) the stack had created or adopted it."""
    run = _run(tenant_data("acme"))
    (policy,) = run.of_type(ROLE_POLICY)
    users = run.of_type(QS_DYNAMIC_USER)
    assert users
    assert {u.urn for u in users} <= set(policy.dependencies)


def test_the_invitation_url_is_a_secret_output() -> None:
    (user,) = _run(tenant_data("acme")).of_type(QS_DYNAMIC_USER)
    assert user.additional_secret_outputs == {"userInvitationUrl"}


def test_the_namespace_create_may_take_ten_minutes_or_more() -> None:
    # Through its `timeouts` input: the bridge ignores custom_timeouts on a Plugin Framework
    # resource (pulumi-terraform-bridge issue 827), so the option is not used at all.
    (namespace,) = _run(tenant_data("acme")).of_type(QS_NAMESPACE)
    assert timeout_seconds(namespace.inputs["timeouts"]["create"], 0) >= 600
    assert namespace.custom_timeouts == {}


def test_adoptions_are_explicit() -> None:
    data = tenant_data("acme", adopt_namespace=True)
    data["permission_profiles"]["analyst"]["adopt"] = True
    data["users"][0]["adopt"] = True
    run = _run(data)
    (namespace,) = run.of_type(QS_NAMESPACE)
    (profile,) = run.of_type(QS_CUSTOM_PERMISSIONS)
    (user,) = run.of_type(QS_DYNAMIC_USER)
    # pulumi-aws 7 reads the region from the id's @<region> suffix, not from the inputs.
    assert namespace.import_id == "111122223333,acme@us-east-1"
    assert profile.import_id == "111122223333,acme-analyst@us-east-1"
    assert user.inputs["adopt"] is True
    plain = _run(tenant_data("acme"))
    assert not any(r.import_id for r in plain.resources)
    assert plain.of_type(QS_DYNAMIC_USER)[0].inputs["adopt"] is False


def test_an_adoption_without_account_id_asks_the_caller_identity() -> None:
    data = tenant_data("acme", adopt_namespace=True)
    del data["account_id"]
    (namespace,) = _run(data, account="444455556666").of_type(QS_NAMESPACE)
    assert namespace.import_id == "444455556666,acme@us-east-1"


def test_registered_on_first_use_users_are_the_stacks_to_adopt() -> None:
    data = tenant_data("globex")
    data["embedding"] |= {"identity": "iam", "register_on_first_use": True}
    (user,) = _run(data).of_type(QS_DYNAMIC_USER)
    assert user.inputs["adopt"] is True


def test_adopt_namespace_is_refused_for_default() -> None:
    import yaml

    from tenant_file.errors import ConfigError

    with pytest.raises(ConfigError, match="adopt_namespace: the default namespace"):
        parse_tenant(yaml.safe_dump(tenant_data("acme", namespace="default", adopt_namespace=True)))


def test_tenants_of_one_account_must_share_its_identity_region(tmp_path: Path) -> None:
    write_tenant(tmp_path, tenant_data("acme"))
    write_tenant(tmp_path, tenant_data("globex", region="eu-west-1"))
    from tenant_file.errors import ConfigError

    with pytest.raises(ConfigError) as refused:
        load_checked_tenants(tmp_path)
    problems = {(Path(p.source).name, p.location) for p in refused.value.problems}
    assert problems == {("acme.yaml", "region"), ("globex.yaml", "region")}
    message = str(refused.value)
    assert "globex.yaml (eu-west-1)" in message
    assert "acme.yaml (us-east-1)" in message


def test_regions_are_per_account() -> None:
    import yaml

    def loaded(name: str, **changes: Any) -> tuple[Path, Any]:
        data = tenant_data(name, **changes)
        return Path(f"{name}.yaml"), parse_tenant(yaml.safe_dump(data))

    other = loaded("globex", region="eu-west-1", account_id="444455556666")
    assert region_problems([loaded("acme"), other]) == []
    data = tenant_data("initech", region="eu-west-1")
    del data["account_id"]
    no_account = (Path("initech.yaml"), parse_tenant(yaml.safe_dump(data)))
    # A file without account_id is in the deploying account: it clashes with acme's region.
    assert {p.source for p in region_problems([loaded("acme"), no_account], "111122223333")} == {
        "acme.yaml",
        "initech.yaml",
    }


def test_pulumi_up_refuses_a_file_of_another_account_before_any_resource(tmp_path: Path) -> None:
    write_tenant(tmp_path, tenant_data("acme"))
    with pytest.raises(TenantsRefused, match="account_id: is 111122223333"):
        run_offline(lambda: run_program(tmp_path), OfflineMocks([], account_id="444455556666"))


@pytest.mark.parametrize(
    ("text", "seconds"), [("20m", 1200.0), ("1h30m", 5400.0), ("90s", 90.0), ("", 120.0)]
)
def test_custom_timeouts_read_as_pulumi_writes_them(text: str, seconds: float) -> None:
    assert timeout_seconds(text, 120.0) == seconds
