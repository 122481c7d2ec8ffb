"""Adoption, end to end: what a tenant file may take over, applied by `local up` on the emulator.

- An adopted namespace grants every user of the file (the review: only the first, `scoped[0]`,
  so bob and carol got AccessDenied on GetAuthCode), by exact ARN, and never the users the
  namespace already held.
- Adopting the account's admin (a user of `default`, an ADMIN) or an existing profile
  attached to a user outside the file is refused before anything changes, unless the
  platform's `platform.yaml` allows it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from embedder.errors import AccessDeniedError
from qs_embed.cli import main
from sandbox import Emulator
from tenant_file.config import TenantConfig
from tenant_file.loader import load_tenant
from tests.e2e.support import ACCOUNT, Apps
from tests.e2e.support import file_document as document

pytestmark = pytest.mark.emulator

THREE = ("alice", "bob", "carol")


class Platform:
    """A repository root: tenants/, platform.yaml, and `local up` on the emulator."""

    def __init__(self, emulator: Emulator, root: Path) -> None:
        self.emulator = emulator
        self.root = root
        self.tenants = root / "tenants"
        self.tenants.mkdir(parents=True, exist_ok=True)
        self.qs = emulator.admin_session().client("quicksight")

    def write(self, doc: dict[str, Any]) -> TenantConfig:
        path = self.tenants / f"{doc['tenant']}.yaml"
        path.write_text(yaml.safe_dump(doc, sort_keys=False))
        return load_tenant(path)

    def allow(self, adoption: dict[str, Any]) -> None:
        (self.root / "platform.yaml").write_text(yaml.safe_dump({"adoption": adoption}))

    def up(self, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
        code = main(
            [
                *("local", "up", "--tenants", str(self.tenants)),
                *("--endpoint-url", self.emulator.endpoint_url),
                *("--state", str(self.root / "state.json")),
            ]
        )
        captured = capsys.readouterr()
        return code, captured.out + captured.err

    def register(self, namespace: str, name: str, role: str, **extra: str) -> None:
        """A user someone else made, before the tenant's first deploy."""
        self.qs.register_user(
            AwsAccountId=ACCOUNT,
            Namespace=namespace,
            IdentityType="QUICKSIGHT",
            UserName=name,
            Email=f"{name}@example.com",
            UserRole=role,
            **extra,
        )

    def users(self, namespace: str) -> dict[str, tuple[str, str | None]]:
        listed = self.qs.list_users(AwsAccountId=ACCOUNT, Namespace=namespace)["UserList"]
        return {u["UserName"]: (u["Role"], u.get("CustomPermissionsName")) for u in listed}


@pytest.fixture
def platform(emulator_env: Emulator, tmp_path: Path) -> Platform:
    return Platform(emulator_env, tmp_path)


@pytest.mark.parametrize("identity", ["quicksight", "iam"])
def test_an_adopted_namespace_mints_for_every_user_of_the_file(
    identity: str, platform: Platform, apps: Apps, capsys: pytest.CaptureFixture[str]
) -> None:
    namespace = f"adopted-{identity}"
    tenant = f"t-adopt-{identity}"
    platform.qs.create_namespace(
        AwsAccountId=ACCOUNT, Namespace=namespace, IdentityStore="QUICKSIGHT"
    )
    # A user the namespace held before (a removed tenant's, retained): never granted.
    platform.register(namespace, "leftover", "ADMIN")
    embedding: dict[str, Any] = {"identity": identity}
    if identity == "iam":
        embedding["register_on_first_use"] = True
    config = platform.write(
        document(
            tenant,
            {name: {} for name in THREE},
            namespace=namespace,
            adopt_namespace=True,
            embedding=embedding,
        )
    )

    code, out = platform.up(capsys)
    assert code == 0, out

    emb = apps.embedder(config)
    for name in THREE:
        assert emb.session_embed_url(name).status == 200, name
        assert emb.generate_console_url(name).status == 200, name
    if identity == "quicksight":
        leftover = config.model_copy(
            update={
                "users": (*config.users, config.users[0].model_copy(update={"name": "leftover"}))
            }
        )
        with pytest.raises(AccessDeniedError):
            apps.embedder(leftover).session_embed_url("leftover")


def test_adopting_the_accounts_admin_is_refused_before_anything_changes(
    platform: Platform, capsys: pytest.CaptureFixture[str]
) -> None:
    """The review: `namespace: default` with `{name: admin, role: ADMIN, adopt: true}` was
    applied and its app minted the account admin's console."""
    platform.register("default", "acct-admin", "ADMIN")
    before = platform.users("default")
    platform.write(
        document(
            "t-grabber",
            {"acct-admin": {"adopt": True, "role": "ADMIN"}},
            namespace="default",
        )
    )

    code, out = platform.up(capsys)

    assert code == 2, out
    assert "users[0].adopt: adopts 'acct-admin' of the default namespace" in out
    assert platform.users("default") == before
    iam = platform.emulator.admin_session().client("iam")
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_role(RoleName="qs-embed-t-grabber")


def test_adopting_a_profile_attached_outside_the_file_is_refused_unless_the_platform_says_so(
    platform: Platform, capsys: pytest.CaptureFixture[str]
) -> None:
    """The review: fin adopted `fin-locked`, attached to cfo (a user of no tenant file), then
    edited its deny list, lifting cfo's restriction."""
    platform.qs.create_custom_permissions(
        AwsAccountId=ACCOUNT,
        CustomPermissionsName="t-fin-locked",
        Capabilities={"ExportToCsv": "DENY", "ExportToExcel": "DENY"},
    )
    platform.register("default", "cfo", "AUTHOR", CustomPermissionsName="t-fin-locked")
    doc = document(
        "t-fin",
        {"fay": {"profile": "locked"}},
        permission_profiles={"locked": {"deny": ["ExportToCsv"], "adopt": True}},
    )
    platform.write(doc)

    code, out = platform.up(capsys)

    assert code == 2, out
    assert (
        "permission_profiles.locked.adopt: adopts the existing CustomPermissions t-fin-locked"
        in out
    )
    described = platform.qs.describe_custom_permissions(
        AwsAccountId=ACCOUNT, CustomPermissionsName="t-fin-locked"
    )["CustomPermissions"]["Capabilities"]
    assert described == {"ExportToCsv": "DENY", "ExportToExcel": "DENY"}
    # The platform's own decision, outside the tenant's file, lets it through (the deny list
    # must then equal what exists: the engine's adoption check).
    platform.allow({"t-fin": {"profiles": ["locked"], "reason": "fin owns cfo's profile now"}})
    doc["permission_profiles"]["locked"]["deny"] = ["ExportToCsv", "ExportToExcel"]
    platform.write(doc)
    code, out = platform.up(capsys)
    assert code == 0, out
