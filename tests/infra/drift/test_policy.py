"""`infra.drift.policy`: the read-only policy drift needs, against parliament's Service
Authorization Reference data, and on the emulator as the only policy of the identity that runs
drift (what it lacks, drift cannot read)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infra.drift.compare import drift_report
from infra.drift.live import DriftReadError, LiveAccount
from infra.drift.policy import drift_reader_policy
from policies.action_wildcards import resource_types
from policies.lint import lint_document
from sandbox import Emulator
from sandbox.principals import role_session
from tenant_file.config import TenantConfig
from tenant_file.loader import load_tenants
from tests.tenant_files import EXAMPLES, example_tenants

ACCOUNT = "111122223333"
READ_ACCESS_LEVELS = {"Read", "List"}


def test_every_action_is_a_read_scoped_as_the_reference_allows() -> None:
    from parliament import iam_definition

    levels = {
        f"{service['prefix']}:{p['privilege']}".lower(): p["access_level"]
        for service in iam_definition
        for p in service["privileges"]
    }
    document = drift_reader_policy(list(example_tenants()), account_id=ACCOUNT)
    for statement in document["Statement"]:
        for action in statement["Action"]:
            types = resource_types(action)
            assert types is not None, f"{action} is not in the Service Authorization Reference"
            assert levels[action.lower()] in READ_ACCESS_LEVELS, action
            # "*" exactly where the action has no resource type; else only a scoped ARN.
            assert (statement["Resource"] == "*") == (not types), (action, statement["Resource"])


def test_the_policy_passes_the_iam_lint() -> None:
    document = drift_reader_policy(list(example_tenants()), account_id=ACCOUNT)
    assert [f for f in lint_document(document, "drift", "permissions") if f.failing] == []


def test_drift_policy_prints_it(capsys: pytest.CaptureFixture[str]) -> None:
    from qs_embed.cli import main

    assert main(["drift", "--policy", "--tenants", str(EXAMPLES)]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == drift_reader_policy(list(example_tenants()))


def _reader(emulator: Emulator, name: str, document: dict[str, object]) -> LiveAccount:
    admin = emulator.admin_session()
    iam = admin.client("iam")
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": emulator.admin_arn},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    iam.put_role_policy(RoleName=name, PolicyName="drift", PolicyDocument=json.dumps(document))
    session = role_session(admin, arn, endpoint_url=emulator.endpoint_url, region=emulator.region)
    return LiveAccount(session, endpoint_url=emulator.endpoint_url)


@pytest.fixture(scope="module")
def applied(emulator: Emulator) -> list[TenantConfig]:
    from local_engine.local_apply import apply_locally

    tenants = load_tenants([EXAMPLES])
    apply_locally(tenants, emulator.admin_session())
    return tenants


@pytest.mark.emulator
def test_the_policy_is_enough_to_read_everything(
    emulator: Emulator, applied: list[TenantConfig]
) -> None:
    live = _reader(emulator, "drift-reader", drift_reader_policy(applied, account_id=ACCOUNT))
    assert drift_report(applied, applied, live).findings == ()


@pytest.mark.emulator
@pytest.mark.parametrize("dropped", ["iam:ListAttachedRolePolicies", "quicksight:ListUsers"])
def test_one_action_less_is_an_error_naming_the_call(
    emulator: Emulator, applied: list[TenantConfig], dropped: str, tmp_path: Path
) -> None:
    document = drift_reader_policy(applied, account_id=ACCOUNT)
    for statement in document["Statement"]:
        statement["Action"] = [a for a in statement["Action"] if a != dropped]
    live = _reader(emulator, f"drift-reader-{dropped.split(':')[1].lower()}", document)
    with pytest.raises(DriftReadError) as caught:
        drift_report(applied, applied, live)
    assert dropped in str(caught.value)
    assert "qs-embed drift --policy" in str(caught.value)
