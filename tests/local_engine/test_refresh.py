"""The local engine refreshes its state from AWS before it diffs (`pulumi up --refresh`): what
is gone is created again, what was changed in the console is put back, each said, old -> new;
`--preview` changes nothing. Issue 20, items 5 and 7."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from infra.quicksight_user import QuickSightUserProvider
from local_engine.engine_resources import Clients
from policies.shards import shard_of
from tenant_file.errors import ConfigError
from tests.emulators import emulator_fixture
from tests.local_engine.engine_world import (
    ACCOUNT,
    NO_RETRIES,
    Run,
    lean,
    loaded,
    namespace,
    role,
    role_policy,
    user,
)

pytestmark = pytest.mark.emulator

sandbox = pytest.importorskip("sandbox")


emulator = emulator_fixture(scope="function")


def restarted(emulator: Any) -> Any:
    """The emulator stopped and started again on its port: what it held is gone."""
    port = emulator.port
    emulator.stop()
    return sandbox.Emulator(port=port).start()


def test_up_after_the_emulator_restarted_creates_again_and_says_why(
    emulator: Any, tmp_path: Path
) -> None:
    tenants = loaded(tmp_path / "tenants", lean("rst"))
    Run(emulator, tmp_path / "state.json").engine().up(tenants)
    emulator = restarted(emulator)
    try:
        run = Run(emulator, tmp_path / "state.json")
        result = run.engine().up(tenants)
        assert run.ops().count("gone") == 4, run.lines
        assert "not found in AWS" in run.lines[0]
        assert [c.op for c in result.changes].count("create") == 4
        assert "4 found gone" in result.summary()
        assert user(emulator, "rst", "ann") is not None
        assert role_policy(emulator, "qs-embed-rst") is not None
    finally:
        emulator.stop()


def test_destroy_after_a_restart_does_not_report_deleting_what_was_never_there(
    emulator: Any, tmp_path: Path
) -> None:
    tenants = loaded(tmp_path / "tenants", lean("gone", retain_users_on_delete=False))
    Run(emulator, tmp_path / "state.json").engine().up(tenants)
    emulator = restarted(emulator)
    try:
        run = Run(emulator, tmp_path / "state.json")
        result = run.engine().destroy()
        assert [c.op for c in result.changes] == ["gone"] * 4, run.lines
        assert not Run(emulator, tmp_path / "state.json").engine().state.resources
    finally:
        emulator.stop()


def test_a_user_changed_in_the_console_is_read_live_and_put_back_old_to_new(
    emulator: Any, tmp_path: Path
) -> None:
    tenants = loaded(tmp_path / "tenants", lean("drift"))
    run = Run(emulator, tmp_path / "state.json")
    run.engine().up(tenants)
    qs = emulator.admin_session().client("quicksight", config=NO_RETRIES)
    key = {"AwsAccountId": ACCOUNT, "Namespace": "drift", "UserName": "ann"}
    qs.update_user(**key, Email="mallory@evil.example", Role="ADMIN")

    state = run.engine().state
    stored = next(r for r in state.resources.values() if r.name == "drift.user.ann")
    provider = QuickSightUserProvider(Clients(emulator.admin_session()))
    live = provider.read(stored.id, {**stored.inputs, **stored.outputs}).outs or {}
    assert (live["email"], live["userRole"]) == ("mallory@evil.example", "ADMIN")

    result = run.engine().up(tenants)
    drift = next(line for line in run.lines if " drift " in line)
    assert "email: ann@x.example → mallory@evil.example" in drift
    update = next(c for c in result.changes if c.op == "update")
    assert "email: mallory@evil.example → ann@x.example" in update.detail
    assert "userRole: ADMIN → AUTHOR" in update.detail
    found = user(emulator, "drift", "ann")
    assert found is not None
    assert (found["Email"], found["Role"]) == ("ann@x.example", "AUTHOR")


def test_a_profile_lifted_in_the_console_is_put_back(emulator: Any, tmp_path: Path) -> None:
    data = lean("lift", permission_profiles={"analyst": {"deny": ["ExportToCsv"]}})
    data["users"][0]["profile"] = "analyst"
    tenants = loaded(tmp_path / "tenants", data)
    run = Run(emulator, tmp_path / "state.json")
    run.engine().up(tenants)
    qs = emulator.admin_session().client("quicksight", config=NO_RETRIES)
    qs.delete_user_custom_permission(AwsAccountId=ACCOUNT, Namespace="lift", UserName="ann")

    result = run.engine().up(tenants)
    update = next(c for c in result.changes if c.op == "update")
    assert "customPermissionsName: (none) → lift-analyst" in update.detail
    found = user(emulator, "lift", "ann")
    assert found is not None
    assert found.get("CustomPermissionsName") == "lift-analyst"


def test_a_trust_policy_edited_in_the_console_is_put_back_without_showing_it(
    emulator: Any, tmp_path: Path
) -> None:
    data = lean("trust")
    data["embedding"]["external_id"] = "trust-ext-1234"
    tenants = loaded(tmp_path / "tenants", data)
    run = Run(emulator, tmp_path / "state.json")
    run.engine().up(tenants)
    iam = emulator.admin_session().client("iam", config=NO_RETRIES)
    before = role(emulator, "qs-embed-trust")
    assert before is not None
    widened = (
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole",'
        '"Principal":{"AWS":"arn:aws:iam::111122223333:root"}}]}'
    )
    iam.update_assume_role_policy(RoleName="qs-embed-trust", PolicyDocument=widened)

    result = run.engine().up(tenants)
    assert any(" drift " in line and "[secret]" in line for line in run.lines), run.lines
    assert not any("trust-ext-1234" in line for line in run.lines)
    assert [c.op for c in result.changes].count("update") == 1
    after = role(emulator, "qs-embed-trust")
    assert after is not None
    assert after["AssumeRolePolicyDocument"] == before["AssumeRolePolicyDocument"]


def test_an_unchanged_world_is_unchanged_after_refresh(emulator: Any, tmp_path: Path) -> None:
    data = lean("calm", permission_profiles={"analyst": {"deny": ["ExportToCsv"]}})
    data["users"][0]["profile"] = "analyst"
    data["embedding"]["external_id"] = "calm-ext-1234"
    tenants = loaded(tmp_path / "tenants", data)
    run = Run(emulator, tmp_path / "state.json")
    run.engine().up(tenants)
    result = run.engine().up(tenants)
    assert result.changes == [], run.lines
    assert result.unchanged == 5


def test_preview_shows_old_to_new_and_changes_nothing(emulator: Any, tmp_path: Path) -> None:
    directory = tmp_path / "tenants"
    run = Run(emulator, tmp_path / "state.json")
    run.engine().up(loaded(directory, lean("peek")))
    saved = (tmp_path / "state.json").read_bytes()
    edited = lean("peek")
    edited["users"][0]["email"] = "ann@new.example"
    edited["users"].append({"name": "bob", "email": "bob@x.example", "role": "AUTHOR"})
    qs = emulator.admin_session().client("quicksight", config=NO_RETRIES)
    qs.update_user(AwsAccountId=ACCOUNT, Namespace="peek", UserName="ann", Email="x@x.example"
                   , Role="AUTHOR")  # fmt: skip

    result = run.engine().up(loaded(directory, edited), preview=True)
    assert result.preview
    assert "would be: " in result.summary()
    update = next(c for c in result.changes if c.name == "peek.user.ann" and c.op == "update")
    assert update.detail == "email: x@x.example → ann@new.example"
    assert any(c.op == "create" and c.name == "peek.user.bob" for c in result.changes)
    assert (tmp_path / "state.json").read_bytes() == saved
    assert not (tmp_path / "state.json.journal").exists()
    assert user(emulator, "peek", "bob") is None
    found = user(emulator, "peek", "ann")
    assert found is not None
    assert found["Email"] == "x@x.example"


def _two_shards() -> tuple[str, str]:
    names = [f"sh{i}" for i in range(20)]
    first = next(n for n in names if shard_of(n, 2) == 0)
    return first, next(n for n in names if shard_of(n, 2) == 1)


def test_a_shard_run_on_an_unsharded_state_is_refused_naming_both(
    emulator: Any, tmp_path: Path
) -> None:
    zero, one = _two_shards()
    directory = tmp_path / "tenants"
    both = loaded(directory, lean(zero), lean(one))
    run = Run(emulator, tmp_path / "state.json")
    run.engine().up(both)
    shard_zero = [(p, t) for p, t in both if t.tenant == zero]

    with pytest.raises(ConfigError) as refused:
        run.engine().up(shard_zero, shard=0, shard_count=2)
    message = str(refused.value)
    assert "was applied for account 111122223333" in message
    assert "all tenants of 1 shard" in message
    assert "this run is for account 111122223333" in message
    assert "shard 0 of 2 shards" in message
    assert role(emulator, f"qs-embed-{one}") is not None, "the other shard's role is kept"
    assert namespace(emulator, one) is not None


def test_a_state_of_another_endpoint_is_refused(emulator: Any, tmp_path: Path) -> None:
    tenants = loaded(tmp_path / "tenants", lean("where"))
    Run(emulator, tmp_path / "state.json").engine().up(tenants)
    with sandbox.Emulator() as other:
        with pytest.raises(ConfigError) as refused:
            Run(other, tmp_path / "state.json").engine().up(tenants)
        assert emulator.endpoint_url in str(refused.value)
        assert other.endpoint_url in str(refused.value)
        assert role(other, "qs-embed-where") is None
