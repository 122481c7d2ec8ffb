"""Tenant isolation, end to end: tenant files -> the program applied -> each tenant's app.

Every tenant's app mints for each of its own users; for every ordered pair of tenants (A, B),
A's app never gets a URL for any of B's users, whichever identity mode either uses:

- forged: A's app, as A's role, with A's file edited to name B's namespace and users. For
  quicksight identity the role's GetAuthCode is scoped to `user/<A's namespace>/*`
  (AccessDeniedError); for iam identity A's trust policy pins session names to A's users, so
  the role cannot even be assumed as B's user (AssumeRoleError).
- B's role: A's app with B's whole file (ExternalId included, as if it leaked): B's trust
  policy names only B's app (AssumeRoleError).
"""

from __future__ import annotations

from itertools import permutations
from pathlib import Path
from typing import Any

import pytest

from embedder import EmbedderError
from embedder.errors import AccessDeniedError, AssumeRoleError, QuickSightUserNotFoundError
from infra.program import load_checked_tenants
from local_engine.local_apply import apply_locally
from sandbox import Emulator
from tenant_file.config import TenantConfig
from tests.e2e.support import (
    NO_RETRIES,
    SUITE_TENANTS,
    TENANT_NAMES,
    Apps,
    TenantSpec,
    counting,
    forged_for,
    redeem,
    tenant_document,
)
from tests.tenant_files import write_tenant

pytestmark = pytest.mark.emulator

OWN_USERS = [(spec.name, user) for spec in SUITE_TENANTS for user in spec.users]
PAIRS = list(permutations(TENANT_NAMES, 2))


def pair_id(pair: tuple[str, str]) -> str:
    return f"{pair[0]}->{pair[1]}"


def test_the_matrix_covers_both_identity_modes_in_every_direction(
    tenants: dict[str, TenantConfig],
) -> None:
    modes = {(tenants[a].embedding.identity, tenants[b].embedding.identity) for a, b in PAIRS}
    assert modes == {
        ("quicksight", "quicksight"),
        ("quicksight", "iam"),
        ("iam", "quicksight"),
        ("iam", "iam"),
    }
    names = [user.name for config in tenants.values() for user in config.users]
    assert len(names) == len(set(names)), "user names must not repeat across tenants"


@pytest.mark.parametrize(("tenant", "user"), OWN_USERS, ids=[f"{t}:{u}" for t, u in OWN_USERS])
def test_each_app_mints_for_its_own_users(
    tenant: str, user: str, apps: Apps, emulator: Emulator, tenants: dict[str, TenantConfig]
) -> None:
    config = tenants[tenant]
    url = apps.embedder(config).session_embed_url(user)

    assert url.status == 200
    assert (url.tenant, url.user) == (tenant, user)
    assert url.url.startswith(f"{emulator.endpoint_url}/embed/")
    assert url.request_id


@pytest.mark.parametrize("pair", PAIRS, ids=pair_id)
def test_an_app_cannot_mint_for_another_tenants_users_with_its_own_role(
    pair: tuple[str, str], apps: Apps, emulator: Emulator, tenants: dict[str, TenantConfig]
) -> None:
    asker, victim = tenants[pair[0]], tenants[pair[1]]
    qs = emulator.admin_session().client("quicksight")
    before = _users(qs, victim)
    forged = apps.embedder(forged_for(asker, victim), asker.embedding.app_principals[0])
    iam_asker = asker.embedding.identity == "iam"
    expected: type[EmbedderError] = AssumeRoleError if iam_asker else AccessDeniedError

    for user in victim.users:
        with pytest.raises((AccessDeniedError, AssumeRoleError)) as denied:
            forged.session_embed_url(user.name)

        error = denied.value
        assert type(error) is expected, f"{user.name}: {type(error).__name__}: {error}"
        if iam_asker:
            # A's own role, refused because the session name is not one of A's users.
            assert isinstance(error, AssumeRoleError)
            assert f"role/{asker.role_name}" in error.role
            assert (error.code, error.http_status) == ("AccessDenied", 403)
        else:
            # The role was assumed; QuickSight refused GetAuthCode on B's user.
            assert isinstance(error, AccessDeniedError)
            assert error.http_status == 401
            target = f"user/{victim.namespace}/{user.name}"
            assert "quicksight:GetAuthCode" in str(error)
            assert target in str(error)
    # iam identity registers users just in time: no refused attempt may have registered one.
    assert _users(qs, victim) == before
    assert {name for name, _ in before} == {
        victim.quicksight_user_name(user.name) for user in victim.users
    }


@pytest.mark.parametrize("pair", PAIRS, ids=pair_id)
def test_an_app_cannot_assume_another_tenants_role(
    pair: tuple[str, str], apps: Apps, tenants: dict[str, TenantConfig]
) -> None:
    asker, victim = tenants[pair[0]], tenants[pair[1]]
    # B's file as it is, ExternalId included: only the caller (A's app) is wrong.
    intruder = apps.embedder(victim, asker.embedding.app_principals[0])

    for user in victim.users:
        with pytest.raises((AccessDeniedError, AssumeRoleError)) as denied:
            intruder.session_embed_url(user.name)

        error = denied.value
        assert isinstance(error, AssumeRoleError), f"{type(error).__name__}: {error}"
        assert error.role.endswith(f":role/{victim.role_name}")
        assert (error.code, error.http_status) == ("AccessDenied", 403)


