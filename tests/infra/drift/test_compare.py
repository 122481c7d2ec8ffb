"""`infra.drift.compare` on the emulator: each kind of drift made as a platform admin makes it in
the console (boto3 as the emulator's admin), after the program was applied; one test per kind.

Each test deploys a tenant of its own (one emulator for the module), makes one edit and checks
that the tenant's findings are exactly that one; what no file declares is checked by resource.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from infra.drift.compare import drift_report
from infra.drift.live import LiveAccount
from infra.drift.report import DriftReport
from policies.shards import ShardSelection, shard_of
from sandbox import Emulator
from tenant_file.config import TenantConfig
from tenant_file.loader import load_tenants
from tests.tenant_files import tenant_data, write_tenant

pytestmark = pytest.mark.emulator

ACCOUNT = "111122223333"
EXTERNAL_ID = "drift-external-id-5e1f"


@pytest.fixture(autouse=True)
def _no_waits(retry_sleeps: list[float]) -> None:
    """botocore's retry sleeps are recorded, not waited (`retry_sleeps`)."""


def deploy(emulator: Emulator, tmp_path: Path, name: str, **overrides: Any) -> TenantConfig:
    from local_engine.local_apply import apply_locally

    write_tenant(tmp_path / name, tenant_data(name, **overrides))
    tenants = load_tenants([tmp_path / name])
    apply_locally(tenants, emulator.admin_session())
    return tenants[0]


def report(
    emulator: Emulator,
    tenants: list[TenantConfig],
    selection: ShardSelection | None = None,
) -> DriftReport:
    live = LiveAccount(emulator.admin_session(), endpoint_url=emulator.endpoint_url)
    return drift_report(tenants, tenants, live, selection)


def found(emulator: Emulator, tenant: TenantConfig) -> list[tuple[str, str]]:
    """The tenant's own findings: (kind, resource)."""
    return [
        (f.kind, f.resource)
        for f in report(emulator, [tenant]).findings
        if f.tenant == tenant.tenant
    ]


def role_arn(tenant: TenantConfig) -> str:
    return f"arn:aws:iam::{ACCOUNT}:role/{tenant.role_name}"


def admin(emulator: Emulator, service: str) -> Any:
    return emulator.admin_session().client(service)


def test_no_drift_right_after_the_program_is_applied(emulator: Emulator, tmp_path: Path) -> None:
    tenant = deploy(emulator, tmp_path, "dr-clean")
    assert found(emulator, tenant) == []


# -- users -------------------------------------------------------------------------------------


def test_a_user_deleted_in_the_console_is_missing(emulator: Emulator, tmp_path: Path) -> None:
    tenant = deploy(emulator, tmp_path, "dr-umiss")
    admin(emulator, "quicksight").delete_user(
        AwsAccountId=ACCOUNT, Namespace=tenant.namespace, UserName="ann"
    )
    assert found(emulator, tenant) == [("user-missing", "dr-umiss/ann")]


def _update_user(emulator: Emulator, tenant: TenantConfig, **changes: Any) -> None:
    qs = admin(emulator, "quicksight")
    user = qs.describe_user(AwsAccountId=ACCOUNT, Namespace=tenant.namespace, UserName="ann")
    fields = {"Email": user["User"]["Email"], "Role": user["User"]["Role"], **changes}
    qs.update_user(AwsAccountId=ACCOUNT, Namespace=tenant.namespace, UserName="ann", **fields)


def test_a_role_changed_in_the_console(emulator: Emulator, tmp_path: Path) -> None:
    tenant = deploy(emulator, tmp_path, "dr-urole")
    _update_user(emulator, tenant, Role="ADMIN")
    [finding] = [f for f in report(emulator, [tenant]).findings if f.tenant == tenant.tenant]
    assert (finding.kind, finding.expected, finding.actual) == ("user-role", "AUTHOR", "ADMIN")


def test_an_email_changed_in_the_console(emulator: Emulator, tmp_path: Path) -> None:
    tenant = deploy(emulator, tmp_path, "dr-umail")
    _update_user(emulator, tenant, Email="ann@elsewhere.example")
    assert found(emulator, tenant) == [("user-email", "dr-umail/ann")]


def test_a_profile_taken_off_in_the_console(emulator: Emulator, tmp_path: Path) -> None:
    tenant = deploy(emulator, tmp_path, "dr-uprof")
    admin(emulator, "quicksight").delete_user_custom_permission(
        AwsAccountId=ACCOUNT, Namespace=tenant.namespace, UserName="ann"
    )
    [finding] = [f for f in report(emulator, [tenant]).findings if f.tenant == tenant.tenant]
    assert (finding.kind, finding.expected, finding.actual) == (
        "user-profile",
        "dr-uprof-analyst",
        None,
    )


