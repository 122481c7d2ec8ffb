"""Permission profiles, end to end: the YAML names a profile, QuickSight has it on the user, the
embedded session carries it; editing the YAML and applying again updates it.

Removing a user's profile from the YAML does NOT lift it, by design: with
`retain_users_on_delete: true` (the default) the program declares the profile attachment with
`retain_on_delete`, so `pulumi up` forgets it without calling DeleteUserCustomPermission.
Lifting a restriction silently, because a line went missing from a file, is the unsafe
direction; the user keeps its last profile until someone changes it to another one (or opts
out with `retain_users_on_delete: false`, when the attachment is deleted with the line).
The local apply never deletes anything, so only the declared option tells those two apart.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from embedder.config import TenantConfig
from infra.local_apply import apply_locally
from infra.offline import OfflineRun
from infra.program import load_checked_tenants
from infra.tenant_stack import TenantStack
from sandbox import Emulator
from tests.e2e.support import (
    SUITE_TENANTS,
    Apps,
    TenantSpec,
    quicksight_user_name,
    redeem,
    tenant_document,
    write_tenant,
)

pytestmark = pytest.mark.emulator

ATTACHMENT = "aws:quicksight/userCustomPermission:UserCustomPermission"
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
        UserName=quicksight_user_name(config, user),
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
        self.first = self._apply(emulator, root / "before", BEFORE)
        self.second = self._apply(emulator, root / "after", AFTER)
        self.configs = {c.tenant: c for _, c in load_checked_tenants(root / "after")}

    @staticmethod
    def _apply(
        emulator: Emulator, directory: Path, specs: tuple[TenantSpec, ...]
    ) -> OfflineRun[dict[str, TenantStack]]:
        for spec in specs:
            write_tenant(directory, tenant_document(spec))
        configs = [config for _, config in load_checked_tenants(directory)]
        return apply_locally(configs, emulator.admin_session())


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
def test_removing_a_profile_from_the_file_keeps_it_on_the_user(
    tenant: str, edit: Edit, emulator: Emulator
) -> None:
    config = edit.configs[tenant]
    user = config.users[1].name
    assert config.users[1].profile is None
    # The first apply declared the attachment retained on delete: removing it is a "forget".
    (first,) = [r for r in edit.first.of_type(ATTACHMENT) if r.name.endswith(f".{user}")]
    assert first.retain_on_delete
    assert first.inputs["customPermissionsName"] == f"{tenant}-analyst"
    # The second apply no longer declares it ...
    assert not [r for r in edit.second.of_type(ATTACHMENT) if r.name.endswith(f".{user}")]

    # ... and the user still runs under the profile it had: restrictions are never lifted
    # by a missing line.
    assert describe(emulator, config, user)["CustomPermissionsName"] == f"{tenant}-analyst"


def test_opting_out_of_retention_declares_the_attachment_deletable(
    emulator: Emulator, tmp_path: Path
) -> None:
    """With `retain_users_on_delete: false`, `pulumi up` deletes a removed attachment (and so
    lifts the profile); the local apply cannot show that, the declaration can."""
    document = tenant_document(TenantSpec("t-eta", "quicksight", {"eta": "analyst"}))
    write_tenant(tmp_path, {**document, "retain_users_on_delete": False})
    configs = [config for _, config in load_checked_tenants(tmp_path)]

    run = apply_locally(configs, emulator.admin_session())

    (attachment,) = run.of_type(ATTACHMENT)
    assert not attachment.retain_on_delete
    assert run.outputs["t-eta"]["retainUsersOnDelete"] is False
