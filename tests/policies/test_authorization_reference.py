"""`policies.authorization_reference`: which IAM actions have a resource type, read from the
Service Authorization Reference that parliament ships."""

from __future__ import annotations

import pytest

from policies.action_wildcards import resource_types
from policies.authorization_reference import action_resource_types


def test_resource_type_facts_match_the_reference() -> None:
    types = action_resource_types("quicksight")
    assert types["quicksight:GetSessionEmbedUrl"] == frozenset()
    for action in ("GetAuthCode", "GenerateEmbedUrlForRegisteredUser", "RegisterUser"):
        assert types[f"quicksight:{action}"] == {"user"}
    assert resource_types("QUICKSIGHT:getauthcode") == frozenset({"user"})
    assert resource_types("quicksight:NoSuchAction") is None
    with pytest.raises(KeyError):
        action_resource_types("no-such-service")


def test_every_action_of_a_service_is_listed_under_its_prefix() -> None:
    types = action_resource_types("quicksight")
    assert all(action.startswith("quicksight:") for action in types)
    assert "quicksight:GenerateEmbedUrlForAnonymousUser" in types
    assert types["quicksight:CreateNamespace"] == {"namespace"}
    assert action_resource_types("quicksight") is types, "read once (cached)"
