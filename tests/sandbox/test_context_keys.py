"""Which condition keys a request holds, which are absent, and which the emulator cannot judge."""

from __future__ import annotations

import pytest

from sandbox.context_keys import ABSENT_GLOBAL_KEYS, COMPUTED_GLOBAL_KEYS, unmodelled_keys


@pytest.mark.parametrize("key", ["aws:principalarn", "aws:sourceip", "aws:principaltag/team"])
def test_a_computed_global_key_missing_from_the_context_is_absent(key: str) -> None:
    assert unmodelled_keys("sts", "AssumeRole", set())(key) is None


@pytest.mark.parametrize("key", sorted(ABSENT_GLOBAL_KEYS))
def test_a_key_absent_on_aws_for_these_callers_is_absent(key: str) -> None:
    assert unmodelled_keys("quicksight", "DescribeDashboard", set())(key) is None


def test_a_global_key_the_emulator_does_not_compute_is_refused() -> None:
    why = unmodelled_keys("sts", "AssumeRole", set())
    assert why("aws:tokenissuetime") == "a global key the emulator does not compute"
    assert "aws:tokenissuetime" not in COMPUTED_GLOBAL_KEYS | ABSENT_GLOBAL_KEYS


def test_an_action_the_sar_does_not_list_cannot_judge_request_keys() -> None:
    why = unmodelled_keys("quicksight", "NoSuchAction", set())
    assert why("aws:requesttag/team") == (
        "quicksight:NoSuchAction is not in the Service Authorization Reference"
    )
    assert why("aws:principalarn") is None, "a computed global key needs no SAR entry"


def test_a_listed_service_key_is_refused_until_the_emulator_computes_it() -> None:
    key = "quicksight:allowedembeddingdomains"
    action = ("quicksight", "GenerateEmbedUrlForRegisteredUser")
    assert unmodelled_keys(*action, set())(key) == (
        "listed for quicksight:GenerateEmbedUrlForRegisteredUser by the SAR, "
        "not computed by the emulator"
    )
    assert unmodelled_keys(*action, {key})(key) is None


def test_a_known_prefix_covers_every_key_under_it() -> None:
    why = unmodelled_keys("quicksight", "TagResource", {"aws:requesttag/"})
    assert why("aws:requesttag/team") is None
    assert unmodelled_keys("quicksight", "TagResource", set())("aws:requesttag/team") is not None


def test_a_key_of_another_service_is_not_in_this_request() -> None:
    assert unmodelled_keys("sts", "AssumeRole", set())("quicksight:userarn") is None
