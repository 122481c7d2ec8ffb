"""Tenant edits over time, through `qs-embed local up` on the emulator, as on real AWS.

Each step edits a tenant file, runs `local up` (the strict engine, state kept between steps)
and checks the emulator: after a step that applies, the tenant's role, trust, role policy,
namespace and users (role, email, profile) equal the YAML; after a step that is refused, the
emulator is exactly as before (nothing changed). The tenants are this module's own.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from policies.embed_role import embed_role_permissions_policy, embed_role_trust_policy
from qs_embed.cli import main
from sandbox import Emulator
from tenant_file.loader import parse_tenant
from tests.e2e.support import ACCOUNT, PROFILES, REGION, app_principal

pytestmark = pytest.mark.emulator

ROLES = ("AUTHOR", "ADMIN", "AUTHOR_PRO", "ADMIN_PRO")
# Every ordered pair of the four roles once: an Euler circuit of the complete digraph.
ROLE_WALK = ("AUTHOR", "ADMIN", "AUTHOR", "AUTHOR_PRO", "AUTHOR", "ADMIN_PRO", "ADMIN",
             "AUTHOR_PRO", "ADMIN", "ADMIN_PRO", "AUTHOR_PRO", "ADMIN_PRO", "AUTHOR")  # fmt: skip


def document(tenant: str, users: dict[str, dict[str, Any]], **extra: Any) -> dict[str, Any]:
    embedding = {"identity": "quicksight", "app_principals": [app_principal(tenant)]}
    embedding |= extra.pop("embedding", {})
    return {
        "tenant": tenant,
        "account_id": ACCOUNT,
        "region": REGION,
        "embedding": embedding,
        "permission_profiles": PROFILES,
        "users": [
            {"name": n, "email": f"{n}@{tenant}.example", "role": "AUTHOR", **u}
            for n, u in users.items()
        ],
        **extra,
    }


class World:
    """The emulator as the platform team sees it, and `local up` as they run it."""

    def __init__(self, emulator: Emulator, root: Path) -> None:
        self.emulator = emulator
        self.root = root
        self.admin = emulator.admin_session()
        self.qs = self.admin.client("quicksight")
        self.iam = self.admin.client("iam")

    def write(self, directory: str, *documents: dict[str, Any]) -> Path:
        folder = self.root / directory
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.yaml"):
            old.unlink()
        for doc in documents:
            (folder / f"{doc['tenant']}.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
        return folder

    def up(
        self, capsys: pytest.CaptureFixture[str], directory: Path, state: str
    ) -> tuple[int, str, str]:
        code = main(
            [
                "local",
                "up",
                "--tenants",
                str(directory),
                "--endpoint-url",
                self.emulator.endpoint_url,
                "--state",
                str(self.root / state),
            ]
        )
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    def destroy(self, capsys: pytest.CaptureFixture[str], state: str) -> tuple[int, str]:
        code = main(
            [
                "local",
                "destroy",
                "--endpoint-url",
                self.emulator.endpoint_url,
                "--state",
                str(self.root / state),
            ]
        )
        return code, capsys.readouterr().out

    # -- what the emulator has ------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """Everything a step may touch: embed roles with their policies, namespaces, profiles,
        every user of every namespace."""
        roles = {}
        for role in self.iam.list_roles()["Roles"]:
            if role["RoleName"].startswith("qs-embed-"):
                name = role["RoleName"]
                roles[name] = {
                    "trust": _doc(role["AssumeRolePolicyDocument"]),
                    "policies": {
                        p: _doc(
                            self.iam.get_role_policy(RoleName=name, PolicyName=p)["PolicyDocument"]
                        )
                        for p in self.iam.list_role_policies(RoleName=name)["PolicyNames"]
                    },
                }
        namespaces = [
            n["Name"] for n in self.qs.list_namespaces(AwsAccountId=ACCOUNT)["Namespaces"]
        ]
        users = {
            (ns, u["UserName"]): (u["Role"], u["Email"], u.get("CustomPermissionsName"))
            for ns in namespaces
            for u in self.qs.list_users(AwsAccountId=ACCOUNT, Namespace=ns)["UserList"]
        }
        profiles = {
            p["CustomPermissionsName"]: sorted(p["Capabilities"])
            for p in self.qs.list_custom_permissions(AwsAccountId=ACCOUNT)["CustomPermissionsList"]
        }
        return {
            "roles": roles,
            "namespaces": sorted(namespaces),
            "users": users,
            "profiles": profiles,
        }

    def assert_equals_yaml(self, doc: dict[str, Any]) -> None:
        """The tenant in the emulator is what its file says."""
        config = parse_tenant(yaml.safe_dump(doc))
        now = self.snapshot()
        role = now["roles"][config.role_name]
        assert role["trust"] == embed_role_trust_policy(config)
        assert role["policies"] == {
            "quicksight-embedding": embed_role_permissions_policy(
                config, partition="aws", account_id=ACCOUNT
            )
        }
        assert config.namespace in now["namespaces"]
        for user in config.users:
            name = (
                f"{config.role_name}/{user.name}"
                if config.embedding.identity == "iam"
                else user.name
            )
            profile = config.profile_name(user.profile) if user.profile else None
            assert now["users"][(config.namespace, name)] == (user.role, user.email, profile)
        for key, profile_doc in config.permission_profiles.items():
            assert now["profiles"][config.profile_name(key)] == sorted(profile_doc.deny)


def _doc(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


@pytest.fixture
def world(emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    for name, value in emulator.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return World(emulator, tmp_path)


def changes(out: str) -> list[tuple[str, str]]:
    """(operation, resource) of each change line `local up` printed."""
    found = []
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[1] in {
            "create",
            "import",
            "update",
            "replace",
            "delete",
            "forget",
        }:
            found.append((parts[1], parts[2]))
    return found


# -- users ---------------------------------------------------------------------------------


def test_add_a_user_then_walk_every_role_pair_in_place(world: World, capsys: Any) -> None:
    users: dict[str, dict[str, Any]] = {"lia": {"profile": "analyst"}}
    doc = document("t-life-roles", users)
    assert world.up(capsys, world.write("roles", doc), "roles.json")[0] == 0
    users["leo"] = {}
    doc = document("t-life-roles", users)
    code, out, _ = world.up(capsys, world.write("roles", doc), "roles.json")
    assert code == 0
    assert ("create", "t-life-roles.user.leo") in changes(out)
    world.assert_equals_yaml(doc)
    for before, after in itertools.pairwise(ROLE_WALK):
        users["lia"]["role"] = after
        doc = document("t-life-roles", users)
        code, out, err = world.up(capsys, world.write("roles", doc), "roles.json")
        assert code == 0, err
        assert changes(out) == [("update", "t-life-roles.user.lia")], f"{before} -> {after}"
        assert f"(userRole: {before} → {after})" in out
        world.assert_equals_yaml(doc)
    assert {(a, b) for a, b in itertools.pairwise(ROLE_WALK)} == {
        (a, b) for a in ROLES for b in ROLES if a != b
    }


def test_email_and_profile_edits_apply_in_place(world: World, capsys: Any) -> None:
    users: dict[str, dict[str, Any]] = {"mia": {"profile": "analyst"}}
    state = "profiles.json"
    steps: list[dict[str, Any]] = [
        {"email": "mia.new@t-life-prof.example", "profile": "analyst"},  # email
        {"email": "mia.new@t-life-prof.example", "profile": "viewer"},  # change profile
        {"email": "mia.new@t-life-prof.example"},  # remove the profile line
        {"email": "mia.new@t-life-prof.example", "profile": "analyst"},  # re-add it
    ]
    assert world.up(capsys, world.write("prof", document("t-life-prof", users)), state)[0] == 0
    for step in steps:
        users["mia"] = step
        doc = document("t-life-prof", users)
        code, out, err = world.up(capsys, world.write("prof", doc), state)
        assert code == 0, err
        assert changes(out) == [("update", "t-life-prof.user.mia")]
        world.assert_equals_yaml(doc)


def test_remove_a_user_then_re_add_it_adopted(world: World, capsys: Any) -> None:
    state = "readd.json"
    both = document("t-life-readd", {"nia": {}, "ned": {"profile": "viewer"}})
    assert world.up(capsys, world.write("readd", both), state)[0] == 0

    alone = document("t-life-readd", {"nia": {}})
    code, out, _ = world.up(capsys, world.write("readd", alone), state)
    assert code == 0
    assert ("forget", "t-life-readd.user.ned") in changes(out)
    retained = world.snapshot()["users"][("t-life-readd", "ned")]
    assert retained == ("AUTHOR", "ned@t-life-readd.example", "t-life-readd-viewer")
    world.assert_equals_yaml(alone)

    before = world.snapshot()
    code, _, err = world.up(capsys, world.write("readd", both), state)
    assert code == 2
    assert "users[1] (ned): QuickSight user ned in namespace t-life-readd already exists" in err
    assert "add `adopt: true` to user ned" in err
    assert world.snapshot() == before, "refused before anything changed"

    adopted = document("t-life-readd", {"nia": {}, "ned": {"adopt": True, "role": "ADMIN"}})
    code, out, _ = world.up(capsys, world.write("readd", adopted), state)
    assert code == 0
    assert "adopted the existing user" in out
    world.assert_equals_yaml(adopted)


# -- tenants -------------------------------------------------------------------------------


def test_remove_a_tenant_then_re_add_it(world: World, capsys: Any) -> None:
    state = "tenant.json"
    keep = document("t-life-keep", {"oli": {}})
    gone = document("t-life-gone", {"ora": {"profile": "analyst"}})
    assert world.up(capsys, world.write("tenants", keep, gone), state)[0] == 0

    code, out, _ = world.up(capsys, world.write("tenants", keep), state)
    assert code == 0
    assert ("delete", "t-life-gone.role") in changes(out)
    assert ("forget", "t-life-gone.user.ora") in changes(out)
    now = world.snapshot()
    assert "qs-embed-t-life-gone" not in now["roles"], "nothing embeds for it any more"
    assert ("t-life-gone", "ora") in now["users"], "its user and what it owns are kept"
    world.assert_equals_yaml(keep)

    before = world.snapshot()
    code, _, err = world.up(capsys, world.write("tenants", keep, gone), state)
    assert code == 2
    assert "namespace: QuickSight namespace t-life-gone already exists" in err
    assert "permission_profiles.analyst: CustomPermissions t-life-gone-analyst" in err
    assert "users[0] (ora)" in err
    assert world.snapshot() == before

    back = document(
        "t-life-gone", {"ora": {"profile": "analyst", "adopt": True}}, adopt_namespace=True
    )
    back["permission_profiles"] = {k: {**v, "adopt": True} for k, v in PROFILES.items()}
    code, out, err = world.up(capsys, world.write("tenants", keep, back), state)
    assert code == 0, err
    assert ("import", "t-life-gone.namespace") in changes(out)
    world.assert_equals_yaml(back)


def test_onboard_a_tenant_whose_users_already_exist(world: World, capsys: Any) -> None:
    world.qs.create_namespace(
        AwsAccountId=ACCOUNT, Namespace="t-life-old", IdentityStore="QUICKSIGHT"
    )
    world.qs.register_user(
        AwsAccountId=ACCOUNT,
        Namespace="t-life-old",
        IdentityType="QUICKSIGHT",
        UserName="pam",
        Email="pam@legacy.example",
        UserRole="ADMIN",
    )
    plain = document("t-life-old", {"pam": {"profile": "analyst"}})
    before = world.snapshot()
    code, _, err = world.up(capsys, world.write("old", plain), "old.json")
    assert code == 2
    assert "adopt_namespace: true" in err
    assert "add `adopt: true` to user pam" in err
    assert world.snapshot() == before

    adopting = document(
        "t-life-old", {"pam": {"profile": "analyst", "adopt": True}}, adopt_namespace=True
    )
    code, _out, err = world.up(capsys, world.write("old", adopting), "old.json")
    assert code == 0, err
    world.assert_equals_yaml(adopting)  # AUTHOR, its file email, the analyst profile


def test_destroy_then_up(world: World, capsys: Any) -> None:
    doc = document("t-life-again", {"quinn": {"profile": "viewer"}})
    assert world.up(capsys, world.write("again", doc), "again.json")[0] == 0
    code, out = world.destroy(capsys, "again.json")
    assert code == 0
    assert ("delete", "t-life-again.role-policy") in changes(out)
    assert ("forget", "t-life-again.user.quinn") in changes(out)
    assert "qs-embed-t-life-again" not in world.snapshot()["roles"]

    readopt = document(
        "t-life-again", {"quinn": {"profile": "viewer", "adopt": True}}, adopt_namespace=True
    )
    readopt["permission_profiles"] = {k: {**v, "adopt": True} for k, v in PROFILES.items()}
    code, _, err = world.up(capsys, world.write("again", readopt), "again.json")
    assert code == 0, err
    world.assert_equals_yaml(readopt)


def test_a_user_the_app_registered_first_is_adopted_by_the_next_up(
    world: World, capsys: Any
) -> None:
    jit = {"identity": "iam", "register_on_first_use": True}
    first = document("t-life-jit", {"rae": {}}, embedding=jit)
    assert world.up(capsys, world.write("jit", first), "jit.json")[0] == 0
    # The app registered a session of the embed role just in time (as the embedder does).
    world.qs.register_user(
        AwsAccountId=ACCOUNT,
        Namespace="t-life-jit",
        IdentityType="IAM",
        IamArn=f"arn:aws:iam::{ACCOUNT}:role/qs-embed-t-life-jit",
        SessionName="rex",
        Email="rex@t-life-jit.example",
        UserRole="AUTHOR",
    )
    both = document("t-life-jit", {"rae": {}, "rex": {"profile": "viewer"}}, embedding=jit)
    code, out, err = world.up(capsys, world.write("jit", both), "jit.json")
    assert code == 0, err
    assert "adopted the existing user" in out
    world.assert_equals_yaml(both)


def test_without_just_in_time_registration_an_existing_session_user_is_refused(
    world: World, capsys: Any
) -> None:
    first = document("t-life-nojit", {"sam": {}}, embedding={"identity": "iam"})
    assert world.up(capsys, world.write("nojit", first), "nojit.json")[0] == 0
    world.qs.register_user(
        AwsAccountId=ACCOUNT,
        Namespace="t-life-nojit",
        IdentityType="IAM",
        IamArn=f"arn:aws:iam::{ACCOUNT}:role/qs-embed-t-life-nojit",
        SessionName="sol",
        Email="sol@x.example",
        UserRole="ADMIN",
    )
    before = world.snapshot()
    both = document("t-life-nojit", {"sam": {}, "sol": {}}, embedding={"identity": "iam"})
    code, _, err = world.up(capsys, world.write("nojit", both), "nojit.json")
    assert code == 2
    assert "qs-embed-t-life-nojit/sol" in err
    assert world.snapshot() == before


# -- refusals ------------------------------------------------------------------------------


def test_a_file_claiming_an_account_admin_is_refused_and_granted_nothing(
    world: World, capsys: Any
) -> None:
    world.qs.register_user(
        AwsAccountId=ACCOUNT,
        Namespace="default",
        IdentityType="QUICKSIGHT",
        UserName="root-admin",
        Email="root@corp.example",
        UserRole="ADMIN",
    )
    claim = document("t-life-claim", {"root-admin": {}}, namespace="default")
    before = world.snapshot()
    code, _, err = world.up(capsys, world.write("claim", claim), "claim.json")
    assert code == 2
    assert "users[0] (root-admin): QuickSight user root-admin in namespace default" in err
    after = world.snapshot()
    assert after == before, "no role, no policy: nothing granted on the admin"
    assert after["users"][("default", "root-admin")] == ("ADMIN", "root@corp.example", None)
    assert not (world.root / "claim.json").exists()


def test_a_file_of_another_account_is_refused_and_creates_nothing(
    world: World, capsys: Any
) -> None:
    elsewhere = {**document("t-life-other", {"tom": {}}), "account_id": "444455556666"}
    before = world.snapshot()
    code, _, err = world.up(capsys, world.write("other", elsewhere), "other.json")
    assert code == 2
    assert "t-life-other.yaml: account_id: is 444455556666" in err
    assert f"credentials are of account {ACCOUNT}" in err
    assert world.snapshot() == before


def test_a_failed_change_exits_1_and_the_next_up_continues(world: World, capsys: Any) -> None:
    doc = document("t-life-fail", {"uma": {"profile": "analyst"}})
    folder = world.write("fail", doc)
    world.emulator.faults.clear()
    world.emulator.faults.inject("CreateNamespace", kind="internal")
    try:
        code, out, err = world.up(capsys, folder, "fail.json")
    finally:
        world.emulator.faults.clear()
    assert code == 1
    assert (
        "error: t-life-fail.namespace (aws:quicksight/namespace:Namespace): InternalFailure" in err
    )
    applied = changes(out)
    assert f"local up failed after {len(applied)} change" in err
    assert ("create", "t-life-fail.role") in applied

    code, out, err = world.up(capsys, folder, "fail.json")
    assert code == 0, err
    assert ("create", "t-life-fail.role") not in changes(out), "already in the state"
    assert ("create", "t-life-fail.namespace") in changes(out)
    world.assert_equals_yaml(doc)
