"""The rendered IAM documents of the example tenants, compared with reviewed snapshots.

acme (QuickSight identity, own namespace), globex (IAM identity, own namespace) and the fixture
umbrella (QuickSight identity in the shared default namespace: exact user ARNs).

The snapshots under snapshots/ are what a reviewer approves. After an intended change:
`QS_UPDATE_SNAPSHOTS=1 pytest tests/policies/test_embed_role_snapshots.py`, then review the diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from policies.embed_role import (
    deployer_policy,
    embed_role_permissions_policy,
    embed_role_trust_policy,
)

from .iam_fixtures import ACCOUNT, example_or_fixture

SNAPSHOTS = Path(__file__).parent / "snapshots"
UPDATE = os.environ.get("QS_UPDATE_SNAPSHOTS") == "1"


def _check(name: str, document: dict[str, Any]) -> None:
    path = SNAPSHOTS / f"{name}.json"
    rendered = json.dumps(document, indent=2) + "\n"
    if UPDATE:
        path.write_text(rendered)
    assert path.exists(), f"no snapshot {path.name}; run with QS_UPDATE_SNAPSHOTS=1 and review"
    assert json.loads(path.read_text()) == document, f"{path.name} differs from the builder"


SNAPSHOTTED = ["acme", "globex", "umbrella"]


@pytest.mark.parametrize("name", SNAPSHOTTED)
def test_trust_policy_matches_snapshot(name: str) -> None:
    _check(f"{name}.trust", embed_role_trust_policy(example_or_fixture(name)))


@pytest.mark.parametrize("name", SNAPSHOTTED)
def test_permissions_policy_matches_snapshot(name: str) -> None:
    document = embed_role_permissions_policy(
        example_or_fixture(name), partition="aws", account_id=ACCOUNT
    )
    _check(f"{name}.permissions", document)


def test_deployer_policy_matches_snapshot() -> None:
    """What the identity running pulumi up needs for the three example tenants."""
    _check(
        "deployer",
        deployer_policy([example_or_fixture(n) for n in SNAPSHOTTED], account_id=ACCOUNT),
    )


def test_deployer_policy_passes_the_lint_and_deletes_only_on_opt_out() -> None:
    from policies.lint import lint_document

    tenants = [example_or_fixture(n) for n in SNAPSHOTTED]
    document = deployer_policy(tenants, account_id=ACCOUNT)
    # The deployer writes the embed roles' policies: parliament's community auditor calls that
    # permissions management (MEDIUM). It is the job; the README says what it implies. Any
    # other finding would be a mistake in the builder.
    found = [f for f in lint_document(document, "deployer", "permissions") if f.failing]
    assert [f.issue for f in found] == ["PERMISSIONS_MANAGEMENT_ACTIONS"]
    actions = {a for s in document["Statement"] for a in s["Action"]}
    assert not {a for a in actions if a.startswith("quicksight:Delete") and "Custom" not in a}
    opted_out = [tenants[0].model_copy(update={"retain_users_on_delete": False}), *tenants[1:]]
    widened = {a for s in deployer_policy(opted_out)["Statement"] for a in s["Action"]}
    assert widened - actions == {
        "quicksight:DeleteUser",
        "quicksight:DeleteNamespace",
        "quicksight:DeleteCustomPermissions",
        "ds:DeleteDirectory",  # on "*": every directory of the account, so only on opt-out
        "ds:UnauthorizeApplication",
    }


def test_plan_prints_the_deployer_policy(capsys: pytest.CaptureFixture[str]) -> None:
    from qs_embed.cli import main
    from tests.tenant_files import EXAMPLES

    assert main(["plan", "--deployer-policy", "--tenants", str(EXAMPLES)]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["Statement"][0]["Resource"] == ["arn:aws:iam::111122223333:role/qs-embed-*"]
