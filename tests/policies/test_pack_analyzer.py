"""The pack through pulumi-policy's own analyzer service (what the engine calls over gRPC).

No engine: requests are built as the engine would send them and handed to the SDK's
`_PolicyAnalyzerServicer` (private, but it is exactly the code `PolicyPack` serves), so
deserialisation, proxies and enforcement levels are the real ones.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime.proto import analyzer_pb2 as proto
from pulumi.runtime.proto import analyzer_pb2_grpc
from pulumi_policy import EnforcementLevel
from pulumi_policy.policy import _PolicyAnalyzerServicer
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

from policies.pack import build_policies
from policies.project import PACK_NAME
from policies.tenant_index import TENANTS_DIR_ENV
from tests import ROOT
from tests.policies.pack_helpers import example_index, role, trust

URN = "urn:pulumi:dev::quicksight-embedding::"


def servicer() -> Any:
    policies = build_policies(example_index())
    return _PolicyAnalyzerServicer(PACK_NAME, "0.1.0", policies, EnforcementLevel.MANDATORY)


def struct(props: dict[str, Any]) -> struct_pb2.Struct:
    s = struct_pb2.Struct()
    s.update(props)
    return s


def analyze(type_token: str, props: dict[str, Any]) -> list[tuple[str, int, str]]:
    request = proto.AnalyzeRequest(
        type=type_token, properties=struct(props), urn=f"{URN}{type_token}::r", name="r"
    )
    response = servicer().Analyze(request, None)
    return [(d.policyName, d.enforcementLevel, d.message) for d in response.diagnostics]


def test_the_analyzer_refuses_a_role_trusting_star() -> None:
    found = analyze("aws:iam/role:Role", role(assumeRolePolicy=trust("*")))
    names = {name for name, _, _ in found}
    assert {"iam-trust-no-wildcard-principal", "iam-trust-tenant-principals-only"} <= names
    assert all(level == proto.MANDATORY for _, level, _ in found)
    message = next(m for n, _, m in found if n == "iam-trust-no-wildcard-principal")
    # The engine prints the policy's description, then the rule's own message.
    assert message.splitlines()[1].startswith("role qs-embed-acme trust policy statement 0: trusts")


def test_a_preview_unknown_role_arn_does_not_stop_the_namespace_rule() -> None:
    user = {
        "identityType": "IAM",
        "iamArn": UNKNOWN_STRING_VALUE,
        "sessionName": "dana",
        "namespace": "globex",
        "userRole": "AUTHOR",
        "email": "d@x.example",
    }
    assert analyze("aws:quicksight/user:User", user) == []


def test_the_analyzer_runs_stack_rules_over_outputs_and_parents() -> None:
    component = proto.AnalyzerResource(
        type="quicksight-embedding:index:TenantStack",
        urn=f"{URN}quicksight-embedding:index:TenantStack::acme",
        name="acme",
        properties=struct({"namespace": "acme"}),
    )
    user = proto.AnalyzerResource(
        type="aws:quicksight/user:User",
        urn=f"{URN}quicksight-embedding:index:TenantStack$aws:quicksight/user:User::alice",
        name="alice",
        parent=component.urn,
        properties=struct({"userName": "alice", "namespace": "acme", "identityType": "QUICKSIGHT"}),
    )
    request = proto.AnalyzeStackRequest(resources=[component, user])
    response = servicer().AnalyzeStack(request, None)
    by_policy = {d.policyName: d for d in response.diagnostics}
    retained = by_policy["quicksight-users-retained"]
    assert "users alice (TenantStack acme): nothing shows they are kept" in retained.message
    assert retained.urn == component.urn
    assert "quicksight-user-profile-attached" in by_policy
    assert "quicksight-tenant-namespace-declared" in by_policy


def test_the_analyzer_describes_every_policy_with_its_level() -> None:
    info = servicer().GetAnalyzerInfo(None, None)
    levels = {p.name: p.enforcementLevel for p in info.policies}
    assert len(levels) == len(build_policies(example_index()))
    advisory = {name for name, level in levels.items() if level == proto.ADVISORY}
    assert advisory == {
        "iam-session-duration-embedding",
        "iam-trust-other-account-external-id",
        "quicksight-user-without-profile",
        "quicksight-users-deletion-opted-in",
    }
    assert all(p.description for p in info.policies)


def test_the_pack_process_serves_the_engine(tmp_path: Path) -> None:
    """Start the pack the way the engine does (`python -m pulumi.policy ENGINE DIR`), from
    another directory, and ask it over gRPC what it enforces."""
    env = {**os.environ, TENANTS_DIR_ENV: str(ROOT / "tenants")}
    command = [sys.executable, "-u", "-m", "pulumi.policy", "127.0.0.1:1", str(ROOT / "policies")]
    with subprocess.Popen(
        command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, text=True
    ) as pack:
        try:
            assert pack.stdout is not None
            port = int(pack.stdout.readline())
            with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
                stub = analyzer_pb2_grpc.AnalyzerStub(channel)
                info = stub.GetAnalyzerInfo(empty_pb2.Empty(), timeout=20)
        finally:
            pack.kill()
    assert info.name == PACK_NAME
    assert len(info.policies) == len(build_policies(example_index()))