def test_an_inactive_user(emulator: Emulator, tmp_path: Path) -> None:
    tenant = deploy(emulator, tmp_path, "dr-uidle")
    emulator.directory.set_active(tenant.namespace, "ann", active=False)
    assert found(emulator, tenant) == [("user-inactive", "dr-uidle/ann")]


def test_a_user_added_by_hand_to_the_tenants_namespace(emulator: Emulator, tmp_path: Path) -> None:
    tenant = deploy(emulator, tmp_path, "dr-uadd")
    admin(emulator, "quicksight").register_user(
        AwsAccountId=ACCOUNT,
        Namespace=tenant.namespace,
        IdentityType="QUICKSIGHT",
        UserName="mallory",
        Email="mallory@x.example",
        UserRole="ADMIN",
    )
    assert found(emulator, tenant) == [("user-undeclared", "dr-uadd/mallory")]


def test_the_retained_users_of_a_removed_tenant(emulator: Emulator, tmp_path: Path) -> None:
    removed = deploy(emulator, tmp_path, "dr-gone")
    staying = deploy(emulator, tmp_path, "dr-stays")
    # dr-gone's file is deleted: its namespace and user are retained (retain_users_on_delete).
    findings = {(f.kind, f.resource, f.tenant) for f in report(emulator, [staying]).findings}
    assert ("user-retained", "dr-gone/ann", None) in findings
    assert ("namespace-undeclared", removed.namespace, None) in findings
    assert not any(t == staying.tenant for _, _, t in findings)


def iam_in_default(name: str) -> dict[str, Any]:
    """An iam-identity tenant whose users are sessions of its embed role in `default`."""
    data = tenant_data(name, namespace="default")
    data["embedding"]["identity"] = "iam"
    return data


def test_a_session_of_the_embed_role_added_by_hand_in_default(
    emulator: Emulator, tmp_path: Path
) -> None:
    tenant = deploy(emulator, tmp_path, "dr-udef", **iam_in_default("dr-udef"))
    qs = admin(emulator, "quicksight")
    assert found(emulator, tenant) == []
    common = {"AwsAccountId": ACCOUNT, "Namespace": "default", "UserRole": "ADMIN"}
    qs.register_user(
        IdentityType="IAM",
        IamArn=role_arn(tenant),
        SessionName="mallory",
        Email="mallory@x.example",
        **common,
    )
    # One step past: a user of `default` that is no session of the role is the account's.
    qs.register_user(
        IdentityType="QUICKSIGHT", UserName="dr-udef-bob", Email="bob@x.example", **common
    )
    assert found(emulator, tenant) == [("user-undeclared", "default/qs-embed-dr-udef/mallory")]


def test_the_retained_sessions_of_a_removed_iam_tenant_in_default(
    emulator: Emulator, tmp_path: Path
) -> None:
    deploy(emulator, tmp_path, "dr-dgone", **iam_in_default("dr-dgone"))
    staying = deploy(emulator, tmp_path, "dr-dstays", **iam_in_default("dr-dstays"))
    # dr-dgone's file is deleted: its role-session user stays in `default`, no file owns it.
    findings = {(f.kind, f.resource, f.tenant) for f in report(emulator, [staying]).findings}
    assert ("user-retained", "default/qs-embed-dr-dgone/ann", None) in findings
    assert ("role-undeclared", "qs-embed-dr-dgone", None) in findings
    assert not any("dr-dstays" in resource for _, resource, _ in findings)


# -- profiles ----------------------------------------------------------------------------------


def test_a_profile_deleted_in_the_console(emulator: Emulator, tmp_path: Path) -> None:
    tenant = deploy(emulator, tmp_path, "dr-pmiss")
    admin(emulator, "quicksight").delete_custom_permissions(
        AwsAccountId=ACCOUNT, CustomPermissionsName="dr-pmiss-analyst"
    )
    # Deleting a profile takes it off its users too (QuickSight does; so does the emulator).
    assert found(emulator, tenant) == [
        ("profile-missing", "dr-pmiss-analyst"),
        ("user-profile", "dr-pmiss/ann"),
    ]


