"""Seed the dashboards and Q topics the tenant files name, so the emulator can embed them.

The platform's stack does not create dashboards (authors do, in QuickSight); on the emulator
the demo and the local portal create the ones the files list, as an admin would: each
registered users' dashboard shared with the tenant's namespace (every user of it), each
anonymous dashboard and topic as it is. Idempotent: what exists is left as it is.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tenant_file.config import TenantConfig
from tenant_file.names import partition_for_region, quicksight_asset_arn


def seed_embedded_assets(quicksight: Any, account_id: str, tenants: Iterable[TenantConfig]) -> int:
    """Create what `tenants` embed with the admin's `quicksight` client; how many were made."""
    made = 0
    for tenant in tenants:

        def arn(kind: str, name: str, t: TenantConfig = tenant) -> str:
            partition = partition_for_region(t.region)
            return quicksight_asset_arn(partition, t.region, account_id, kind, name)

        readers = [arn("namespace", tenant.namespace)]
        anonymous = tenant.anonymous
        dashboards = [*tenant.embedding.dashboards, *(anonymous.dashboards if anonymous else ())]
        for dashboard in dict.fromkeys(dashboards):
            made += _dashboard(quicksight, account_id, dashboard, readers, arn)
        for topic in anonymous.topics if anonymous else ():
            made += _topic(quicksight, account_id, topic)
    return made


def _dashboard(qs: Any, account_id: str, dashboard: str, readers: list[str], arn: Any) -> int:
    try:
        qs.describe_dashboard(AwsAccountId=account_id, DashboardId=dashboard)
        return 0
    except qs.exceptions.ResourceNotFoundException:
        pass
    qs.create_dashboard(
        AwsAccountId=account_id,
        DashboardId=dashboard,
        Name=dashboard,
        SourceEntity={
            "SourceTemplate": {
                "DataSetReferences": [
                    {"DataSetPlaceholder": "demo", "DataSetArn": arn("dataset", "demo")}
                ],
                "Arn": arn("template", "demo"),
            }
        },
        Permissions=[
            {"Principal": r, "Actions": ["quicksight:DescribeDashboard"]} for r in readers
        ],
    )
    return 1


def _topic(qs: Any, account_id: str, topic: str) -> int:
    try:
        qs.describe_topic(AwsAccountId=account_id, TopicId=topic)
        return 0
    except qs.exceptions.ResourceNotFoundException:
        pass
    qs.create_topic(AwsAccountId=account_id, TopicId=topic, Topic={"Name": topic})
    return 1
