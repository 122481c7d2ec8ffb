"""The embedding operations' inputs, checked as botocore's model and QuickSight read them."""

from __future__ import annotations

from typing import Any

import pytest

from sandbox.quicksight.embed_inputs import (
    DEFAULT_ENTRY_POINT,
    Experience,
    allowed_domains,
    parse_experience,
    session_tags,
)
from sandbox.quicksight.exceptions import QuickSightError


@pytest.mark.parametrize(
    ("configuration", "anonymous", "expected"),
    [
        ({"QuickSightConsole": {}}, False, Experience("QuickSightConsole", DEFAULT_ENTRY_POINT)),
        (
            {"Dashboard": {"InitialDashboardId": "d-1"}},
            True,
            Experience("Dashboard", "/dashboards/d-1", dashboard="d-1"),
        ),
        (
            {
                "DashboardVisual": {
                    "InitialDashboardVisualId": {
                        "DashboardId": "d",
                        "SheetId": "s",
                        "VisualId": "v",
                    }
                }
            },
            True,
            Experience("DashboardVisual", "/dashboards/d/sheets/s/visuals/v", dashboard="d"),
        ),
        ({"QSearchBar": {}}, False, Experience("QSearchBar", "/q")),
        (
            {"GenerativeQnA": {"InitialTopicId": "t_1"}},
            True,
            Experience("GenerativeQnA", "/generative-qna/t_1", topic="t_1"),
        ),
    ],
)
def test_each_experience_opens_at_its_path(
    configuration: dict[str, Any], anonymous: bool, expected: Experience
) -> None:
    assert parse_experience(configuration, anonymous=anonymous) == expected


@pytest.mark.parametrize(
    ("configuration", "anonymous", "message"),
    [
        ({}, False, "must name exactly one experience"),
        ({"Dashboard": {"InitialDashboardId": "d"}, "QSearchBar": {}}, False, "exactly one"),
        ({"Dashboard": ["d"]}, False, "Dashboard must be an object"),
        ({"QuickSightConsole": {}}, True, "allowed: Dashboard, DashboardVisual"),
        ({"QuickSightConsole": {"InitialPath": "/etc"}}, False, "not a console entry point"),
        ({"Dashboard": {"InitialDashboardId": "d/../x"}}, False, "InitialDashboardId must be"),
        ({"Dashboard": {"InitialDashboardId": "dé"}}, False, "ASCII letters"),
        ({"Dashboard": {"InitialDashboardId": "d" * 513}}, False, "InitialDashboardId"),
        ({"DashboardVisual": {"InitialDashboardVisualId": "d"}}, False, "must be an object"),
        ({"QSearchBar": {}}, True, "QSearchBar.InitialTopicId"),
        ({"Sheet": {}}, False, "Sheet is not embedded here; allowed: QuickSightConsole"),
    ],
)
def test_a_bad_experience_is_refused_naming_where(
    configuration: dict[str, Any], anonymous: bool, message: str
) -> None:
    with pytest.raises(QuickSightError, match=message) as raised:
        parse_experience(configuration, anonymous=anonymous)
    assert raised.value.code == "InvalidParameterValueException"


def test_a_dashboard_id_at_the_length_limit_is_accepted() -> None:
    configuration = {"Dashboard": {"InitialDashboardId": "d" * 512}}
    assert parse_experience(configuration, anonymous=False).dashboard == "d" * 512


def test_allowed_domains_are_strings() -> None:
    assert allowed_domains({}) == ()
    assert allowed_domains({"AllowedDomains": ["https://a.example"]}) == ("https://a.example",)
    with pytest.raises(QuickSightError, match="AllowedDomains must be a list"):
        allowed_domains({"AllowedDomains": ["https://a.example", 3]})


def test_session_tags_keep_one_value_per_key() -> None:
    assert session_tags(None) == ()
    tags = [{"Key": "tenant", "Value": "acme"}, {"Key": "region", "Value": "eu"}]
    assert session_tags(tags) == (("tenant", "acme"), ("region", "eu"))


@pytest.mark.parametrize(
    ("tags", "message"),
    [
        ([], r"SessionTags must list 1\.\.50 tags"),
        ([{"Key": f"k{i}", "Value": "v"} for i in range(51)], r"1\.\.50"),
        ([{"Key": "", "Value": "v"}], r"SessionTags\[0\]\.Key must be 1\.\.128"),
        ([{"Key": "k" * 129, "Value": "v"}], r"SessionTags\[0\]\.Key"),
        ([{"Key": "tenant", "Value": "s" * 257}], r"SessionTags\[0\]\.Value \(tenant\)"),
        ([{"Key": "a", "Value": "1"}, {"Key": "a", "Value": "2"}], r"the key a is given twice"),
        (["tenant=acme"], r"SessionTags\[0\]\.Key"),
    ],
)
def test_bad_session_tags_are_refused_never_quoting_a_value(tags: list[Any], message: str) -> None:
    with pytest.raises(QuickSightError, match=message) as raised:
        session_tags(tags)
    assert "s" * 257 not in str(raised.value)