def test_capabilities_changed_in_the_console(emulator: Emulator, tmp_path: Path) -> None:
    tenant = deploy(emulator, tmp_path, "dr-pcaps")
    admin(emulator, "quicksight").update_custom_permissions(
        AwsAccountId=ACCOUNT,
        CustomPermissionsName="dr-pcaps-analyst",
        Capabilities={"ExportToExcel": "DENY"},
    )
    [finding] = [f for f in report(emulator, [tenant]).findings if f.tenant == tenant.tenant]
    assert (finding.kind, finding.expected, finding.actual) == (
        "profile-capabilities",
        ["ExportToCsv"],
        ["ExportToExcel"],
    )


# -- namespaces --------------------------------------------------------------------------------


def test_a_namespace_deleted_in_the_console(emulator: Emulator, tmp_path: Path) -> None:
    tenant = deploy(emulator, tmp_path, "dr-nmiss")
    admin(emulator, "quicksight").delete_namespace(AwsAccountId=ACCOUNT, Namespace="dr-nmiss")
    # Its users went with it, as in QuickSight.
    assert found(emulator, tenant) == [
        ("namespace-missing", "dr-nmiss"),
        ("user-missing", "dr-nmiss/ann"),
    ]


def test_a_namespace_that_failed(emulator: Emulator, tmp_path: Path) -> None:
    tenant = deploy(emulator, tmp_path, "dr-nfail")
    emulator.directory.set_namespace_status("dr-nfail", "NON_RETRYABLE_FAILURE")
    [finding] = [f for f in report(emulator, [tenant]).findings if f.tenant == tenant.tenant]
    assert (finding.kind, finding.actual) == (
        "namespace-status",
        ["NON_RETRYABLE_FAILURE", "QUICKSIGHT"],
    )


def test_a_namespace_made_by_hand(emulator: Emulator, tmp_path: Path) -> None:
    tenant = deploy(emulator, tmp_path, "dr-nhand")
    admin(emulator, "quicksight").create_namespace(
        AwsAccountId=ACCOUNT, Namespace="dr-handmade", IdentityStore="QUICKSIGHT"
    )
    findings = report(emulator, [tenant]).findings
    assert ("namespace-undeclared", "dr-handmade") in {(f.kind, f.resource) for f in findings}
    assert [f for f in findings if f.tenant == tenant.tenant] == []


# -- the embed role ----------------------------------------------------------------------------


def test_an_embed_role_deleted_in_the_console(emulator: Emulator, tmp_path: Path) -> None:
    tenant = deploy(emulator, tmp_path, "dr-rmiss")
    iam = admin(emulator, "iam")
    iam.delete_role_policy(RoleName=tenant.role_name, PolicyName="quicksight-embedding")
    iam.delete_role(RoleName=tenant.role_name)
    assert found(emulator, tenant) == [("role-missing", tenant.role_name)]


def test_a_trust_policy_widened_in_the_console(emulator: Emulator, tmp_path: Path) -> None:
    tenant = deploy(
        emulator,
        tmp_path,
        "dr-rtrust",
        embedding={
            "identity": "quicksight",
            "app_principals": [f"arn:aws:iam::{ACCOUNT}:role/dr-rtrust-app"],
            "external_id": EXTERNAL_ID,
        },
    )
    iam = admin(emulator, "iam")
    trust = iam.get_role(RoleName=tenant.role_name)["Role"]["AssumeRolePolicyDocument"]
    trust["Statement"][0]["Principal"]["AWS"] = [
        f"arn:aws:iam::{ACCOUNT}:role/dr-rtrust-app",
        f"arn:aws:iam::{ACCOUNT}:role/intruder",
    ]
    iam.update_assume_role_policy(RoleName=tenant.role_name, PolicyDocument=json.dumps(trust))
    result = report(emulator, [tenant])
    [finding] = [f for f in result.findings if f.tenant == tenant.tenant]
    assert finding.kind == "role-trust"
    [added] = finding.detail["added"]
    assert f"arn:aws:iam::{ACCOUNT}:role/intruder" in added["Principal"]["AWS"]
    # The external id is a secret: a marker in the finding, the report and its JSON.
    assert added["Condition"]["StringEquals"]["sts:externalid"] == [
        "<secret: embedding.external_id>"
    ]
    assert EXTERNAL_ID not in result.text()
    assert EXTERNAL_ID not in json.dumps(result.to_json())


def test_a_trust_policy_rewritten_the_same_in_other_words(
    emulator: Emulator, tmp_path: Path
) -> None:
    """A list of one for a string and back, no Sid: the same grant, no drift."""
    tenant = deploy(emulator, tmp_path, "dr-rsame")
    iam = admin(emulator, "iam")
    trust = iam.get_role(RoleName=tenant.role_name)["Role"]["AssumeRolePolicyDocument"]
    statement = trust["Statement"][0]
    statement["Action"] = ["sts:AssumeRole"]
    statement["Principal"]["AWS"] = statement["Principal"]["AWS"][0]
    statement.pop("Sid")
    iam.update_assume_role_policy(RoleName=tenant.role_name, PolicyDocument=json.dumps(trust))
    assert found(emulator, tenant) == []


