"""`--local-setup` on a long-lived emulator (issue 20, item 7): a second start of the portal,
and a start after `qs-embed local up`, find the tenants applied and change nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from examples.portal.local import prepare, seed_dashboards
from local_engine.local_apply import engine_up
from local_engine.state import LocalState
from tenant_file.loader import load_tenants
from tests.emulators import emulator_fixture
from tests.tenant_files import EXAMPLES

pytestmark = pytest.mark.emulator

sandbox = pytest.importorskip("sandbox")


emulator = emulator_fixture(scope="function")


def test_local_setup_works_on_a_second_start(emulator: Any, tmp_path: Path) -> None:
    tenants = load_tenants([EXAMPLES])
    state = tmp_path / "state.json"
    first = prepare(tenants, emulator.admin_session(), emulator.endpoint_url, state)
    second = prepare(tenants, emulator.admin_session(), emulator.endpoint_url, state)
    assert set(first) == set(second) == {"acme", "globex"}
    assert len(LocalState.load(state).resources) == 15


def test_local_setup_works_after_local_up(emulator: Any, tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    loaded = [(EXAMPLES / f"{t.tenant}.yaml", t) for t in load_tenants([EXAMPLES])]
    engine_up(loaded, emulator.admin_session(), state=LocalState.load(state))
    sessions = prepare(
        [t for _, t in loaded], emulator.admin_session(), emulator.endpoint_url, state
    )
    assert set(sessions) == {"acme", "globex"}


def test_local_setup_seeds_the_dashboards_the_files_name(emulator: Any, tmp_path: Path) -> None:
    """Issue 22: the portal's local set-up made no dashboard, so none could be embedded."""
    tenants = load_tenants([EXAMPLES])
    state = tmp_path / "state.json"
    prepare(tenants, emulator.admin_session(), emulator.endpoint_url, state)
    qs = emulator.admin_session().client("quicksight")
    named = {d for t in tenants for d in t.embedding.dashboards}
    named |= {d for t in tenants if t.anonymous for d in t.anonymous.dashboards}
    assert named == {"sales-overview", "public-kpis"}
    for dashboard in named:
        found = qs.describe_dashboard(AwsAccountId=emulator.account_id, DashboardId=dashboard)
        assert found["Dashboard"]["DashboardId"] == dashboard
    again = seed_dashboards(tenants, emulator.admin_session(), emulator.endpoint_url)
    assert again == 0, "a second start creates nothing"
