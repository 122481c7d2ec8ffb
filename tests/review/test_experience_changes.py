"""`check --base` lines for experiences, dashboards and anonymous readers."""

from __future__ import annotations

from typing import Any

from review.changes import tenant_changes
from tenant_file.config import TenantConfig
from tests.policies.pack_helpers import example, variant

SECRET = "acme-pinned-value"


def changes(before: TenantConfig, after: TenantConfig) -> list[str]:
    return [str(c) for c in tenant_changes({before.tenant: before}, [after])]


def acme_with(embedding: dict[str, Any] | None = None, **top: Any) -> TenantConfig:
    data = example("acme").model_dump(mode="python")
    return variant("acme", embedding={**data["embedding"], **(embedding or {})}, **top)


ANON = {
    "dashboards": ["public-kpis"],
    "session_tags": {"keys": ["region"], "fixed": {"tenant_id": SECRET}},
}


def test_experiences_and_dashboards_widening_is_review_narrowing_is_change() -> None:
    before = acme_with({"experiences": ["console"], "dashboards": []}, anonymous=None)
    after = acme_with(
        {"experiences": ["console", "dashboard"], "dashboards": ["sales", "ops"]}, anonymous=None
    )
    assert changes(before, after) == [
        "review acme: experience dashboard added: registered users may now open it",
        "review acme: dashboard ops added: registered users may now open it (embedding.dashboards)",
        "review acme: dashboard sales added: registered users may now open it "
        "(embedding.dashboards)",
    ]
    assert changes(after, before) == [
        "change acme: experience dashboard removed",
        "change acme: dashboard ops removed",
        "change acme: dashboard sales removed",
    ]


def test_anonymous_readers_enabled_and_disabled() -> None:
    without = acme_with(anonymous=None)
    with_ = acme_with(anonymous=ANON)
    assert changes(without, with_) == [
        "review acme: anonymous readers enabled: readers without a QuickSight user may open "
        "public-kpis (the embed role may mint them in namespace acme)",
        "review acme: anonymous dashboard public-kpis added: anonymous readers may now open it",
        "review acme: session tag key region added: the app may now set it for each anonymous "
        "reader",
        "change acme: fixed session tag tenant_id added (value not shown)",
    ]
    assert changes(with_, without) == [
        "change acme: anonymous readers disabled: the embed role can no longer mint for them"
    ]


def test_a_dashboard_or_tag_added_or_removed_is_one_line_and_values_never_show() -> None:
    before = acme_with(anonymous=ANON)
    after = acme_with(
        anonymous={
            "dashboards": ["public-kpis", "ops-board"],
            "topics": ["kpi-q"],
            "session_tags": {"keys": ["region", "tenant_id"], "fixed": {"tier": "gold"}},
        }
    )
    lines = changes(before, after)
    assert lines == [
        "review acme: anonymous dashboard ops-board added: anonymous readers may now open it",
        "review acme: anonymous topic kpi-q added: anonymous readers may now open it",
        "review acme: session tag key tenant_id added: the app may now set it for each "
        "anonymous reader",
        "review acme: fixed session tag tenant_id removed: the file no longer pins it; the app "
        "may now set it",
        "change acme: fixed session tag tier added (value not shown)",
    ]
    assert not any(SECRET in line or "gold" in line for line in lines)


def test_a_fixed_value_changed_is_review_without_the_values() -> None:
    before = acme_with(anonymous=ANON)
    tags = {"keys": ["region"], "fixed": {"tenant_id": "other-tenant"}}
    after = acme_with(anonymous={**ANON, "session_tags": tags})
    [line] = changes(before, after)
    assert line == (
        "review acme: fixed session tag tenant_id changed (value not shown): anonymous readers "
        "now see the rows of the new value"
    )
    assert SECRET not in line
    assert "other-tenant" not in line
