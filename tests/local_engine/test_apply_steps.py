"""The local engine's apply steps: leftovers deleted dependents first, retained ones forgotten,
every step recorded, the first failure carrying what was applied before it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from pulumi.runtime.mocks import MockResourceArgs

from local_engine.apply_steps import ApplySteps
from local_engine.engine_resources import Clients
from local_engine.outcome import ApplyFailed
from local_engine.state import LocalState, StateResource
from policies.resources import QS_NAMESPACE, ROLE, ROLE_POLICY


class RecordingHandler:
    """Deletes by recording the id; fails for the ids in `refuse`."""

    def __init__(self, deleted: list[str], refuse: frozenset[str] = frozenset()) -> None:
        self.deleted, self.refuse = deleted, refuse

    def delete(self, resource_id: str, olds: Any) -> None:
        if resource_id in self.refuse:
            raise RuntimeError(f"cannot delete {resource_id}")
        self.deleted.append(resource_id)


def resource(type_token: str, name: str, *needs: str, retain: bool = False) -> StateResource:
    return StateResource(
        f"urn:{name}", type_token, name, name, {}, {}, dependencies=needs, retain_on_delete=retain
    )


@pytest.fixture
def lines() -> list[str]:
    return []


@pytest.fixture
def steps(lines: list[str]) -> Iterator[ApplySteps]:
    """Apply steps whose clients reach nothing: the handlers are replaced by recorders."""
    session = boto3.Session(
        aws_access_key_id="AKIAEXAMPLE", aws_secret_access_key="x", region_name="us-east-1"
    )
    with ApplySteps(Clients(session, "http://127.0.0.1:9"), LocalState(), out=lines.append) as s:
        yield s


def use(steps: ApplySteps, handler: RecordingHandler) -> None:
    steps._handlers = dict.fromkeys((ROLE, ROLE_POLICY, QS_NAMESPACE), handler)  # type: ignore[arg-type]


def test_leftovers_go_dependents_first(steps: ApplySteps, lines: list[str]) -> None:
    deleted: list[str] = []
    use(steps, RecordingHandler(deleted))
    role = resource(ROLE, "acme.role")
    policy = resource(ROLE_POLICY, "acme.policy", "urn:acme.role")
    for r in (role, policy):
        steps.state.put(r)
    steps._delete([role, policy])  # in state order: the role first, which the policy needs
    assert deleted == ["acme.policy", "acme.role"]
    assert steps.state.resources == {}
    assert [line.split()[1:3] for line in lines] == [
        ["delete", "acme.policy"],
        ["delete", "acme.role"],
    ]


def test_a_retained_resource_is_forgotten_not_deleted(steps: ApplySteps, lines: list[str]) -> None:
    deleted: list[str] = []
    use(steps, RecordingHandler(deleted))
    namespace = resource(QS_NAMESPACE, "acme.namespace", retain=True)
    steps.state.put(namespace)
    steps._delete([namespace])
    assert deleted == []
    assert steps.state.resources == {}
    assert lines[0].split()[1:3] == ["forget", "acme.namespace"]
    assert "retain_on_delete: kept in AWS, no longer managed" in lines[0]


def test_a_failed_delete_names_the_resource_and_keeps_it_in_the_state(
    steps: ApplySteps, lines: list[str]
) -> None:
    deleted: list[str] = []
    use(steps, RecordingHandler(deleted, refuse=frozenset({"acme.role"})))
    role = resource(ROLE, "acme.role")
    policy = resource(ROLE_POLICY, "acme.policy", "urn:acme.role")
    for r in (role, policy):
        steps.state.put(r)
    with pytest.raises(ApplyFailed) as failed:
        steps._delete([role, policy])
    assert str(failed.value) == "acme.role (aws:iam/role:Role): cannot delete acme.role"
    assert deleted == ["acme.policy"]
    assert list(steps.state.resources) == ["urn:acme.role"]
    assert steps.state.pending["urn:acme.role"].kind == "deleting"


def test_a_resource_the_preview_did_not_declare_is_refused(steps: ApplySteps) -> None:
    args = MockResourceArgs(ROLE, "rogue", {"name": "rogue"}, "", None, True)
    with pytest.raises(ApplyFailed) as refused:
        steps.apply_one(args)
    assert (
        str(refused.value) == "rogue (aws:iam/role:Role): not declared by the preview of this run"
    )


def test_no_step_starts_after_one_failed(steps: ApplySteps) -> None:
    first = ApplyFailed("acme.role", ROLE, "AccessDenied: no")
    steps._fail(first)
    steps._fail(ApplyFailed("acme.policy", ROLE_POLICY, "later"))  # the first one is kept
    with pytest.raises(ApplyFailed) as refused:
        steps.apply_one(MockResourceArgs(ROLE, "acme.role", {}, "", None, True))
    assert refused.value is first
