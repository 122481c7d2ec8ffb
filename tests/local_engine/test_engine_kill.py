"""A deploy that survives being killed (issue 21, item 4): `local up` and `local destroy` are
SIGKILLed at every step of a small lifecycle (an operation recorded as begun, its AWS call
made, its record written); the next run finishes the job with nothing duplicated, nothing lost
and no "already exists", and a third run has nothing left to do. The same for an edit that
replaces (a renamed namespace: the namespace and its user made anew, the old ones deleted at
the end, as Pulumi replaces by default), killed between the new one's create and the old
one's delete too.

The killed runs are children of a fork server (started once, single-threaded, with the engine
imported): each kills itself through the engine's own hook, `QS_EMBED_KILL_AFTER_STEPS`.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from local_engine.engine import KILL_AFTER_STEPS, KILL_AT, LocalEngine
from local_engine.engine_resources import Clients
from local_engine.state import LocalState, journal_path
from tenant_file.loader import load_tenant
from tests.local_engine.engine_world import (
    Run,
    lean,
    loaded,
    namespace,
    role,
    role_policy,
    user,
    users_in,
)
from tests.tenant_files import write_tenant

pytestmark = pytest.mark.emulator

sandbox = pytest.importorskip("sandbox")
QS_EMBED = str(Path(sys.executable).with_name("qs-embed"))
PHASES = ("up", "edit", "destroy")


def first(name: str) -> dict[str, Any]:
    return lean(name)


def edited(name: str) -> dict[str, Any]:
    """ann's email changed (an update) and bob added (a create)."""
    data = lean(name)
    data["users"][0]["email"] = "ann@edited.example"
    data["users"].append({"name": "bob", "email": "bob@x.example", "role": "AUTHOR"})
    return data


def _killed_run(
    env: dict[str, str], endpoint: str, state: str, files: str, phase: str, n: int
) -> None:
    """In a child: the phase's engine run, killed by the engine after its `n`th step. In a
    process group of its own, which `_end_group` ends after it."""
    import boto3

    os.setsid()
    os.environ.update(env)
    os.environ[KILL_AFTER_STEPS] = str(n)
    clients = Clients(boto3.Session(), endpoint)
    engine = LocalEngine(clients, LocalState.load(Path(state)), out=lambda _line: None)
    if phase == "destroy":
        engine.destroy()
    else:
        tenants = [(p, load_tenant(p)) for p in sorted(Path(files).glob("*.yaml"))]
        engine.up(tenants)


def _end_group(pid: int | None) -> None:
    """End what a killed run left running in its process group (its users' provider host,
    `python -m pulumi.dynamic`, outlives an engine killed with SIGKILL), as a CI runner's
    teardown ends a job's processes."""
    assert pid is not None, "the run was started"
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)


def _killed_cli(command: list[str], env: dict[str, str], cwd: Path) -> tuple[int, str]:
    """`command` run to its SIGKILL in a session of its own, then its group ended; (exit code,
    stderr)."""
    with subprocess.Popen(
        command,
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    ) as process:
        _, err = process.communicate(timeout=300)
    _end_group(process.pid)
    return process.returncode, err


def _phase_files(directory: Path, name: str, phase: str) -> Path:
    write_tenant(directory, first(name) if phase == "up" else edited(name))
    return directory


def _assert_done(emulator: Any, run: Run, name: str, phase: str) -> None:
    state = LocalState.load(run.state)
    assert not state.pending, state.pending
    if phase == "destroy":
        assert not state.resources
        assert role(emulator, f"qs-embed-{name}") is None
        assert role_policy(emulator, f"qs-embed-{name}") is None
        assert namespace(emulator, name) is not None, "retained, not deleted"
        return
    users = ["ann"] if phase == "up" else ["ann", "bob"]
    assert sorted(r.name for r in state.resources.values()) == sorted(
        [f"{name}.role", f"{name}.role-policy", f"{name}.namespace"]
        + [f"{name}.user.{u}" for u in users]
    )
    ann = user(emulator, name, "ann")
    assert ann is not None
    assert ann["Email"] == ("ann@x.example" if phase == "up" else "ann@edited.example")
    assert role_policy(emulator, f"qs-embed-{name}") is not None
    files = _phase_files(run.state.parent / "tenants", name, phase)
    again = run.engine().up(loaded(files, first(name) if phase == "up" else edited(name)))
    assert again.changes == [], run.lines  # nothing lost: a third run has nothing to do