def _users(qs: Any, config: TenantConfig) -> set[tuple[str, str]]:
    listed = qs.list_users(AwsAccountId=config.account_id, Namespace=config.namespace)
    return {(u["UserName"], u["Arn"]) for u in listed["UserList"]}


# -- a user name two tenants share -----------------------------------------------------------

SHARING = (
    TenantSpec("t-theta", "iam", {"sam": "analyst", "kim": "viewer"}),
    TenantSpec("t-iota", "quicksight", {"sam": "analyst", "kim": "viewer"}),
)


def apply_tenant_files(emulator: Emulator, directory: Path) -> dict[str, TenantConfig]:
    """The tenant files of ``directory``, loaded and checked as the CLI does and applied to
    ``emulator``: their configs by tenant name."""
    configs = {config.tenant: config for _, config in load_checked_tenants(directory)}
    apply_locally(list(configs.values()), emulator.admin_session())
    return configs


@pytest.fixture(scope="module")
def sharing(
    emulator: Emulator, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, TenantConfig]:
    """Two more tenants whose users have the same names (`sam`, `kim`), applied."""
    directory = tmp_path_factory.mktemp("sharing")
    for spec in SHARING:
        document = tenant_document(spec)
        if spec.identity == "iam":  # t-theta registers its users just in time
            document["embedding"]["register_on_first_use"] = True
        write_tenant(directory, document)
    return apply_tenant_files(emulator, directory)


def test_a_shared_user_name_only_ever_opens_the_askers_own_user(
    sharing: dict[str, TenantConfig], apps: Apps
) -> None:
    """iam identity: t-theta's trust policy admits the session `sam` (its own user), so the
    forged request is served; but the session IS t-theta's sam, so the URL opens t-theta's
    user, never t-iota's `sam`."""
    theta, iota = sharing["t-theta"], sharing["t-iota"]
    url = apps.embedder(forged_for(theta, iota)).session_embed_url("sam")

    status, page = redeem(url.url)
    assert status == 200
    assert f":user/{theta.namespace}/{theta.role_name}/sam<" in page
    assert f"user/{iota.namespace}/" not in page


def test_just_in_time_registration_cannot_land_in_another_tenants_namespace(
    sharing: dict[str, TenantConfig], apps: Apps, emulator: Emulator
) -> None:
    """t-theta (opted in to just-in-time registration)'s `kim` is not registered yet (deleted
    here): the forged request registers her just in time in t-iota's namespace, which
    t-theta's role may not do; her own tenant's embedder registers her in t-theta's namespace
    and mints."""
    theta, iota = sharing["t-theta"], sharing["t-iota"]
    qs = emulator.admin_session().client("quicksight")
    kim = theta.quicksight_user_name("kim")
    qs.delete_user(AwsAccountId=theta.account_id, Namespace=theta.namespace, UserName=kim)
    iota_before = _users(qs, iota)

    with pytest.raises(AccessDeniedError) as denied:
        apps.embedder(forged_for(theta, iota)).session_embed_url("kim")

    assert f"user/{iota.namespace}/{kim}" in str(denied.value)
    assert _users(qs, iota) == iota_before
    assert apps.embedder(theta).session_embed_url("kim").status == 200
    described = qs.describe_user(
        AwsAccountId=theta.account_id, Namespace=theta.namespace, UserName=kim
    )
    assert described["User"]["CustomPermissionsName"] == "t-theta-viewer"


# -- the review's attacks: an app that skips the embedder and calls AWS as its role ---------

HARDENED = (
    TenantSpec("t-nu", "iam", {"nu-ana": "analyst", "nu-abe": "viewer"}),  # JIT on
    TenantSpec("t-xi", "iam", {"xi-ed": "analyst", "xi-eve": "viewer"}),  # JIT off
    TenantSpec("t-omicron", "quicksight", {"om-al": "analyst"}),  # allowed_domains
)
OMICRON_DOMAIN = "https://portal.t-omicron.example"
EVIL = "https://evil.example"


@pytest.fixture(scope="module")
def hardened(
    emulator: Emulator, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, TenantConfig]:
    directory = tmp_path_factory.mktemp("hardened")
    for spec in HARDENED:
        document = tenant_document(spec)
        if spec.name == "t-nu":
            document["embedding"]["register_on_first_use"] = True
        if spec.name == "t-omicron":
            document["embedding"]["allowed_domains"] = [OMICRON_DOMAIN]
        write_tenant(directory, document)
    return apply_tenant_files(emulator, directory)


