"""`tenant_file.entry_points`: the console paths GetSessionEmbedUrl accepts (the fixed four and
the two asset kinds, ids by botocore's model), allow-list entries with a `*` only in the asset
id, and how a tenant's allow-list admits a path."""

from __future__ import annotations

import pytest

from tenant_file.entry_points import (
    ALLOWED_DESCRIPTION,
    FIXED_ENTRY_POINTS,
    allow_list_pattern_problem,
    entry_point_problem,
    is_allowed,
)
from tenant_file.limits import service_limits


@pytest.mark.parametrize(
    "path", [*FIXED_ENTRY_POINTS, "/dashboards/sales-overview", "/analyses/a_1"]
)
def test_the_documented_entry_points_are_accepted(path: str) -> None:
    assert entry_point_problem(path) is None


@pytest.mark.parametrize(
    "path", ["/start/", "/Start", "/dashboards", "/start/analyses/x", "start", "/topics/t1"]
)
def test_anything_else_is_refused_saying_what_is_accepted(path: str) -> None:
    assert entry_point_problem(path) == f"is not {ALLOWED_DESCRIPTION}"


@pytest.mark.parametrize("asset_id", ["", "a b", "a/b", "a.b", "ä"])
def test_an_asset_id_outside_the_model_is_refused(asset_id: str) -> None:
    problem = entry_point_problem(f"/dashboards/{asset_id}")
    assert problem is not None
    assert problem.startswith("has an asset id that is not")


def test_the_models_asset_id_length_is_the_edge() -> None:
    longest = service_limits().resource_id.max_length
    assert longest is not None
    assert entry_point_problem("/dashboards/" + "d" * longest) is None
    assert entry_point_problem("/dashboards/" + "d" * (longest + 1)) is not None


@pytest.mark.parametrize("pattern", ["/dashboards/*", "/analyses/sales-*", "/start"])
def test_an_allow_list_entry_is_an_entry_point_or_a_glob_in_the_asset_id(pattern: str) -> None:
    assert allow_list_pattern_problem(pattern) is None


@pytest.mark.parametrize("pattern", ["/start/*", "/*", "/dashboards/[ab]", "/start?"])
def test_a_glob_outside_the_asset_id_is_refused(pattern: str) -> None:
    assert allow_list_pattern_problem(pattern) == (
        "may use * only in the asset id of /dashboards/* or /analyses/*"
    )


def test_a_glob_whose_asset_id_could_never_match_is_refused() -> None:
    problem = allow_list_pattern_problem("/dashboards/a b*")
    assert problem is not None
    assert "asset id" in problem


def test_an_allow_list_admits_exact_paths_and_asset_globs_case_sensitively() -> None:
    allow = ("/start", "/dashboards/sales-*")
    assert is_allowed("/start", allow)
    assert is_allowed("/dashboards/sales-eu", allow)
    assert not is_allowed("/dashboards/Sales-eu", allow)
    assert not is_allowed("/start/dashboards", allow)
    assert not is_allowed("/start", ())
    assert is_allowed("/start/favorites", None), "no allow-list: every valid entry point"