def test_a_run_killed_at_every_step_is_finished_by_the_next(emulator: Any, tmp_path: Path) -> None:
    multiprocessing.set_forkserver_preload(["local_engine.engine", __name__])
    context = multiprocessing.get_context("forkserver")
    env = {k: v for k, v in emulator.env().items() if k != "AWS_ENDPOINT_URL"}
    kills = dict.fromkeys(PHASES, 0)
    for index, phase in enumerate(PHASES):
        for n in range(1, 40):
            name = f"k{index}n{n}"
            run = Run(emulator, tmp_path / name / "state.json")
            files = tmp_path / name / "tenants"
            for earlier in PHASES[:index]:  # the lifecycle so far, uninterrupted
                run.engine().up(loaded(files, first(name) if earlier == "up" else edited(name)))
            _phase_files(files, name, phase)
            child = context.Process(
                target=_killed_run,
                args=(env, emulator.endpoint_url, str(run.state), str(files), phase, n),
            )
            child.start()
            child.join(timeout=600)
            _end_group(child.pid)
            if child.exitcode == 0:
                break  # n is past the last step: the phase ran through
            assert child.exitcode == -signal.SIGKILL, (phase, n, child.exitcode)
            kills[phase] += 1
            # The next run finishes it: no error, no "already exists".
            engine = run.engine()
            if phase == "destroy":
                engine.destroy()
            else:
                engine.up([(p, load_tenant(p)) for p in sorted(files.glob("*.yaml"))])
            assert not any("already exists" in line for line in run.lines)
            _assert_done(emulator, run, name, phase)
    # create = begun, made, recorded; up: 4 creates; edit: an update and a create; destroy:
    # two deletes and three retained resources forgotten.
    assert kills == {"up": 12, "edit": 6, "destroy": 9}


def deleting(name: str) -> dict[str, Any]:
    """A tenant whose removed resources are deleted, not retained: a replaced namespace and
    user are then gone from AWS once the replacement is done."""
    return lean(name, retain_users_on_delete=False)


def moved(name: str) -> dict[str, Any]:
    """`deleting(name)` with its namespace renamed: the namespace (`namespace`: RequiresReplace)
    and its user (the users' provider: `namespace` is identity) are replaced, the new one
    first; the role's policy names the new namespace's users (an update)."""
    return lean(name, retain_users_on_delete=False, namespace=f"{name}-moved")


def _between_new_and_old(state: LocalState, name: str) -> bool:
    """The killed run had made the new namespace and not yet deleted the old one."""
    found = [r for r in state.resources.values() if r.name == f"{name}.namespace"]
    old = [r for r in found if r.pending_delete]
    new = [r for r in found if not r.pending_delete]
    return bool(old and new) and new[0].inputs.get("namespace") == f"{name}-moved"


def _assert_replaced(emulator: Any, run: Run, name: str) -> None:
    state = LocalState.load(run.state)
    assert not state.pending, state.pending
    assert not [r.name for r in state.resources.values() if r.pending_delete]
    assert sorted(r.name for r in state.resources.values()) == sorted(
        [f"{name}.role", f"{name}.role-policy", f"{name}.namespace", f"{name}.user.ann"]
    )
    # The old ones gone, the new ones there once each.
    assert namespace(emulator, name) is None
    assert user(emulator, name, "ann") is None
    assert namespace(emulator, f"{name}-moved") is not None
    assert users_in(emulator, f"{name}-moved") == ["ann"]
    document = json.dumps(role_policy(emulator, f"qs-embed-{name}"))
    assert f"user/{name}-moved/" in document
    assert f"user/{name}/" not in document
    files = run.state.parent / "tenants"
    again = run.engine().up(loaded(files, moved(name)))
    assert again.changes == [], run.lines  # nothing lost: a third run has nothing to do


