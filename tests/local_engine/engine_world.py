"""Helpers for the engine's tests on an emulator: tenants written as files, an engine with a
state file, and what exists in the emulator, read as the admin."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from botocore.config import Config
from botocore.exceptions import ClientError

from local_engine.engine import LocalEngine
from local_engine.engine_resources import Clients
from local_engine.state import LocalState
from tenant_file.config import TenantConfig
from tenant_file.loader import load_tenant
from tests.tenant_files import tenant_data, write_tenant

ACCOUNT = "111122223333"
NO_RETRIES = Config(retries={"total_max_attempts": 1})
Loaded = list[tuple[Path, TenantConfig]]


def lean(name: str, **overrides: Any) -> dict[str, Any]:
    """A tenant of four resources: role, its policy, a namespace and one user (no profile)."""
    data = tenant_data(name, permission_profiles={})
    del data["users"][0]["profile"]
    data.update(overrides)
    return data


def loaded(directory: Path, *documents: dict[str, Any]) -> Loaded:
    paths = [write_tenant(directory, d) for d in documents]
    return [(p, load_tenant(p)) for p in paths]


@dataclass
class Run:
    """One engine over the state at `state`, its printed lines kept."""

    emulator: Any
    state: Path
    lines: list[str] = field(default_factory=list)

    def engine(self) -> LocalEngine:
        self.lines = []
        clients = Clients(self.emulator.admin_session(), config=NO_RETRIES)
        return LocalEngine(clients, LocalState.load(self.state), out=self.lines.append)

    def ops(self) -> list[str]:
        return [line.split()[1] for line in self.lines]


def _found(call: Callable[[], dict[str, Any]], missing: str) -> dict[str, Any] | None:
    """What `call` answers, or None when AWS says it does not exist (`missing`)."""
    try:
        return call()
    except ClientError as e:
        if e.response["Error"]["Code"] == missing:
            return None
        raise


def user(emulator: Any, namespace: str, name: str) -> dict[str, Any] | None:
    qs = emulator.admin_session().client("quicksight", config=NO_RETRIES)
    key = {"AwsAccountId": ACCOUNT, "Namespace": namespace, "UserName": name}
    return _found(lambda: qs.describe_user(**key)["User"], "ResourceNotFoundException")


def role(emulator: Any, name: str) -> dict[str, Any] | None:
    iam = emulator.admin_session().client("iam", config=NO_RETRIES)
    return _found(lambda: iam.get_role(RoleName=name)["Role"], "NoSuchEntity")


def role_policy(emulator: Any, role_name: str) -> dict[str, Any] | None:
    iam = emulator.admin_session().client("iam", config=NO_RETRIES)
    policy = _found(
        lambda: iam.get_role_policy(RoleName=role_name, PolicyName="quicksight-embedding"),
        "NoSuchEntity",
    )
    if policy is None:
        return None
    found = policy["PolicyDocument"]
    return json.loads(found) if isinstance(found, str) else dict(found)


def namespace(emulator: Any, name: str) -> dict[str, Any] | None:
    qs = emulator.admin_session().client("quicksight", config=NO_RETRIES)
    key = {"AwsAccountId": ACCOUNT, "Namespace": name}
    return _found(lambda: qs.describe_namespace(**key)["Namespace"], "ResourceNotFoundException")


def users_in(emulator: Any, namespace: str) -> list[str]:
    """The names of every user in `namespace` (every page), sorted."""
    qs = emulator.admin_session().client("quicksight", config=NO_RETRIES)
    pages = qs.get_paginator("list_users").paginate(AwsAccountId=ACCOUNT, Namespace=namespace)
    return sorted(u["UserName"] for page in pages for u in page["UserList"])
