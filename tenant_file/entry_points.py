"""The console entry points GetSessionEmbedUrl accepts, and tenant allow-lists of them."""

from __future__ import annotations

import fnmatch
import re

from tenant_file.limits import service_limits

# The seed's documented set: four fixed paths and two kinds of asset path.
FIXED_ENTRY_POINTS = ("/start", "/start/analyses", "/start/dashboards", "/start/favorites")
ASSET_PREFIXES = ("/dashboards/", "/analyses/")
ALLOWED_DESCRIPTION = (
    "one of /start, /start/analyses, /start/dashboards, /start/favorites, "
    "/dashboards/<DashboardId>, /analyses/<AnalysisId>"
)


def entry_point_problem(path: str) -> str | None:
    """Say why `path` is not an entry point GetSessionEmbedUrl accepts, or None."""
    limits = service_limits()
    length = limits.entry_point.check(path)
    if length is not None:
        return length
    if path in FIXED_ENTRY_POINTS:
        return None
    for prefix in ASSET_PREFIXES:
        if path.startswith(prefix):
            asset_id = path[len(prefix) :]
            if limits.resource_id.check(asset_id) is None and re.fullmatch(r"[\w-]+", asset_id):
                return None
            return f"has an asset id that is not {limits.resource_id.pattern}"
    return f"is not {ALLOWED_DESCRIPTION}"


def allow_list_pattern_problem(pattern: str) -> str | None:
    """An allow-list entry is an entry point, or one whose asset id is a `*` glob."""
    if pattern.startswith(ASSET_PREFIXES) and "*" in pattern:
        return entry_point_problem(pattern.replace("*", "x"))
    if "*" in pattern or "?" in pattern or "[" in pattern:
        return "may use * only in the asset id of /dashboards/* or /analyses/*"
    return entry_point_problem(pattern)


def is_allowed(path: str, allow_list: tuple[str, ...] | None) -> bool:
    """True when the tenant's allow-list (None: everything valid) admits `path`."""
    if allow_list is None:
        return True
    return any(fnmatch.fnmatchcase(path, pattern) for pattern in allow_list)