def _as_role(apps: Apps, config: TenantConfig, session_name: str) -> Any:
    """The tenant's own app, as its embed role, for a user of its file: raw boto3."""
    app = apps.session(config.embedding.app_principals[0])
    credentials = app.client("sts").assume_role(
        RoleArn=_role_arn(config), RoleSessionName=session_name
    )["Credentials"]
    session = apps.emulator.session(
        credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials["SessionToken"]
    )
    return session.client("quicksight", config=NO_RETRIES)


def _role_arn(config: TenantConfig) -> str:
    return f"arn:aws:iam::{config.account_id}:role/{config.role_name}"


def _register_admin(qs: Any, config: TenantConfig, **identity: str) -> Any:
    return qs.register_user(
        AwsAccountId=config.account_id,
        Namespace=config.namespace,
        Email="mallory@evil.example",
        UserRole="ADMIN",
        **identity,
    )


def test_attack_jit_registration_of_a_session_name_outside_the_file(
    hardened: dict[str, TenantConfig], apps: Apps, emulator: Emulator
) -> None:
    nu = hardened["t-nu"]
    qs = _as_role(apps, nu, "nu-ana")
    before = _users(emulator.admin_session().client("quicksight"), nu)

    with pytest.raises(qs.exceptions.AccessDeniedException) as denied:
        _register_admin(qs, nu, IdentityType="IAM", IamArn=_role_arn(nu), SessionName="mallory")

    assert "quicksight:RegisterUser" in str(denied.value)
    assert _users(emulator.admin_session().client("quicksight"), nu) == before


def test_attack_quicksight_identity_registration_by_an_iam_tenants_role(
    hardened: dict[str, TenantConfig], apps: Apps
) -> None:
    nu = hardened["t-nu"]
    qs = _as_role(apps, nu, "nu-ana")

    with pytest.raises(qs.exceptions.AccessDeniedException) as denied:
        _register_admin(qs, nu, IdentityType="QUICKSIGHT", UserName=f"{nu.role_name}/mallory")

    assert f"user/{nu.namespace}/{nu.role_name}/mallory" in str(denied.value)


def test_attack_admin_self_registration_when_jit_registration_is_off(
    hardened: dict[str, TenantConfig], apps: Apps, emulator: Emulator
) -> None:
    """t-xi's `xi-eve` is gone from QuickSight (deleted by an admin): her own app, as its role
    and as her session, may not register her (as an ADMIN, without her profile); the embedder
    does not try, and says she is not registered."""
    xi = hardened["t-xi"]
    admin_qs = emulator.admin_session().client("quicksight")
    eve = xi.quicksight_user_name("xi-eve")
    admin_qs.delete_user(AwsAccountId=xi.account_id, Namespace=xi.namespace, UserName=eve)
    qs = _as_role(apps, xi, "xi-eve")

    with pytest.raises(qs.exceptions.AccessDeniedException) as denied:
        _register_admin(qs, xi, IdentityType="IAM", IamArn=_role_arn(xi), SessionName="xi-eve")
    session = apps.fresh_session(xi.embedding.app_principals[0])
    with (
        counting(session, "before-call.quicksight.RegisterUser") as calls,
        pytest.raises(QuickSightUserNotFoundError),
    ):
        apps.embedder(xi, session=session).session_embed_url("xi-eve")

    assert "quicksight:RegisterUser" in str(denied.value)
    assert calls["before-call.quicksight.RegisterUser"] == 0
    assert eve not in {name for name, _ in _users(admin_qs, xi)}


@pytest.mark.parametrize(
    ("domains", "allowed"),
    [([EVIL], False), ([OMICRON_DOMAIN, EVIL], False), (None, False), ([OMICRON_DOMAIN], True)],
    ids=["evil", "evil-beside-own", "none-sent", "own"],
)
def test_attack_domains_outside_the_file(
    domains: list[str] | None, allowed: bool, hardened: dict[str, TenantConfig], apps: Apps
) -> None:
    omicron = hardened["t-omicron"]
    qs = _as_role(apps, omicron, "app")
    request: dict[str, Any] = {
        "AwsAccountId": omicron.account_id,
        "UserArn": f"arn:aws:quicksight:{omicron.region}:{omicron.account_id}:user/"
        f"{omicron.namespace}/om-al",
        "ExperienceConfiguration": {"QuickSightConsole": {"InitialPath": "/start"}},
    }
    if domains is not None:
        request["AllowedDomains"] = domains

    if allowed:
        assert qs.generate_embed_url_for_registered_user(**request)["Status"] == 200
    else:
        with pytest.raises(qs.exceptions.AccessDeniedException) as denied:
            qs.generate_embed_url_for_registered_user(**request)
        assert "quicksight:GenerateEmbedUrlForRegisteredUser" in str(denied.value)


def test_the_embedder_sends_the_files_domains_and_is_admitted(
    hardened: dict[str, TenantConfig], apps: Apps
) -> None:
    """The control: through the embedder the file's domains are sent, and IAM agrees."""
    url = apps.embedder(hardened["t-omicron"]).generate_console_url("om-al")

    assert url.status == 200
    assert "evil" not in url.url
