"""Permission profiles, end to end: the YAML names a profile, QuickSight has it on the user, the
embedded session carries it; editing the YAML and applying again (`local up` over the same
state) changes it in place.

The profile is a property of the user (`infra.quicksight_user`): removing the `profile:` line
of a user who stays lifts it (DeleteUserCustomPermission), so the YAML and QuickSight agree;
a user removed from the file is retained with its restriction (see test_e2e_lifecycle).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from infra.offline import OfflineRun
from infra.program import load_checked_tenants
from infra.tenant_stack import TenantStack
from local_engine.local_apply import apply_locally
from local_engine.state import LocalState
from sandbox import Emulator
from tenant_file.config import TenantConfig
from tests.e2e.support import (
    SUITE_TENANTS,
    Apps,
    TenantSpec,
    redeem,
    tenant_document,
)
from tests.tenant_files import write_tenant

pytestmark = pytest.mark.emulator

USER = "pulumi-python:dynamic/quicksight:User"
SUITE_USERS = [
    (spec.name, user, profile) for spec in SUITE_TENANTS for user, profile in spec.users.items()
]
# Tenants of this module only, so editing them leaves the suite's four alone.
BEFORE = (
    TenantSpec("t-epsilon", "quicksight", {"eve": "analyst", "eli": "analyst"}),
    TenantSpec("t-zeta", "iam", {"zoe": "analyst", "zak": "analyst"}),
)
AFTER = (  # first user: analyst -> viewer; second user: profile line removed
    TenantSpec("t-epsilon", "quicksight", {"eve": "viewer", "eli": None}),
    TenantSpec("t-zeta", "iam", {"zoe": "viewer", "zak": None}),
)


def describe(emulator: Emulator, config: TenantConfig, user: str) -> dict[str, Any]:
    qs = emulator.admin_session().client("quicksight")
    described: dict[str, Any] = qs.describe_user(
        AwsAccountId=config.account_id,
        Namespace=config.namespace,
        UserName=config.quicksight_user_name(user),
    )["User"]
    return described


@pytest.mark.parametrize(
    ("tenant", "user", "profile"), SUITE_USERS, ids=[f"{t}:{u}" for t, u, _ in SUITE_USERS]
)
def test_each_user_has_the_profile_its_file_names(
    tenant: str,
    user: str,
    profile: str,
    emulator: Emulator,
    apps: Apps,
    tenants: dict[str, TenantConfig],
) -> None:
    config = tenants[tenant]
    physical = f"{tenant}-{profile}"

    assert describe(emulator, config, user)["CustomPermissionsName"] == physical
    # ... and the console session the app opens for the user runs under it.
    status, page = redeem(apps.embedder(config).session_embed_url(user).url)
    assert status == 200
    assert f"<td>{physical}</td>" in page


class Edit:
    """The module's tenants applied, edited, and applied again."""

    def __init__(self, emulator: Emulator, root: Path) -> None:
        self.state = LocalState.load(root / "state.json")
        self.first = self._apply(emulator, root / "before", BEFORE)
        self.second = self._apply(emulator, root / "after", AFTER)
        self.configs = {c.tenant: c for _, c in load_checked_tenants(root / "after")}

    def _apply(
        self, emulator: Emulator, directory: Path, specs: tuple[TenantSpec, ...]
    ) -> OfflineRun[dict[str, TenantStack]]:
        for spec in specs:
            write_tenant(directory, tenant_document(spec))
        configs = [config for _, config in load_checked_tenants(directory)]
        return apply_locally(configs, emulator.admin_session(), state=self.state)


@pytest.fixture(scope="module")
def edit(emulator: Emulator, tmp_path_factory: pytest.TempPathFactory) -> Edit:
    return Edit(emulator, tmp_path_factory.mktemp("profile-edit"))


@pytest.mark.parametrize("tenant", ["t-epsilon", "t-zeta"])
def test_changing_a_profile_in_the_file_and_applying_again_updates_the_user(
    tenant: str, edit: Edit, emulator: Emulator, apps: Apps
) -> None:
    config = edit.configs[tenant]
    user = config.users[0].name

    assert describe(emulator, config, user)["CustomPermissionsName"] == f"{tenant}-viewer"
    status, page = redeem(apps.embedder(config).session_embed_url(user).url)
    assert status == 200
    assert f"<td>{tenant}-viewer</td>" in page


@pytest.mark.parametrize("tenant", ["t-epsilon", "t-zeta"])
def test_removing_a_profile_from_the_file_lifts_it_from_the_user_who_stays(
    tenant: str, edit: Edit, emulator: Emulator
) -> None:
    """The review's finding: the line went, the restriction stayed, and nobody could tell."""
    config = edit.configs[tenant]
    user = config.users[1].name
    assert config.users[1].profile is None
    (first,) = [r for r in edit.first.of_type(USER) if r.name.endswith(f".{user}")]
    assert first.inputs["customPermissionsName"] == f"{tenant}-analyst"
    (second,) = [r for r in edit.second.of_type(USER) if r.name.endswith(f".{user}")]
    assert "customPermissionsName" not in second.inputs

    assert "CustomPermissionsName" not in describe(emulator, config, user)


def test_opting_out_of_retention_declares_users_deletable(
    emulator: Emulator, tmp_path: Path
) -> None:
    """With `retain_users_on_delete: false`, removing a user deletes it (and what it owns)."""
    document = tenant_document(TenantSpec("t-eta", "quicksight", {"eta": "analyst"}))
    write_tenant(tmp_path, {**document, "retain_users_on_delete": False})
    configs = [config for _, config in load_checked_tenants(tmp_path)]

    run = apply_locally(configs, emulator.admin_session())

    (user,) = run.of_type(USER)
    assert not user.retain_on_delete
    assert run.outputs["t-eta"]["retainUsersOnDelete"] is False
