"""The emulator's embedding operations (`sandbox.quicksight.embedding`, their inputs in
`sandbox.quicksight.embed_inputs`): dashboards, visuals, Q and anonymous readers, both APIs, IAM on
the namespace, dashboard and topic resource types, single-use pages that show the experience
and the session tags a reader got, and logs that never carry a tag value.

Tenants ``initech`` and ``hooli`` (their own namespaces), whose embed roles carry the policy
builders' permissions for files with dashboards and anonymous readers."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from embedder import Embedder, SessionTagError
from policies.embed_role import embed_role_permissions_policy
from sandbox import Emulator, EmulatorSession
from sandbox.quicksight.embed_inputs import parse_experience
from sandbox.quicksight.exceptions import QuickSightError
from tenant_file.config import TenantConfig
from tests.e2e.support import redeem
from tests.sandbox.conftest import (
    ACCOUNT,
    NO_RETRIES,
    REGION,
    SERVER_VALIDATES,
    assume,
    make_embed_role,
    seed_dashboard,
    tenant_config,
)

pytestmark = pytest.mark.emulator

QS = f"arn:aws:quicksight:{REGION}:{ACCOUNT}"
SECRET = "eu-west-1-s3cr3t-region"


def config(name: str) -> TenantConfig:
    """conftest's `tenant_config` with domains, every experience, a dashboard and anonymous
    readers of another, tagged by region and a fixed tenant id."""
    data = tenant_config(name).model_dump(mode="python")
    data["embedding"].update(
        allowed_domains=[f"https://portal.{name}.example"],
        experiences=["console", "dashboard", "visual", "q"],
        dashboards=[f"{name}-sales"],
    )
    data["anonymous"] = {
        "dashboards": [f"{name}-kpis"],
        "topics": [f"{name}-q"],
        "session_tags": {"keys": ["region"], "fixed": {"tenant_id": name}},
    }
    return TenantConfig.model_validate(data)


@dataclass(frozen=True)
class Setup:
    emulator: Emulator
    sessions: dict[str, EmulatorSession]

    def qs(self, tenant: str, **options: Any) -> Any:
        return self.sessions[tenant].client("quicksight", config=NO_RETRIES, **options)


@pytest.fixture(scope="module")
def setup(emulator: Emulator, admin: EmulatorSession) -> Setup:
    qs_admin = admin.client("quicksight", config=NO_RETRIES)
    sessions = {}
    for name in ("initech", "hooli"):
        tenant = config(name)
        qs_admin.create_namespace(AwsAccountId=ACCOUNT, Namespace=name, IdentityStore="QUICKSIGHT")
        qs_admin.register_user(
            AwsAccountId=ACCOUNT,
            Namespace=name,
            IdentityType="QUICKSIGHT",
            UserName=f"{name}-author",
            Email=f"a@{name}.example",
            UserRole="AUTHOR",
        )
        user = f"{QS}:user/{name}/{name}-author"
        seed_dashboard(qs_admin, f"{name}-sales", [user])
        seed_dashboard(qs_admin, f"{name}-kpis", [user])
        qs_admin.create_topic(
            AwsAccountId=ACCOUNT, TopicId=f"{name}-q", Topic={"Name": f"{name} questions"}
        )
        portal = tenant.embedding.app_principals[0]
        emulator.principal_session(portal)
        policy = embed_role_permissions_policy(tenant, partition="aws", account_id=ACCOUNT)
        role = make_embed_role(admin, tenant.role_name, portal, dict(policy))
        sessions[name] = assume(emulator, emulator.principal_session(portal), role, "qs-embed")
    return Setup(emulator, sessions)


def anonymous(tenant: str, dashboard: str, **overrides: Any) -> dict[str, Any]:
    request: dict[str, Any] = {
        "AwsAccountId": ACCOUNT,
        "Namespace": tenant,
        "AuthorizedResourceArns": [f"{QS}:dashboard/{dashboard}"],
        "ExperienceConfiguration": {"Dashboard": {"InitialDashboardId": dashboard}},
        "SessionTags": [{"Key": "tenant_id", "Value": tenant}, {"Key": "region", "Value": SECRET}],
        "AllowedDomains": [f"https://portal.{tenant}.example"],
    }
    request.update(overrides)
    return request


def denied(error: pytest.ExceptionInfo[ClientError]) -> str:
    assert error.value.response["Error"]["Code"] == "AccessDeniedException"
    return str(error.value)


# -- what a reader gets ----------------------------------------------------------------------


def test_an_anonymous_reader_sees_the_dashboard_and_its_tags_once(setup: Setup) -> None:
    answer = setup.qs("initech").generate_embed_url_for_anonymous_user(
        **anonymous("initech", "initech-kpis")
    )
    assert answer["AnonymousUserArn"].startswith(f"{QS}:user/initech/anonymous-")
    status, page = redeem(answer["EmbedUrl"])
    assert status == 200
    assert "QuickSight dashboard (local emulator)" in page
    assert "<td>Dashboard</td>" in page
    assert "<td>/dashboards/initech-kpis</td>" in page
    assert f"<td data-tag='region'>{SECRET}</td>" in page
    assert "<td data-tag='tenant_id'>initech</td>" in page
    assert redeem(answer["EmbedUrl"])[0] == 410  # single use


def test_every_experience_of_both_apis(setup: Setup) -> None:
    qs = setup.qs("initech")
    user = f"{QS}:user/initech/initech-author"
    visual = {"DashboardId": "initech-sales", "SheetId": "s1", "VisualId": "v1"}
    registered = {
        "Dashboard": {"InitialDashboardId": "initech-sales"},
        "DashboardVisual": {"InitialDashboardVisualId": visual},
        "QSearchBar": {"InitialTopicId": "initech-q"},
        "GenerativeQnA": {},
    }
    for name, body in registered.items():
        url = qs.generate_embed_url_for_registered_user(
            AwsAccountId=ACCOUNT,
            UserArn=user,
            ExperienceConfiguration={name: body},
            AllowedDomains=["https://portal.initech.example"],
        )["EmbedUrl"]
        status, page = redeem(url)
        assert status == 200
        assert f"<td>{name}</td>" in page
    anon_visual = {**visual, "DashboardId": "initech-kpis"}
    for body, arn in (
        ({"DashboardVisual": {"InitialDashboardVisualId": anon_visual}}, "dashboard/initech-kpis"),
        ({"QSearchBar": {"InitialTopicId": "initech-q"}}, "topic/initech-q"),
        ({"GenerativeQnA": {"InitialTopicId": "initech-q"}}, "topic/initech-q"),
    ):
        request = anonymous(
            "initech", "x", ExperienceConfiguration=body, AuthorizedResourceArns=[f"{QS}:{arn}"]
        )
        status, page = redeem(qs.generate_embed_url_for_anonymous_user(**request)["EmbedUrl"])
        assert status == 200
        assert f"<td>{next(iter(body))}</td>" in page


def test_the_console_is_not_an_anonymous_experience() -> None:
    # botocore cannot even serialize it (no such member of the anonymous shape); a raw
    # request naming it is refused by the emulator.
    with pytest.raises(QuickSightError, match="not embedded here"):
        parse_experience({"QuickSightConsole": {}}, anonymous=True)
    assert parse_experience({"QuickSightConsole": {}}, anonymous=False).name == "QuickSightConsole"


def test_a_dashboard_that_does_not_exist_is_not_found(setup: Setup) -> None:
    qs = setup.qs("initech")
    with pytest.raises(qs.exceptions.ResourceNotFoundException):
        qs.generate_embed_url_for_anonymous_user(**anonymous("initech", "initech-kpis-gone"))


def test_the_initial_dashboard_must_be_authorized(setup: Setup) -> None:
    qs = setup.qs("initech")
    request = anonymous("initech", "initech-kpis", AuthorizedResourceArns=[f"{QS}:topic/initech-q"])
    with pytest.raises(qs.exceptions.InvalidParameterValueException, match="initial resource"):
        qs.generate_embed_url_for_anonymous_user(**request)


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ([], "SessionTags must list 1..50 tags"),
        ([{"Key": f"k{i}", "Value": "v"} for i in range(51)], "SessionTags must list 1..50"),
        ([{"Key": "region", "Value": SECRET * 20}], "SessionTags[0].Value (region) must be"),
        ([{"Key": "k" * 129, "Value": "v"}], "SessionTags[0].Key must be 1..128"),
        ([{"Key": "r", "Value": SECRET}, {"Key": "r", "Value": "x"}], "key r is given twice"),
    ],
    ids=["none", "51", "value-too-long", "key-too-long", "twice"],
)
def test_session_tags_beyond_awss_limits_are_refused_without_their_values(
    setup: Setup, tags: list[dict[str, str]], expected: str
) -> None:
    qs = setup.sessions["initech"].client("quicksight", config=SERVER_VALIDATES)
    with pytest.raises(qs.exceptions.InvalidParameterValueException) as refused:
        qs.generate_embed_url_for_anonymous_user(
            **anonymous("initech", "initech-kpis", SessionTags=tags)
        )
    assert expected in str(refused.value)
    assert SECRET not in str(refused.value)


def test_fifty_tags_is_the_edge(setup: Setup) -> None:
    tags = [{"Key": f"k{i}", "Value": "v"} for i in range(50)]
    answer = setup.qs("initech").generate_embed_url_for_anonymous_user(
        **anonymous("initech", "initech-kpis", SessionTags=tags)
    )
    assert answer["Status"] == 200


# -- the attacks -----------------------------------------------------------------------------


def test_another_tenants_dashboard_is_denied_by_iam(setup: Setup) -> None:
    qs = setup.qs("initech")
    with pytest.raises(ClientError) as error:
        qs.generate_embed_url_for_anonymous_user(**anonymous("initech", "hooli-kpis"))
    message = denied(error)
    assert "quicksight:GenerateEmbedUrlForAnonymousUser" in message
    assert f"{QS}:dashboard/hooli-kpis" in message


def test_another_tenants_dashboard_smuggled_beside_its_own_is_denied(setup: Setup) -> None:
    qs = setup.qs("initech")
    arns = [f"{QS}:dashboard/initech-kpis", f"{QS}:dashboard/hooli-kpis"]
    with pytest.raises(ClientError) as error:
        qs.generate_embed_url_for_anonymous_user(
            **anonymous("initech", "initech-kpis", AuthorizedResourceArns=arns)
        )
    assert f"{QS}:dashboard/hooli-kpis" in denied(error)


def test_another_tenants_namespace_is_denied_by_iam(setup: Setup) -> None:
    qs = setup.qs("initech")
    with pytest.raises(ClientError) as error:
        qs.generate_embed_url_for_anonymous_user(
            **anonymous("initech", "initech-kpis", Namespace="hooli")
        )
    assert f"{QS}:namespace/hooli" in denied(error)


def test_a_registered_users_dashboard_is_not_an_anonymous_one(setup: Setup) -> None:
    qs = setup.qs("initech")
    with pytest.raises(ClientError) as error:
        qs.generate_embed_url_for_anonymous_user(**anonymous("initech", "initech-sales"))
    assert f"{QS}:dashboard/initech-sales" in denied(error)


def test_a_domain_outside_the_file_is_denied_by_the_guard(setup: Setup) -> None:
    qs = setup.qs("initech")
    request = anonymous("initech", "initech-kpis", AllowedDomains=["https://evil.example"])
    with pytest.raises(ClientError) as error:
        qs.generate_embed_url_for_anonymous_user(**request)
    denied(error)
    without = anonymous("initech", "initech-kpis")
    del without["AllowedDomains"]
    with pytest.raises(ClientError) as missing:
        qs.generate_embed_url_for_anonymous_user(**without)
    denied(missing)


def test_a_registered_user_opens_only_dashboards_shared_with_them(setup: Setup) -> None:
    qs = setup.qs("initech")
    request = {
        "AwsAccountId": ACCOUNT,
        "UserArn": f"{QS}:user/initech/initech-author",
        "AllowedDomains": ["https://portal.initech.example"],
    }
    with pytest.raises(ClientError) as error:
        qs.generate_embed_url_for_registered_user(
            **request, ExperienceConfiguration={"Dashboard": {"InitialDashboardId": "hooli-sales"}}
        )
    assert "has no permission on dashboard hooli-sales" in denied(error)


def test_a_fixed_tag_cannot_be_overridden_through_the_embedder(setup: Setup) -> None:
    """No IAM key constrains session tags: the embedder holds this line (the attack is an app
    sending another tenant's id as the fixed key)."""
    emb = Embedder(
        config("initech"),
        session=setup.emulator.principal_session(f"arn:aws:iam::{ACCOUNT}:role/initech-portal"),
        endpoint_url=setup.emulator.endpoint_url,
    )
    with pytest.raises(SessionTagError, match="is fixed by the tenant file"):
        emb.anonymous_dashboard_url("initech-kpis", session_tags={"tenant_id": "hooli"})
    url = emb.anonymous_dashboard_url(
        "initech-kpis",
        session_tags={"region": SECRET},
        allowed_domains=["https://portal.initech.example"],
    )
    status, page = redeem(url.url)
    assert status == 200
    assert "<td data-tag='tenant_id'>initech</td>" in page
    assert "hooli" not in page


# -- logs ------------------------------------------------------------------------------------


@pytest.fixture
def verbose_emulator(tmp_path: Path) -> Iterator[tuple[Emulator, Path]]:
    log = tmp_path / "emulator.log"
    with Emulator(verbose=True, log_path=log) as emu:
        yield emu, log


def test_the_emulators_logs_never_carry_a_tag_value(
    verbose_emulator: tuple[Emulator, Path],
) -> None:
    emu, log = verbose_emulator
    admin = emu.admin_session()
    qs = admin.client("quicksight", config=NO_RETRIES)
    qs.create_namespace(AwsAccountId=ACCOUNT, Namespace="initech", IdentityStore="QUICKSIGHT")
    seed_dashboard(qs, "initech-kpis", [f"{QS}:namespace/initech"])
    request = anonymous("initech", "initech-kpis")
    url = qs.generate_embed_url_for_anonymous_user(**request)["EmbedUrl"]
    assert SECRET in redeem(url)[1]
    bad = anonymous("initech", "initech-kpis", SessionTags=[{"Key": "r", "Value": SECRET * 20}])
    with pytest.raises(ClientError):
        admin.client("quicksight", config=SERVER_VALIDATES).generate_embed_url_for_anonymous_user(
            **bad
        )
    text = log.read_text()
    assert re.search(r"anonymous-user", text), "the emulator logged the requests"
    assert SECRET not in text
    assert json.dumps(SECRET) not in text
