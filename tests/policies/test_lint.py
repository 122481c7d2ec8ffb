"""parliament over every IAM document rendered for the tenants: no finding at all."""

from __future__ import annotations

import json

import pytest

from policies.action_wildcards import EMBEDDING_ACTIONS, TRUST_ACTIONS
from policies.embed_role import embed_role_permissions_policy, embed_role_trust_policy
from policies.lint import LintFinding, lint_declared, lint_document
from review.declared import declare_program
from tenant_file.config import TenantConfig
from tenant_file.names import embed_role_arn
from tests.policies.iam_fixtures import example_or_fixture as fixture_or_example
from tests.policies.pack_helpers import policy_json
from tests.tenant_files import example, example_tenants

ACCOUNT = "111122223333"


def lint_rendered(tenant: TenantConfig) -> list[LintFinding]:
    """Lint the two documents `policies.embed_role` renders for a tenant's embed role."""
    role_arn = embed_role_arn("aws", ACCOUNT, tenant.role_name)
    permissions = embed_role_permissions_policy(tenant, partition="aws", account_id=ACCOUNT)
    return [
        *lint_document(embed_role_trust_policy(tenant), "trust policy", "trust", role_arn),
        *lint_document(permissions, "permissions policy", "permissions"),
    ]


@pytest.mark.parametrize("tenant", ["acme", "globex", "umbrella"])
def test_rendered_documents_have_no_finding(tenant: str) -> None:
    # ArnEquals on quicksight:IamArn: no MISMATCHED_TYPE_BUT_USABLE (LOW) any more.
    assert [str(f) for f in lint_rendered(fixture_or_example(tenant))] == []


def test_documents_the_program_declares_lint_clean() -> None:
    findings = lint_declared(declare_program(example_tenants()))
    assert [str(f) for f in findings] == []


def test_parliament_knows_every_action_the_embed_role_uses() -> None:
    # If AWS adds an action parliament's snapshot lacks, UNKNOWN_ACTION shows up here first.
    for action in sorted(EMBEDDING_ACTIONS | TRUST_ACTIONS):
        document = {"Version": "2012-10-17", "Statement": [_statement(action)]}
        issues = {f.issue for f in lint_document(document, action, "permissions")}
        assert "UNKNOWN_ACTION" not in issues, action


def _statement(action: str) -> dict[str, str]:
    return {"Effect": "Allow", "Action": action, "Resource": "*"}


def test_trust_policies_are_linted_against_their_role() -> None:
    trust = embed_role_trust_policy(example("acme"))
    # Without the role as Resource, parliament would call every trust statement malformed.
    role_arn = "arn:aws:iam::111122223333:role/qs-embed-acme"
    assert lint_document(trust, "trust", "trust", role_arn) == []


def test_only_assume_role_credentials_exposure_is_accepted_in_trust_policies() -> None:
    exposing = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}],
    }
    issues = {f.issue for f in lint_document(exposing, "identity policy", "permissions")}
    assert "CREDENTIALS_EXPOSURE" in issues
    token = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sts:GetSessionToken", "Resource": "*"}],
    }
    assert "CREDENTIALS_EXPOSURE" in {f.issue for f in lint_document(token, "t", "trust", "*")}


def test_an_over_grant_is_found_and_rated() -> None:
    document = json.loads(policy_json(_statement("iam:PutRolePolicy"), _statement("iam:*")))
    findings = lint_document(document, "bad", "permissions")
    assert any(f.failing for f in findings), [str(f) for f in findings]
    assert all(len(str(f)) < 250 for f in findings)
