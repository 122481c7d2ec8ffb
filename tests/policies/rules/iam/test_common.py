"""The IAM rule set as a whole and its reading of documents (rules/iam/common.py)."""

from __future__ import annotations

import json

import pytest

from policies.resources import (
    MANAGED_POLICY,
    ROLE,
    ROLE_POLICY,
)
from policies.rules import iam
from tests.policies.pack_helpers import (
    allow,
    check,
    example_index,
)
from tests.policies.rules.iam.rule_helpers import (
    NO_WILDCARD_ACTIONS,
    index_with_umbrella,
    rendered_role,
)


@pytest.mark.parametrize("tenant", ["acme", "globex", "umbrella"])
def test_every_iam_rule_accepts_the_rendered_embed_roles(tenant: str) -> None:
    for rule in iam.rules(index_with_umbrella()):
        assert check(rule, ROLE, rendered_role(tenant)) == [], rule.name


def test_unreadable_document_is_refused() -> None:
    [message] = check(NO_WILDCARD_ACTIONS, ROLE_POLICY, {"role": "x", "policy": "{"})
    assert message.startswith("role x policy 'r' is not valid JSON")
    assert message.endswith("it cannot be checked")


def test_levels() -> None:
    levels = {
        r.name: r.enforcement_level.value for r in iam.rules(example_index()) if r.enforcement_level
    }
    assert levels.pop("iam-session-duration-embedding") == "advisory"
    assert levels.pop("iam-trust-other-account-external-id") == "advisory"
    assert set(levels.values()) == {"mandatory"}


def test_documents_given_as_maps_are_read_too() -> None:
    policy = json.loads(allow("quicksight:*"))
    [message] = check(NO_WILDCARD_ACTIONS, MANAGED_POLICY, {"policy": policy, "name": "p"})
    assert message.startswith("managed policy p statement 0: 'quicksight:*'")