def test_a_replacement_killed_at_every_step_is_finished_by_the_next(
    emulator: Any, tmp_path: Path
) -> None:
    multiprocessing.set_forkserver_preload(["local_engine.engine", __name__])
    context = multiprocessing.get_context("forkserver")
    env = {k: v for k, v in emulator.env().items() if k != "AWS_ENDPOINT_URL"}
    kills = between = 0
    for n in range(1, 40):
        name = f"r{n}"
        run = Run(emulator, tmp_path / name / "state.json")
        files = tmp_path / name / "tenants"
        run.engine().up(loaded(files, deleting(name)))
        write_tenant(files, moved(name))
        child = context.Process(
            target=_killed_run,
            args=(env, emulator.endpoint_url, str(run.state), str(files), "up", n),
        )
        child.start()
        child.join(timeout=600)
        _end_group(child.pid)
        if child.exitcode == 0:
            _assert_replaced(emulator, run, name)
            break  # n is past the last step: the replacement ran through
        assert child.exitcode == -signal.SIGKILL, (n, child.exitcode)
        kills += 1
        between += _between_new_and_old(LocalState.load(run.state, preview=True), name)
        engine = run.engine()
        engine.up([(p, load_tenant(p)) for p in sorted(files.glob("*.yaml"))])
        assert not any("already exists" in line for line in run.lines), run.lines
        _assert_replaced(emulator, run, name)
    # The namespace and the user: the old one marked for deletion (recorded), the new one
    # created (begun, made, recorded); the policy updated (3 steps); then the old user and
    # the old namespace deleted (3 steps each).
    assert kills == 4 + 4 + 3 + 3 + 3
    # Killed after the new namespace's record and before the old one's delete was recorded:
    # its own record, then the user's replacement (4), the policy (3), the old user (3) and
    # the old namespace's begun and made.
    assert between == 1 + 4 + 3 + 3 + 2


def test_local_up_killed_by_sigkill_then_run_again_converges(emulator: Any, tmp_path: Path) -> None:
    """The CLI itself: `qs-embed local up` killed between an AWS create and its record (a
    named step, not a count: parallel steps may come in any order)."""
    write_tenant(tmp_path / "tenants", first("clikill"))
    state = tmp_path / "state.json"
    env = {"PATH": os.environ["PATH"], **emulator.env()}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        """`qs-embed ARGS` in tmp_path against the emulator."""
        return subprocess.run(
            [QS_EMBED, *args], env=env, cwd=tmp_path, capture_output=True, text=True
        )

    up = ("local", "up", "--tenants", "tenants", "--state", str(state))
    killing = {**env, KILL_AT: "made:clikill.namespace"}
    code, err = _killed_cli([QS_EMBED, *up], killing, tmp_path)
    assert code == -signal.SIGKILL, err
    assert journal_path(state).exists(), "the journal holds what the killed run recorded"
    again = run(*up)
    assert again.returncode == 0, again.stderr
    assert "created by an interrupted run: found in AWS and adopted" in again.stdout
    assert "already exists" not in again.stdout + again.stderr
    assert not journal_path(state).exists()
    destroy = ("local", "destroy", "--state", str(state))
    killing = {**env, KILL_AT: "made:clikill.role-policy"}
    code, err = _killed_cli([QS_EMBED, *destroy], killing, tmp_path)
    assert code == -signal.SIGKILL, err
    again = run(*destroy)
    assert again.returncode == 0, again.stderr
    assert role(emulator, "qs-embed-clikill") is None
