"""Facts about the QuickSight API read from botocore's model
(``sandbox.quicksight.botocore_model``)."""

from __future__ import annotations

from sandbox.quicksight.botocore_model import (
    capability_names,
    check_member,
    is_console_entry_point,
    limits,
    path_prefixes,
    service_model,
)


def test_entry_points() -> None:
    good = ["/start", "/start/favorites", "/dashboards/abc-1_2", "/analyses/x"]
    bad = ["/", "/start/", "/start/admin", "/dashboards/", "/dashboards/a/b", "/dashboards/a b"]
    assert all(is_console_entry_point(value) for value in good)
    assert not any(is_console_entry_point(value) for value in bad)


def test_limits_and_patterns_come_from_botocore() -> None:
    assert limits("GetSessionEmbedUrl", "SessionLifetimeInMinutes") == (15, 600)
    assert check_member("CreateCustomPermissions", "CustomPermissionsName", "ok.name@x") is None
    assert check_member("CreateCustomPermissions", "CustomPermissionsName", "no spaces")
    assert check_member("CreateNamespace", "Namespace", "x" * 65)
    assert check_member("RegisterUser", "UserRole", "OWNER")
    assert {"ExportToCsv", "ShareDashboards"} <= capability_names()


def test_every_quicksight_path_has_a_prefix_and_no_iam_or_sts_path_does() -> None:
    prefixes = path_prefixes()
    model = service_model()
    for name in model.operation_names:
        assert model.operation_model(name).http["requestUri"].startswith(prefixes), name
    assert "/accounts/" in prefixes
    for service in ("iam", "sts"):
        other = service_model(service)
        for name in other.operation_names:
            assert not other.operation_model(name).http["requestUri"].startswith(prefixes)
