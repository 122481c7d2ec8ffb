"""What an action wildcard really grants, over AWS's IAM definition and botocore's models."""

from __future__ import annotations

import botocore.session
import pytest

from policies.action_wildcards import (
    EMBEDDING_ACTIONS,
    TRUST_ACTIONS,
    expand,
    is_wildcard,
    known_actions,
    resource_types,
    service_of,
)


@pytest.mark.parametrize(
    ("action", "wildcard"),
    [
        ("quicksight:Get*", True),
        ("quicksight:GetAuthCod?", True),
        ("*", True),
        ("quicksight:GetAuthCode", False),
        ("sts:AssumeRole", False),
    ],
)
def test_is_wildcard(action: str, wildcard: bool) -> None:
    assert is_wildcard(action) is wildcard


def test_service_of_is_lower_case() -> None:
    assert service_of("QuickSight:GetAuthCode") == "quicksight"
    assert service_of("*") == "*"


def test_expand_matches_case_insensitively_and_only_whole_names() -> None:
    assert expand("quicksight:GetSessionEmbed*") == {"quicksight:GetSessionEmbedUrl"}
    assert expand("QUICKSIGHT:getauthcod?") == {"quicksight:GetAuthCode"}
    # `?` is exactly one character: one step past the name matches nothing.
    assert expand("quicksight:GetAuthCode?") == frozenset()
    assert expand("sts:AssumeRol?") == {"sts:AssumeRole"}
    assert expand("quicksight:NoSuch*") == frozenset()


def test_quicksight_star_reaches_every_known_action_beyond_embedding() -> None:
    everything = expand("quicksight:*")
    assert everything == known_actions("quicksight")
    assert everything > EMBEDDING_ACTIONS
    assert {"quicksight:DeleteUser", "quicksight:UpdateUser"} <= everything
    assert expand("sts:Assume*") > TRUST_ACTIONS


def test_known_actions_are_widened_by_botocores_operations() -> None:
    model = botocore.session.get_session().get_service_model("quicksight")
    assert {f"quicksight:{op}" for op in model.operation_names} <= known_actions("quicksight")
    assert known_actions("nosuchservice") == frozenset()


def test_resource_types() -> None:
    assert resource_types("quicksight:GetSessionEmbedUrl") == frozenset()  # "*" required
    assert resource_types("QuickSight:getauthcode") == frozenset({"user"})
    assert resource_types("quicksight:MintEverything") is None
    assert resource_types("nosuchservice:Anything") is None
