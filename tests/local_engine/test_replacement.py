"""`local_engine.replacement`: which property changes replace a resource, as the provider's
schemas say (each row cites its terraform-provider-aws file), and the one diff type."""

from __future__ import annotations

import pytest

from local_engine.replacement import REPLACE_ON, diff_properties
from policies.resources import QS_CUSTOM_PERMISSIONS, QS_NAMESPACE, QS_USER, ROLE, ROLE_POLICY


def test_replacement_rules_cite_their_source_and_match_the_review() -> None:
    assert all("terraform-provider-aws" in rule.source for rule in REPLACE_ON.values())
    # pulumi-aws's User replaces on a role edit: the reason users are a dynamic resource.
    assert "userRole" in REPLACE_ON[QS_USER].replaces
    assert diff_properties(ROLE, {"name": "a", "maxSessionDuration": 3600}, {"name": "b"}).replace
    edit = diff_properties(
        ROLE, {"name": "a", "assumeRolePolicy": "x"}, {"name": "a", "assumeRolePolicy": "y"}
    )
    assert (edit.changed, edit.replace) == (("assumeRolePolicy",), False)
    capabilities = diff_properties(
        QS_CUSTOM_PERMISSIONS,
        {"customPermissionsName": "p", "capabilities": {"exportToCsv": "DENY"}},
        {"customPermissionsName": "p", "capabilities": {"printReports": "DENY"}},
    )
    assert not capabilities.replace


def test_a_property_added_or_removed_is_a_change_and_changes_are_sorted() -> None:
    diff = diff_properties(
        ROLE_POLICY, {"role": "r", "policy": "p", "name": "n"}, {"role": "r2", "policy": "q"}
    )
    assert diff.changed == ("name", "policy", "role")
    assert diff.replaces == ("name", "role")


def test_nothing_changed_is_an_empty_diff() -> None:
    same = {"namespace": "acme", "identityStore": "QUICKSIGHT"}
    diff = diff_properties(QS_NAMESPACE, same, dict(same))
    assert (diff.changed, diff.replace) == ((), False)


def test_a_regional_resource_replaces_when_its_region_moves_a_global_one_does_not() -> None:
    assert diff_properties(QS_NAMESPACE, {"region": "us-east-1"}, {"region": "eu-west-1"}).replace
    assert not diff_properties(ROLE, {"region": "us-east-1"}, {"region": "eu-west-1"}).replace


def test_a_type_without_rules_is_refused_not_diffed_as_in_place() -> None:
    with pytest.raises(KeyError, match="no replacement rules for aws:s3/bucket:Bucket"):
        diff_properties("aws:s3/bucket:Bucket", {}, {"bucket": "b"})
