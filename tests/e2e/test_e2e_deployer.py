"""The deployer policy is enough for the whole lifecycle, in an emulator that authorizes each
action by the Service Authorization Reference (``sandbox.sar``).

`local up` runs as a role holding only `policies.iam.deployer_policy(...)` for the tenants: it
creates, edits and removes a profile of a tenant that does not retain users; then the tenant's
app mints a console URL through its embed role. With the profile's delete scoped to its ARN
(the policy before this test), removing it was refused halfway through the run: the SAR gives
quicksight:DeleteCustomPermissions no resource type.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from embedder import Embedder
from local_engine.local_apply import engine_up
from local_engine.state import LocalState
from policies.embed_role import deployer_policy
from sandbox import Emulator
from tenant_file.loader import parse_tenant
from tests.e2e.support import ACCOUNT, REGION, app_principal

pytestmark = pytest.mark.emulator

DEPLOYER = "ci-deployer"


def _tenant(profiles: dict[str, Any]) -> dict[str, Any]:
    return {
        "tenant": "delta",
        "account_id": ACCOUNT,
        "region": REGION,
        "retain_users_on_delete": False,
        "embedding": {"identity": "quicksight", "app_principals": [app_principal("delta")]},
        "permission_profiles": profiles,
        "users": [
            {"name": "dora", "email": "dora@delta.example", "role": "AUTHOR", "profile": "analyst"}
        ],
    }


def _deployer(emulator: Emulator, documents: list[dict[str, Any]]) -> Any:
    """A session of a role whose only policy is the deployer policy for ``documents``."""
    admin = emulator.admin_session()
    iam = admin.client("iam")
    admin_arn = admin.client("sts").get_caller_identity()["Arn"]
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": admin_arn}, "Action": "sts:AssumeRole"}
        ],
    }
    role = iam.create_role(RoleName=DEPLOYER, AssumeRolePolicyDocument=json.dumps(trust))["Role"]
    tenants = [parse_tenant(yaml.safe_dump(d)) for d in documents]
    policy = deployer_policy(tenants, account_id=ACCOUNT)
    iam.put_role_policy(RoleName=DEPLOYER, PolicyName="deployer", PolicyDocument=json.dumps(policy))
    credentials = admin.client("sts").assume_role(RoleArn=role["Arn"], RoleSessionName="ci")[
        "Credentials"
    ]
    return emulator.session(
        credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials["SessionToken"]
    )


def test_the_deployer_policy_creates_edits_and_removes_a_profile(tmp_path: Path) -> None:
    both = _tenant({"analyst": {"deny": ["ExportToCsv"]}, "viewer": {"deny": ["ShareDashboards"]}})
    one = _tenant({"analyst": {"deny": ["ExportToCsv", "ExportToExcel"]}})
    with Emulator() as emulator:
        deployer = _deployer(emulator, [both, one])
        state = LocalState(tmp_path / "state.json")
        for document in (both, one):
            loaded = [(tmp_path / "delta.yaml", parse_tenant(yaml.safe_dump(document)))]
            engine_up(loaded, deployer, state=state, endpoint_url=emulator.endpoint_url)
        qs = emulator.admin_session().client("quicksight")
        names = {
            p["CustomPermissionsName"]
            for p in qs.list_custom_permissions(AwsAccountId=ACCOUNT)["CustomPermissionsList"]
        }
        assert names == {"delta-analyst"}
        config = parse_tenant(yaml.safe_dump(one))
        app = emulator.principal_session(app_principal("delta"))
        embedder = Embedder(config, session=app, endpoint_url=emulator.endpoint_url)
        url = embedder.session_embed_url("dora")
        assert url.url.startswith("http")
