"""The rendered IAM documents of the example tenants, compared with reviewed snapshots.

acme (QuickSight identity, own namespace), globex (IAM identity, own namespace) and the fixture
umbrella (QuickSight identity in the shared default namespace: exact user ARNs).

The snapshots under snapshots/ are what a reviewer approves. After an intended change:
`QS_UPDATE_SNAPSHOTS=1 pytest tests/policies/test_iam_snapshots.py`, then review the diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from policies.iam import embed_role_permissions_policy, embed_role_trust_policy

from .iam_fixtures import ACCOUNT, example

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
    _check(f"{name}.trust", embed_role_trust_policy(example(name)))


@pytest.mark.parametrize("name", SNAPSHOTTED)
def test_permissions_policy_matches_snapshot(name: str) -> None:
    document = embed_role_permissions_policy(example(name), partition="aws", account_id=ACCOUNT)
    _check(f"{name}.permissions", document)