def test_a_maximum_session_duration_raised(emulator: Emulator, tmp_path: Path) -> None:
    tenant = deploy(emulator, tmp_path, "dr-rdur")
    admin(emulator, "iam").update_role(RoleName=tenant.role_name, MaxSessionDuration=43200)
    assert found(emulator, tenant) == [("role-session-duration", role_arn(tenant))]


def test_the_inline_policy_deleted_in_the_console(emulator: Emulator, tmp_path: Path) -> None:
    tenant = deploy(emulator, tmp_path, "dr-ipmiss")
    admin(emulator, "iam").delete_role_policy(
        RoleName=tenant.role_name, PolicyName="quicksight-embedding"
    )
    assert found(emulator, tenant) == [("role-policy-missing", role_arn(tenant))]


def test_the_inline_policy_edited_in_the_console(emulator: Emulator, tmp_path: Path) -> None:
    tenant = deploy(emulator, tmp_path, "dr-ipedit")
    iam = admin(emulator, "iam")
    policy = iam.get_role_policy(RoleName=tenant.role_name, PolicyName="quicksight-embedding")
    document = policy["PolicyDocument"]
    document["Statement"].append(
        {"Effect": "Allow", "Action": "quicksight:DescribeUser", "Resource": "*"}
    )
    iam.put_role_policy(
        RoleName=tenant.role_name,
        PolicyName="quicksight-embedding",
        PolicyDocument=json.dumps(document),
    )
    [finding] = [f for f in report(emulator, [tenant]).findings if f.tenant == tenant.tenant]
    assert finding.kind == "role-policy"
    assert finding.detail["added"] == [
        {"Action": ["quicksight:describeuser"], "Effect": "Allow", "Resource": ["*"]}
    ]
    assert finding.detail["removed"] == []


def test_a_second_inline_policy_put_on_the_role(emulator: Emulator, tmp_path: Path) -> None:
    tenant = deploy(emulator, tmp_path, "dr-ipmore")
    admin(emulator, "iam").put_role_policy(
        RoleName=tenant.role_name,
        PolicyName="console-fix",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
            }
        ),
    )
    [finding] = [f for f in report(emulator, [tenant]).findings if f.tenant == tenant.tenant]
    assert (finding.kind, finding.actual) == ("role-inline-policy-undeclared", "console-fix")


def test_a_managed_policy_attached_in_the_console(emulator: Emulator, tmp_path: Path) -> None:
    tenant = deploy(emulator, tmp_path, "dr-attach")
    iam = admin(emulator, "iam")
    document = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "quicksight:*", "Resource": "*"}],
    }
    arn = iam.create_policy(PolicyName="dr-attach-wide", PolicyDocument=json.dumps(document))[
        "Policy"
    ]["Arn"]
    iam.attach_role_policy(RoleName=tenant.role_name, PolicyArn=arn)
    [finding] = [f for f in report(emulator, [tenant]).findings if f.tenant == tenant.tenant]
    assert (finding.kind, finding.actual) == ("role-attached-policy", arn)


def test_an_embed_role_no_file_declares(emulator: Emulator, tmp_path: Path) -> None:
    tenant = deploy(emulator, tmp_path, "dr-rhand")
    admin(emulator, "iam").create_role(
        RoleName="qs-embed-handmade",
        AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}),
    )
    findings = report(emulator, [tenant]).findings
    assert ("role-undeclared", "qs-embed-handmade") in {(f.kind, f.resource) for f in findings}
    # Sharded, each shard names what no file declares only when its name falls in the shard.
    count = 3
    owner = shard_of("handmade", count)
    for shard in range(count):
        sharded = report(emulator, [tenant], ShardSelection(shard, count)).findings
        named = ("role-undeclared", "qs-embed-handmade") in {(f.kind, f.resource) for f in sharded}
        assert named == (shard == owner)


def test_a_tenant_of_another_account_is_bad_input_not_drift(
    emulator: Emulator, tmp_path: Path
) -> None:
    from embedder.errors import ConfigError

    write_tenant(tmp_path / "x", tenant_data("dr-other", account_id="444455556666"))
    tenants = load_tenants([tmp_path / "x"])
    with pytest.raises(ConfigError, match="account_id: is 444455556666, but the AWS credentials"):
        report(emulator, tenants)
