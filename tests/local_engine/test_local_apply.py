"""Applying tenants to an emulator in one call, through the strict local engine."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from local_engine.local_apply import apply_locally, engine_up
from local_engine.state import LocalState
from tenant_file.config import TenantConfig
from tenant_file.errors import ConfigError
from tests.tenant_files import example

pytestmark = pytest.mark.emulator

sandbox = pytest.importorskip("sandbox")


@pytest.fixture(scope="module")
def acme() -> TenantConfig:
    return example("acme")


@pytest.fixture(scope="module")
def state() -> LocalState:
    """One in-memory stack, kept across this module's tests."""
    return LocalState()


@pytest.fixture(scope="module")
def applied(emulator: Any, acme: TenantConfig, state: LocalState) -> Any:
    return apply_locally([acme], emulator.admin_session(), state=state)


def test_apply_returns_the_programs_run_and_fills_the_state(
    emulator: Any, applied: Any, state: LocalState
) -> None:
    outputs = applied.outputs["acme"]
    assert outputs["embedRoleArn"] == "arn:aws:iam::111122223333:role/qs-embed-acme"
    assert len(state.resources) > 0
    iam = emulator.admin_session().client("iam")
    assert iam.get_role(RoleName="qs-embed-acme")["Role"]["Arn"] == outputs["embedRoleArn"]


def test_applying_again_over_the_state_changes_nothing(
    emulator: Any, applied: Any, acme: TenantConfig, state: LocalState
) -> None:
    result = engine_up([(Path("acme.yaml"), acme)], emulator.admin_session(), state=state)
    assert result.changes == []
    assert result.unchanged == len(state.resources)
    assert result.run is not None
    assert result.run.outputs == applied.outputs


def test_without_the_state_each_call_is_a_fresh_stack_and_is_refused(
    emulator: Any, applied: Any, acme: TenantConfig
) -> None:
    """What exists and was not adopted is refused, as `pulumi up` on a new stack would be."""
    with pytest.raises(ConfigError) as refused:
        apply_locally([acme], emulator.admin_session())
    assert any("IAM role qs-embed-acme" in str(p) for p in refused.value.problems)
