"""The local engine's state file: keyed digests of secrets, what it was applied for, and a
journal that a killed run leaves behind (issue 19 low items, issue 21 item 4)."""

from __future__ import annotations

import hashlib
import json
import os
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
    state.release()  # killed here: no save (the system drops the lock); then a torn record
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
    state.release()
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


def _killed_run(path: Path) -> LocalState:
    """A run that recorded a resource and was killed (its lock dropped, its journal left)."""
    state = LocalState.load(path)
    state.put(resource("a"))
    state.save()
    run = LocalState.load(path)
    run.record_target(AppliedFor("111122223333", "http://127.0.0.1:4566"))
    run.put(resource("b", assumeRolePolicy=run.sealer.sealed(TRUST)))
    return run


def test_a_second_run_is_refused_while_one_holds_the_state(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    running = _killed_run(path)
    with pytest.raises(ConfigError) as refused:
        LocalState.load(path)
    assert str(path) in str(refused.value)
    assert "another run holds it" in str(refused.value)
    running.put(resource("c"))
    running.release()  # killed: the next run folds in everything the first one recorded
    assert set(LocalState.load(path).resources) == {"urn:a", "urn:b", "urn:c"}


def test_a_preview_beside_a_run_reads_its_journal_and_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    running = _killed_run(path)
    before, journal = path.read_bytes(), journal_path(path).read_bytes()
    preview = LocalState.load(path, preview=True)
    assert set(preview.resources) == {"urn:a", "urn:b"}, "the journal is read"
    preview.save()
    assert path.read_bytes() == before, "the state is unchanged, byte for byte"
    assert journal_path(path).read_bytes() == journal, "the run's journal is kept"
    running.put(resource("c"))
    running.release()
    assert set(LocalState.load(path).resources) == {"urn:a", "urn:b", "urn:c"}


def test_a_forged_meta_record_seen_by_a_preview_is_not_made_permanent(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    state = LocalState.load(path)
    state.record_target(AppliedFor("111122223333", "http://127.0.0.1:4566"))
    state.save()
    before = path.read_bytes()
    forged = {
        "op": "meta",
        "account": "999999999999",
        "stateId": state.state_id,
        "appliedFor": AppliedFor("999999999999", "https://x").to_json(),
    }
    journal_path(path).write_text(json.dumps(forged) + "\n")
    assert LocalState.load(path, preview=True).account == "999999999999"
    assert path.read_bytes() == before


def test_a_journal_of_another_state_is_refused_naming_both_files(tmp_path: Path) -> None:
    other = _killed_run(tmp_path / "other" / "state.json")
    other.release()
    path = tmp_path / "state.json"
    mine = LocalState.load(path)
    mine.put(resource("mine"))
    mine.save()
    journal_path(path).write_bytes(journal_path(tmp_path / "other" / "state.json").read_bytes())
    with pytest.raises(ConfigError) as refused:
        LocalState.load(path)
    assert f"{journal_path(path)}:1" in str(refused.value)
    assert str(path) in str(refused.value)
    assert "another state" in str(refused.value)


def test_a_journal_without_its_state_is_refused_saying_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    _killed_run(path).release()
    path.unlink()  # "reset"
    with pytest.raises(ConfigError) as refused:
        LocalState.load(path)
    message = str(refused.value)
    assert str(journal_path(path)) in message
    assert "journal without its state" in message
    assert "delete the journal too" in message


def test_a_journal_line_that_is_not_a_record_is_named_by_its_line(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    _killed_run(path).release()
    with journal_path(path).open("a") as journal:
        journal.write("[1]\n")
    with pytest.raises(ConfigError) as refused:
        LocalState.load(path)
    assert f"{journal_path(path)}:3" in str(refused.value)


@pytest.mark.parametrize("which", ["state", "journal", "key"])
def test_a_state_file_that_is_a_device_or_a_fifo_is_refused_not_read(
    tmp_path: Path, which: str
) -> None:
    path = tmp_path / "state.json"
    _killed_run(path).release()
    target = {"state": path, "journal": journal_path(path), "key": key_path(path)}[which]
    target.unlink()
    target.symlink_to("/dev/zero")
    with pytest.raises(ConfigError) as refused:
        LocalState.load(path, preview=True)
    assert f"{target}: is a character device" in str(refused.value)
    target.unlink()
    os.mkfifo(target)
    with pytest.raises(ConfigError) as refused:
        LocalState.load(path)
    assert f"{target}: is a FIFO" in str(refused.value)


def test_a_key_file_others_can_read_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    _killed_run(path).release()
    key_path(path).chmod(0o644)
    with pytest.raises(ConfigError) as refused:
        LocalState.load(path)
    assert f"chmod 600 {key_path(path)}" in str(refused.value)


def test_a_missing_key_is_refused_when_the_state_holds_digests(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    _killed_run(path).release()
    LocalState.load(path).save()  # the digest is now in state.json
    key_path(path).unlink()
    before = path.read_bytes()
    for preview in (True, False):
        with pytest.raises(ConfigError) as refused:
            LocalState.load(path, preview=preview)
        assert f"{key_path(path)}: is missing" in str(refused.value)
    assert path.read_bytes() == before
    assert not key_path(path).exists(), "not silently replaced"
