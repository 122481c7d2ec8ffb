"""The embed role's trust policy, as applied from the tenant files: who may assume it, how.

Each refusal is an AssumeRoleError naming the role; nothing reaches QuickSight. The tenant's
own app, with the right ExternalId and a user of the file, is admitted (the control).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from embedder.errors import AssumeRoleError
from qs_embed.cli import main
from tenant_file.config import TenantConfig, TenantUser
from tests.e2e.support import (
    ACCOUNT,
    GAMMA_EXTERNAL_ID,
    TENANT_NAMES,
    UNTRUSTED_APP,
    Apps,
    TenantSpec,
    counting,
    tenant_document,
)
from tests.tenant_files import write_tenant

pytestmark = pytest.mark.emulator

# Session names not in the tenant's file: a stranger, a case variant and an extension of one
# of its users (StringEquals is exact), and another tenant's user.
NOT_IN_FILE = [
    ("t-gamma", "mallory"),
    ("t-gamma", "Gus"),
    ("t-gamma", "gus-admin"),
    ("t-gamma", "dan"),
    ("t-delta", "mallory"),
    ("t-delta", "DAN"),
    ("t-delta", "dan2"),
    ("t-delta", "gus"),
]


def _with_external_id(config: TenantConfig, external_id: str | None) -> TenantConfig:
    secret = None if external_id is None else SecretStr(external_id)
    embedding = config.embedding.model_copy(update={"external_id": secret})
    return config.model_copy(update={"embedding": embedding})


def _assert_refused(error: AssumeRoleError, config: TenantConfig) -> None:
    assert error.role.endswith(f":role/{config.role_name}")
    assert (error.code, error.http_status) == ("AccessDenied", 403)


@pytest.mark.parametrize("tenant", TENANT_NAMES)
def test_an_untrusted_principal_cannot_assume_the_embed_role(
    tenant: str, apps: Apps, tenants: dict[str, TenantConfig]
) -> None:
    config = tenants[tenant]
    # The stranger may call sts:AssumeRole on qs-embed-* (its own policy allows it), and it
    # even holds the tenant's file with its ExternalId: only the trust policy stands in its way.
    session = apps.fresh_session(UNTRUSTED_APP)
    stranger = apps.embedder(config, session=session)

    with counting(session, "before-send.quicksight.GetSessionEmbedUrl") as quicksight:
        for user in config.users:
            with pytest.raises(AssumeRoleError) as refused:
                stranger.session_embed_url(user.name)
            _assert_refused(refused.value, config)

    assert quicksight["before-send.quicksight.GetSessionEmbedUrl"] == 0


@pytest.mark.parametrize(
    "external_id",
    [None, "gamma-embed-000000", GAMMA_EXTERNAL_ID + "x", GAMMA_EXTERNAL_ID.upper()],
    ids=["missing", "another-id", "longer", "other-case"],
)
def test_the_external_id_must_be_exactly_the_tenants(
    external_id: str | None, apps: Apps, tenants: dict[str, TenantConfig]
) -> None:
    config = tenants["t-gamma"]
    wrong = apps.embedder(_with_external_id(config, external_id))

    with pytest.raises(AssumeRoleError) as refused:
        wrong.session_embed_url("gus")

    _assert_refused(refused.value, config)
    assert GAMMA_EXTERNAL_ID not in str(refused.value), "the ExternalId is a secret"
    if external_id is not None:
        assert external_id not in str(refused.value)


@pytest.mark.parametrize(
    ("tenant", "session_name"), NOT_IN_FILE, ids=[f"{t}:{n}" for t, n in NOT_IN_FILE]
)
def test_iam_identity_session_names_are_pinned_to_the_tenants_users(
    tenant: str, session_name: str, apps: Apps, tenants: dict[str, TenantConfig]
) -> None:
    """The app's own role, right ExternalId; only the session name (the user) is not in the
    file: the trust policy refuses it, so no session of the role can be made for it."""
    config = tenants[tenant]
    assert config.user(session_name) is None
    stranger = TenantUser(name=session_name, email="m@evil.example", role="ADMIN")
    forged = apps.embedder(config.model_copy(update={"users": (*config.users, stranger)}))

    with pytest.raises(AssumeRoleError) as refused:
        forged.session_embed_url(session_name)

    _assert_refused(refused.value, config)
    # The control: the same embedder, for a user the file does name, is admitted.
    assert forged.session_embed_url(config.users[0].name).status == 200


def test_the_tenants_own_app_with_the_external_id_is_admitted(
    apps: Apps, tenants: dict[str, TenantConfig]
) -> None:
    config = tenants["t-gamma"]
    session = apps.fresh_session(config.embedding.app_principals[0])
    with counting(session, "before-call.sts.AssumeRole") as sts:
        url = apps.embedder(config, session=session).session_embed_url("gia")

    assert url.status == 200
    assert sts["before-call.sts.AssumeRole"] == 1


# -- trust of a whole account, and of another account -----------------------------------------


def _with(tenants_dir: Path, directory: Path, document: dict[str, Any]) -> Path:
    shutil.copytree(tenants_dir, directory)
    write_tenant(directory, document)
    return directory


def test_a_root_trusting_neighbour_is_refused_by_validate(
    tenants_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The review: a tenant trusting its account's root with an ExternalId passed `validate`
    and `check`, though every other tenant's app of that account could assume its role (the
    ExternalId is in the same repository)."""
    rooted = tenant_document(TenantSpec("t-rooted", "quicksight", {"rory": None}, "rooted-0001"))
    rooted["embedding"]["app_principals"] = [f"arn:aws:iam::{ACCOUNT}:root"]
    directory = _with(tenants_dir, tmp_path / "tenants", rooted)

    assert main(["validate", str(directory)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert (
        f"{directory / 't-rooted.yaml'}: embedding.app_principals[0]: trusts the whole account "
        f"arn:aws:iam::{ACCOUNT}:root, where the app principals of tenant t-alpha, t-beta, "
        "t-delta, t-gamma live"
    ) in err
    assert "rooted-0001" not in err, "the ExternalId is a secret"
    assert "Traceback" not in err


def test_check_advises_on_an_app_of_another_account_without_external_id(
    tenants_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    partner = tenant_document(TenantSpec("t-partner", "quicksight", {"pat": None}))
    partner["embedding"]["app_principals"] = [PARTNER_APP]
    directory = _with(tenants_dir, tmp_path / "tenants", partner)

    assert main(["check", "--tenants", str(directory)]) == 0
    out = capsys.readouterr().out
    assert (
        "advisory iam-trust-other-account-external-id: role qs-embed-t-partner trust policy "
        f"statement 0 ('TenantAppsAssumeEmbedRole'): trusts {PARTNER_APP} of account "
        f"444455556666, not tenant t-partner's account {ACCOUNT}, without an sts:ExternalId"
    ) in out
    assert out.rstrip().splitlines()[-1].startswith("ok: ")


PARTNER_APP = "arn:aws:iam::444455556666:role/partner-app"
