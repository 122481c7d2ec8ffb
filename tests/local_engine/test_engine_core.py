"""What the local engine's parts share: the caller and target of a run, and the diff of a
resource of the state against its declaration (secrets named, never shown)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from local_engine.engine_core import EngineCore, provider_olds
from local_engine.engine_resources import Clients
from local_engine.state import LocalState, StateResource
from policies.resources import ROLE

TRUST = json.dumps({"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole"}]})
INPUTS = {"name": "qs-embed-acme", "maxSessionDuration": 3600, "assumeRolePolicy": TRUST}
OLD = StateResource("urn:role", ROLE, "acme.role", "qs-embed-acme", INPUTS, {"arn": "arn:x"})


@pytest.fixture
def core() -> Iterator[EngineCore]:
    """An engine core whose clients reach nothing (a diff makes no call)."""
    session = boto3.Session(
        aws_access_key_id="AKIAEXAMPLE", aws_secret_access_key="x", region_name="us-east-1"
    )
    with EngineCore(Clients(session, "http://127.0.0.1:9"), LocalState(), out=print) as engine:
        yield engine


def test_the_same_inputs_are_no_change(core: EngineCore) -> None:
    decision = core.diff(OLD, ROLE, dict(INPUTS), set())
    assert (decision.changed, decision.replaces, decision.detail) == ((), (), "")


def test_an_in_place_change_and_a_replacement(core: EngineCore) -> None:
    longer = core.diff(OLD, ROLE, {**INPUTS, "maxSessionDuration": 7200}, set())
    assert (longer.changed, longer.replaces) == (("maxSessionDuration",), ())
    assert longer.detail == "maxSessionDuration: 3600 → 7200"
    renamed = core.diff(OLD, ROLE, {**INPUTS, "name": "qs-embed-acme2"}, set())
    assert renamed.replaces == ("name",)
    assert renamed.detail == "name: qs-embed-acme → qs-embed-acme2 (replaces)"


def test_a_secret_input_is_named_never_shown(core: EngineCore) -> None:
    secret = json.dumps({"Condition": {"StringEquals": {"sts:ExternalId": "ext-SECRET-42"}}})
    decision = core.diff(OLD, ROLE, {**INPUTS, "assumeRolePolicy": secret}, {"assumeRolePolicy"})
    assert decision.changed == ("assumeRolePolicy",)
    assert decision.detail == "assumeRolePolicy: [secret] → [secret]"
    assert "ext-SECRET-42" not in repr(decision)


def test_a_provider_gets_the_inputs_and_outputs_as_its_olds() -> None:
    assert provider_olds(OLD) == {**INPUTS, "arn": "arn:x"}


@pytest.mark.emulator
def test_the_caller_and_target_of_a_run(emulator: Any) -> None:
    clients = Clients(emulator.admin_session())
    with EngineCore(clients, LocalState(), out=print) as engine:
        assert engine.account() == emulator.account_id
        assert engine.caller() is engine.caller()  # asked once
        target = engine.target(shard=2, shard_count=4)
        assert (target.account, target.shard, target.shard_count) == (emulator.account_id, 2, 4)
        assert target.endpoint == clients.endpoint("sts")
