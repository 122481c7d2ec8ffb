"""Seeding what tenant files embed (`sandbox.assets`): once, shared with the tenant's namespace."""

from __future__ import annotations

import pytest

from sandbox import EmulatorSession
from sandbox.assets import seed_embedded_assets
from tests.tenant_files import example

from .conftest import ACCOUNT, NO_RETRIES, REGION

pytestmark = pytest.mark.emulator


def test_dashboards_and_topics_are_seeded_once(admin: EmulatorSession) -> None:
    qs = admin.client("quicksight", config=NO_RETRIES)
    acme = example("acme")
    anonymous = acme.anonymous
    assert anonymous is not None
    with_topic = acme.model_copy(
        update={"anonymous": anonymous.model_copy(update={"topics": ("seeded-topic",)})}
    )
    assert seed_embedded_assets(qs, ACCOUNT, [with_topic]) == 3
    assert seed_embedded_assets(qs, ACCOUNT, [with_topic]) == 0
    dashboard = qs.describe_dashboard(AwsAccountId=ACCOUNT, DashboardId="sales-overview")
    assert dashboard["Dashboard"]["DashboardId"] == "sales-overview"
    assert qs.describe_topic(AwsAccountId=ACCOUNT, TopicId="seeded-topic")["Arn"] == (
        f"arn:aws:quicksight:{REGION}:{ACCOUNT}:topic/seeded-topic"
    )
