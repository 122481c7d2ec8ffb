"""The Service Authorization Reference as the emulator reads it (``sandbox.sar``), and every
policy this project writes checked against it: a statement scoped to ARNs names only actions
that have a resource type, and only ARNs of those types (an action with none is authorized
only by ``"Resource": "*"``). Source: parliament's copy of the SAR
(https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from policies.embed_role import deployer_policy, embed_role_permissions_policy
from sandbox import sar
from sandbox.conditions import UnsupportedPolicyElement, iam_like
from sandbox.principals import APP_POLICY_NAME, EMBED_ROLE_NAME_PATTERN
from tenant_file.loader import load_tenant, parse_tenant

from .conftest import ACCOUNT

TENANTS = sorted(Path("tenants").glob("*.yaml"))
# The request names the resource by its ARN, and the emulator authorizes that ARN as sent: the
# SAR lists no namespace type for ListTagsForResource although pulumi-aws reads a namespace's
# tags with it; only a real account shows how AWS judges that (said in the README).
TAKES_THE_ARN = {"quicksight:ListTagsForResource", "quicksight:TagResource"}


@pytest.mark.parametrize(
    ("action", "has_type"),
    [
        ("quicksight:DeleteCustomPermissions", False),
        ("quicksight:GetSessionEmbedUrl", False),
        ("quicksight:ListNamespaces", False),
        ("quicksight:UpdateCustomPermissions", True),
        ("quicksight:GetAuthCode", True),
        ("sts:AssumeRole", True),
        ("sts:GetCallerIdentity", False),
        ("iam:CreateRole", True),
        ("iam:ListRoles", False),
    ],
)
def test_resource_types_come_from_the_sar(action: str, has_type: bool) -> None:
    service, _, name = action.partition(":")
    assert sar.action(service, name).has_resource_type is has_type


def test_an_action_with_no_resource_type_is_judged_on_star() -> None:
    profile = f"arn:aws:quicksight:us-east-1:{ACCOUNT}:custompermissions/acme-analyst"
    assert sar.action("quicksight", "DeleteCustomPermissions").authorized_resource(profile) == "*"
    update = sar.action("quicksight", "UpdateCustomPermissions")
    assert update.authorized_resource(profile) == profile
    with pytest.raises(UnsupportedPolicyElement, match="lists custompermissions"):
        update.authorized_resource(f"arn:aws:quicksight:us-east-1:{ACCOUNT}:user/acme/alice")


def test_an_action_the_sar_does_not_list_is_refused() -> None:
    with pytest.raises(UnsupportedPolicyElement, match="quicksight:MintEverything"):
        sar.action("quicksight", "MintEverything")


def _documents() -> Iterator[tuple[str, dict[str, Any]]]:
    tenants = [load_tenant(path) for path in TENANTS]
    for tenant in tenants:
        yield (
            f"embed role of {tenant.tenant}",
            embed_role_permissions_policy(tenant, partition="aws", account_id=ACCOUNT),
        )
    yield "deployer", deployer_policy(tenants, account_id=ACCOUNT)
    deleting = [parse_tenant(yaml.safe_dump(_without_retention(p))) for p in TENANTS]
    yield "deployer (deleting)", deployer_policy(deleting, account_id=ACCOUNT)
    embed_roles = f"arn:aws:iam::{ACCOUNT}:role/{EMBED_ROLE_NAME_PATTERN}"
    app = {"Action": "sts:AssumeRole", "Resource": embed_roles}  # sandbox.principals
    yield APP_POLICY_NAME, {"Statement": [{"Effect": "Allow", **app}]}


def _without_retention(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(path.read_text())
    return {**document, "retain_users_on_delete": False}


@pytest.mark.parametrize(("name", "document"), list(_documents()), ids=lambda v: str(v)[:40])
def test_every_policy_of_the_project_fits_the_sar(name: str, document: dict[str, Any]) -> None:
    for statement in document["Statement"]:
        resources = statement["Resource"]
        resources = resources if isinstance(resources, list) else [resources]
        actions = statement["Action"]
        for action in actions if isinstance(actions, list) else [actions]:
            service, _, action_name = action.partition(":")
            listed = sar.action(service, action_name)
            if resources == ["*"] or action in TAKES_THE_ARN:
                continue
            assert listed.has_resource_type, f"{name}: {action} has no resource type: use *"
            for resource in resources:
                example = resource.replace("${aws:username}", "u").replace("*", "x")
                assert any(
                    iam_like(f.replace("${Partition}", "*").replace("${Region}", "*")
                             .replace("${Account}", "*").split("${")[0] + "*", example)
                    for f in listed.arn_formats
                ), f"{name}: {resource} is not of a resource type of {action}"  # fmt: skip
