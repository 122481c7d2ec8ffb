"""The deployer's policy as IAM can hold it: managed policies of at most 6,144 characters."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest

from policies.deployer import (
    ATTACHED_POLICIES_PER_ROLE,
    DeployerPolicyTooLarge,
    deployer_policies,
    split_policy,
)
from policies.embed_role import PolicyDocument, deployer_policy, policy_size
from policies.iam_limits import MANAGED_POLICY_MAX_CHARS
from qs_embed.cli import main
from tenant_file.config import TenantConfig
from tenant_file.loader import load_tenants
from tests.tenant_files import EXAMPLES, tenant_data, write_many_tenants, write_tenant

ACCOUNT = "111122223333"


def _tenants(count: int) -> list[TenantConfig]:
    """Ordinary tenants: own namespace, one profile, one user."""
    return [TenantConfig.model_validate(tenant_data(f"t{i:04d}")) for i in range(count)]


def _grants(documents: list[PolicyDocument]) -> dict[tuple[str, str, str], set[str]]:
    """(Sid, Effect, actions) -> every resource, over all documents."""
    found: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for document in documents:
        for s in document["Statement"]:
            resources = s["Resource"]
            key = (s["Sid"], s["Effect"], json.dumps(s["Action"]))
            found[key].update([resources] if isinstance(resources, str) else resources)
    return dict(found)


def test_100_tenants_outgrow_one_managed_policy_and_are_split_unwidened() -> None:
    """Issue 20: 100 ordinary tenants gave one document of ~20,000 characters."""
    tenants = _tenants(100)
    whole = deployer_policy(tenants, account_id=ACCOUNT)
    assert policy_size(whole) > MANAGED_POLICY_MAX_CHARS
    documents = deployer_policies(tenants, account_id=ACCOUNT)
    assert 1 < len(documents) <= ATTACHED_POLICIES_PER_ROLE
    assert all(policy_size(d) <= MANAGED_POLICY_MAX_CHARS for d in documents)
    assert _grants(documents) == _grants([whole])
    for document in documents:  # IAM: a Sid is unique within a policy
        sids = [s["Sid"] for s in document["Statement"]]
        assert len(sids) == len(set(sids))


def test_a_policy_that_fits_stays_one_document() -> None:
    tenants = load_tenants([EXAMPLES])
    assert deployer_policies(tenants) == [deployer_policy(tenants)]


def test_split_packs_to_the_limit_and_not_past_it() -> None:
    arns = [f"arn:aws:quicksight:us-east-1:{ACCOUNT}:namespace/n{i:03d}" for i in range(300)]
    document: PolicyDocument = {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "A", "Effect": "Allow", "Action": "quicksight:ListNamespaces", "Resource": "*"},
            {"Sid": "B", "Effect": "Allow", "Action": ["quicksight:CreateNamespace"]}
            | {"Resource": arns},
        ],
    }
    for limit in (1000, 2000, MANAGED_POLICY_MAX_CHARS):
        parts = split_policy(document, limit)
        assert all(policy_size(p) <= limit for p in parts)
        assert _grants(parts) == _grants([document])
        # Full: the next resource would not have fitted in any part but the last.
        for part in parts[:-1]:
            assert policy_size(part) + len(json.dumps(arns[0])) + 1 > limit


def test_past_what_one_role_can_attach_is_refused_naming_size_and_quotas() -> None:
    tenants = _tenants(350)
    with pytest.raises(DeployerPolicyTooLarge) as caught:
        deployer_policies(tenants)
    message = str(caught.value)
    assert f"for 350 tenants is {policy_size(deployer_policy(tenants))} characters" in message
    assert f"at most {MANAGED_POLICY_MAX_CHARS}" in message
    assert f"at most {ATTACHED_POLICIES_PER_ROLE} to a role" in message
    assert "--shard K --shard-count N" in message


def test_plan_prints_managed_policies_that_fit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tenants = tmp_path / "tenants"
    write_many_tenants(tenants, 100)
    assert main(["plan", "--deployer-policy", "--tenants", str(tenants)]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert isinstance(printed, list)
    assert len(printed) > 1
    sizes = [len(json.dumps(d, separators=(",", ":"))) for d in printed]
    assert max(sizes) <= MANAGED_POLICY_MAX_CHARS


def test_plan_refuses_a_deployer_policy_one_role_cannot_hold(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tenants = tmp_path / "tenants"
    profiles = {f"analyst{k or ''}": {"deny": ["ExportToCsv"]} for k in range(6)}
    for i in range(150):
        write_tenant(tenants, tenant_data(f"t{i:04d}", permission_profiles=profiles))
    (tmp_path / "platform.yaml").write_text(f'quotas: {{"{ACCOUNT}": {{namespaces: 150}}}}\n')
    argv = ["plan", "--deployer-policy", "--tenants", str(tenants)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "the deployer policy for 150 tenants is" in err
    assert "IAM attaches at most 10 to a role" in err
    # Per shard, each deployer role holds its own shard's tenants.
    assert main([*argv, "--shard", "0", "--shard-count", "4"]) == 0
