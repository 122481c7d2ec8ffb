"""The local engine's state file: keyed digests of secrets, what it was applied for, and a
journal that a killed run leaves behind (issue 19 low items, issue 21 item 4)."""

from __future__ import annotations

import hashlib
import json
import stat
from pathlib import Path

import pytest

from local_engine.state import (
    AppliedFor,
    LocalState,
    StateResource,
    is_sealed,
    journal_path,
    key_path,
)
from tenant_file.errors import ConfigError

TRUST = '{"Statement": [{"Condition": {"StringEquals": {"sts:ExternalId": "guessable-1"}}}]}'


def resource(name: str, **inputs: object) -> StateResource:
    return StateResource(f"urn:{name}", "aws:iam/role:Role", name, name, inputs, {})


def test_a_secret_is_kept_as_a_keyed_digest_that_a_guess_cannot_confirm(tmp_path: Path) -> None:
    state = LocalState.load(tmp_path / "state.json")
    sealed = state.sealer.seal({"assumeRolePolicy": TRUST}, {"assumeRolePolicy"})
    state.put(resource("r", **sealed))
    state.save()
    text = (tmp_path / "state.json").read_text()
    assert "guessable-1" not in text
    for guess in (TRUST, json.dumps(TRUST, sort_keys=True)):  # the unsalted digests of main
        assert hashlib.sha256(guess.encode()).hexdigest() not in text
    key = key_path(tmp_path / "state.json")
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert key.read_text().strip() not in text, "the key is not in the state"


def test_digests_differ_between_states_and_match_the_same_document_however_written(
    tmp_path: Path,
) -> None:
    one, two = LocalState.load(tmp_path / "a.json"), LocalState.load(tmp_path / "b.json")
    assert one.sealer.sealed(TRUST) != two.sealer.sealed(TRUST)
    relaid = json.dumps(json.loads(TRUST), indent=4)
    assert one.sealer.sealed(TRUST) == one.sealer.sealed(relaid)
    assert is_sealed(one.sealer.sealed(TRUST))


def test_the_key_is_read_back_so_a_later_run_compares_digests(tmp_path: Path) -> None:
    first = LocalState.load(tmp_path / "state.json")
    first.put(resource("r"))
    first.save()
    again = LocalState.load(tmp_path / "state.json")
    assert again.sealer.sealed(TRUST) == first.sealer.sealed(TRUST)


def test_what_it_was_applied_for_is_kept(tmp_path: Path) -> None:
    state = LocalState.load(tmp_path / "state.json")
    target = AppliedFor("111122223333", "http://127.0.0.1:4566", 1, 3)
    state.record_target(target)
    state.save()
    loaded = LocalState.load(tmp_path / "state.json")
    assert loaded.applied_for == target
    assert loaded.account == "111122223333"
    assert target.describe() == (
        "account 111122223333, endpoint http://127.0.0.1:4566, shard 1 of 3 shards"
    )


def test_records_survive_without_a_save_and_a_torn_last_line_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    state = LocalState.load(path)
    state.put(resource("kept"))
    state.begin("creating", resource("half"))
    state.put(resource("gone"))
    state.remove("urn:gone")
    # killed here: no save; then a record torn mid-write
    with journal_path(path).open("a") as journal:
        journal.write('{"op": "put", "resource": {"urn": "urn:torn"')
    loaded = LocalState.load(path)
    assert set(loaded.resources) == {"urn:kept"}
    assert set(loaded.pending) == {"urn:half"}
    assert loaded.pending["urn:half"].kind == "creating"
    assert not journal_path(path).exists(), "folded into the state"
    assert json.loads(path.read_text())["pendingOperations"][0]["type"] == "creating"


def test_replaying_a_journal_twice_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    state = LocalState.load(path)
    state.put(resource("a"))
    state.remove("urn:a")
    state.put(resource("b"))
    journal = journal_path(path).read_text()
    state.save()  # killed after the state was written, before the journal was dropped:
    journal_path(path).write_text(journal)
    assert set(LocalState.load(path).resources) == {"urn:b"}


def test_a_version_1_state_is_read_and_its_old_digests_never_match(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    old = {"secretSha256": hashlib.sha256(b"x").hexdigest()}
    data = {
        "version": 1,
        "account": "111122223333",
        "resources": [resource("r", assumeRolePolicy=old).to_json()],
    }
    path.write_text(json.dumps(data))
    loaded = LocalState.load(path)
    assert loaded.account == "111122223333"
    assert loaded.applied_for is None
    stored = loaded.resources["urn:r"].inputs["assumeRolePolicy"]
    assert is_sealed(stored)
    assert stored != loaded.sealer.sealed("x")


def test_a_file_that_is_not_a_state_is_refused_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_text('{"version": 9}')
    with pytest.raises(ConfigError) as refused:
        LocalState.load(path)
    assert str(path) in str(refused.value)


def test_a_preview_copy_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    state = LocalState.load(path)
    state.put(resource("a"))
    state.save()
    before = path.read_bytes()
    copy = state.detached()
    copy.put(resource("b"))
    copy.remove("urn:a")
    copy.save()
    assert path.read_bytes() == before
    assert not journal_path(path).exists()
    assert copy.sealer.sealed(TRUST) == state.sealer.sealed(TRUST)
