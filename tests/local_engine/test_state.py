"""`local_engine.state`: the local engine's state file: secrets kept as digests only, written
atomically, and a file that is not a state refused naming it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from local_engine.state import SEALED_FIELD, LocalState, StateResource, is_sealed, seal
from tenant_file.errors import ConfigError

SECRET = "globex-embed-7f3c9a"


def _role(**changes: object) -> StateResource:
    resource = StateResource(
        urn="urn:pulumi:local::quicksight-embedding::aws:iam/role:Role::globex.role",
        type="aws:iam/role:Role",
        name="globex.role",
        id="qs-embed-globex",
        inputs=seal(
            {"assumeRolePolicy": {"ExternalId": SECRET}, "name": "qs-embed-globex"},
            ["assumeRolePolicy"],
        ),
        outputs={"arn": "arn:aws:iam::111122223333:role/qs-embed-globex"},
        secret_inputs=frozenset({"assumeRolePolicy"}),
    )
    return resource.with_options(**changes)


def test_a_secret_is_kept_as_its_digest_and_still_compares() -> None:
    sealed = seal({"policy": {"ExternalId": SECRET}, "name": "x"}, ["policy"])
    assert is_sealed(sealed["policy"])
    assert sealed["name"] == "x"
    assert SECRET not in json.dumps(sealed)
    assert seal({"policy": {"ExternalId": SECRET}}, ["policy"]) == {"policy": sealed["policy"]}
    assert seal({"policy": {"ExternalId": "other"}}, ["policy"]) != {"policy": sealed["policy"]}
    # Sealing what is already sealed keeps the digest (no digest of a digest).
    assert seal(sealed, ["policy"]) == sealed


def test_the_state_round_trips_without_the_secret(tmp_path: Path) -> None:
    path = tmp_path / ".qs-embed" / "state.json"
    state = LocalState(path, "111122223333", {})
    role = _role()
    state.resources[role.urn] = role
    state.save()
    assert SECRET not in path.read_text()
    assert SEALED_FIELD in path.read_text()
    loaded = LocalState.load(path)
    assert loaded.account == "111122223333"
    assert loaded.resources == {role.urn: role}
    assert [p.name for p in path.parent.iterdir()] == ["state.json"]  # no temporary left


def test_a_replaced_resource_is_not_the_programs_any_more() -> None:
    role = _role()
    old = _role(urn=role.urn + "-old", pending_delete=True)
    state = LocalState(None, None, {role.urn: role, old.urn: old})
    assert state.by_name() == {(role.type, role.name): role}


def test_a_missing_file_is_an_empty_state(tmp_path: Path) -> None:
    assert LocalState.load(tmp_path / "none.json").resources == {}


@pytest.mark.parametrize(
    "text",
    ["not json", "[]", '{"version": 2, "resources": []}', '{"version": 1, "resources": [{}]}'],
)
def test_a_file_that_is_not_a_state_is_refused_naming_it(tmp_path: Path, text: str) -> None:
    path = tmp_path / "state.json"
    path.write_text(text)
    with pytest.raises(ConfigError) as refused:
        LocalState.load(path)
    (problem,) = refused.value.problems
    assert problem.source == str(path)
    assert "is not a qs-embed local state file" in problem.message
