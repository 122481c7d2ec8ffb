"""The in-process runner: each run is isolated, and a failed run leaves nothing behind."""

from __future__ import annotations

import gc

import pulumi
import pulumi_aws as aws
import pytest

from infra.offline import run_offline
from infra.offline_mocks import OfflineMocks, UnsupportedResourceError


def _strays() -> None:
    for i in range(3):
        aws.sns.Topic(f"stray{i}")


def test_a_failed_run_leaves_nothing_to_the_next(caplog: pytest.LogCaptureFixture) -> None:
    with pytest.raises(UnsupportedResourceError) as failed:
        run_offline(_strays, OfflineMocks([]))
    notes = getattr(failed.value, "__notes__", [])
    assert all(note.startswith("also failed: stray") for note in notes)
    ok = run_offline(
        lambda: aws.iam.Role("r", name="qs-embed-x", assume_role_policy="{}"), OfflineMocks([])
    )
    assert [r.name for r in ok.resources] == ["r"]
    gc.collect()
    assert "never retrieved" not in caplog.text


def test_config_and_exports_do_not_leak_between_runs() -> None:
    def program() -> str | None:
        pulumi.export("seen", "yes")
        return pulumi.Config().get("tenantsDir")

    first = run_offline(program, OfflineMocks([]), config={"quicksight-embedding:tenantsDir": "x"})
    assert (first.result, first.outputs) == ("x", {"seen": "yes"})
    second = run_offline(lambda: pulumi.Config().get("tenantsDir"), OfflineMocks([]))
    assert (second.result, second.outputs) == (None, {})


def test_program_errors_propagate_unchanged() -> None:
    def program() -> None:
        raise LookupError("boom")

    with pytest.raises(LookupError, match="boom"):
        run_offline(program, OfflineMocks([]))
