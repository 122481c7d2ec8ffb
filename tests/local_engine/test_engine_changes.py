"""How the engine shows a change: old -> new, documents by path, secrets never."""

from __future__ import annotations

import json

from local_engine.engine_changes import describe_change, describe_changes


def test_a_plain_value_shows_old_to_new() -> None:
    assert describe_change("email", "a@x.example", "b@x.example") == (
        "email: a@x.example → b@x.example"
    )
    assert describe_change("customPermissionsName", None, "p") == (
        "customPermissionsName: (none) → p"
    )


def test_a_policy_shows_the_paths_that_differ() -> None:
    old = json.dumps({"Statement": [{"Action": "a", "Resource": ["r1"]}]})
    new = json.dumps({"Statement": [{"Action": "a", "Resource": ["r2"]}]}, indent=2)
    assert describe_change("policy", old, new) == "policy.Statement[0].Resource[0]: r1 → r2"


def test_a_secret_is_never_shown() -> None:
    line = describe_changes({"assumeRolePolicy": ("ext-123", "ext-456")}, {"assumeRolePolicy"})
    assert "ext-" not in line
    assert line == "assumeRolePolicy: [secret] → [secret]"


def test_a_replacing_change_is_marked() -> None:
    line = describe_changes({"namespace": ("a", "b")}, replaces=("namespace",))
    assert line == "namespace: a → b (replaces)"
