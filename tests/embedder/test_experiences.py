"""Dashboards, visuals and Q for registered users, and anonymous readers with session tags:
what is sent to AWS, and every refusal before anything is sent."""

from __future__ import annotations

import logging
import pickle
import traceback
from pathlib import Path
from typing import Any

import pytest
import yaml

from embedder import (
    BadInputError,
    ClientPool,
    DashboardNotAllowedError,
    Embedder,
    ExperienceNotAllowedError,
    SessionTagError,
    TenantRegistry,
)
from embedder.audit import AuditEvent
from tests.fakes import ACCOUNT, FIXED_TAG_VALUE, FakeAws, FakeClock, tenant
from tests.fakes import experience_tenant as full

SECRET = "tag-value-s3cr3t"
FIXED = FIXED_TAG_VALUE
QS = f"arn:aws:quicksight:us-east-1:{ACCOUNT}"
ANONYMOUS_OP = "GenerateEmbedUrlForAnonymousUser"
REGISTERED_OP = "GenerateEmbedUrlForRegisteredUser"


@pytest.fixture
def emb(aws: FakeAws, clock: FakeClock, pool: ClientPool) -> Embedder:
    return Embedder(full(), session=aws.session(), clock=clock, client_pool=pool)


def sent(aws: FakeAws, operation: str) -> dict[str, Any]:
    [call] = aws.ops(operation)
    return call.params


# -- registered users ----------------------------------------------------------------------


def test_dashboard_for_a_registered_user(emb: Embedder, aws: FakeAws) -> None:
    url = emb.dashboard_embed_url("alice", "sales-overview", bookmarks=True)
    assert url.url.startswith("https://")
    assert url.user == "alice"
    params = sent(aws, REGISTERED_OP)
    assert params["UserArn"] == f"{QS}:user/acme/alice"
    assert params["ExperienceConfiguration"] == {
        "Dashboard": {
            "InitialDashboardId": "sales-overview",
            "FeatureConfigurations": {"Bookmarks": {"Enabled": True}},
        }
    }
    assert params["AllowedDomains"] == ["https://portal.acme.example"]


def test_visual_and_q_for_a_registered_user(emb: Embedder, aws: FakeAws) -> None:
    emb.visual_embed_url("alice", "sales-overview", sheet_id="s1", visual_id="v_1")
    emb.q_embed_url("bob", topic_id="t-1", generative=True)
    emb.q_embed_url("bob")
    visual, generative, search = (c.params for c in aws.ops(REGISTERED_OP))
    assert visual["ExperienceConfiguration"] == {
        "DashboardVisual": {
            "InitialDashboardVisualId": {
                "DashboardId": "sales-overview",
                "SheetId": "s1",
                "VisualId": "v_1",
            }
        }
    }
    assert generative["ExperienceConfiguration"] == {"GenerativeQnA": {"InitialTopicId": "t-1"}}
    assert search["ExperienceConfiguration"] == {"QSearchBar": {}}


def test_a_dashboard_outside_the_allow_list_is_refused_before_aws(
    emb: Embedder, aws: FakeAws
) -> None:
    with pytest.raises(DashboardNotAllowedError) as refused:
        emb.dashboard_embed_url("alice", "public-kpis")  # an anonymous one, not a registered one
    assert str(refused.value) == (
        "dashboard 'public-kpis' is not allowed for tenant 'acme': embedding.dashboards lists "
        "sales-overview"
    )
    with pytest.raises(DashboardNotAllowedError):
        emb.visual_embed_url("alice", "other", sheet_id="s", visual_id="v")
    with pytest.raises(DashboardNotAllowedError, match="sheet 's 1'"):
        emb.visual_embed_url("alice", "sales-overview", sheet_id="s 1", visual_id="v")
    with pytest.raises(DashboardNotAllowedError, match="topic"):
        emb.q_embed_url("alice", topic_id="../x")
    assert aws.calls == []


@pytest.mark.parametrize(
    ("experiences", "call"),
    [
        (["dashboard"], lambda e: e.session_embed_url("alice")),
        (["dashboard"], lambda e: e.generate_console_url("alice")),
        (["console"], lambda e: e.dashboard_embed_url("alice", "sales-overview")),
        (
            ["console", "dashboard"],
            lambda e: e.visual_embed_url("alice", "sales-overview", sheet_id="s", visual_id="v"),
        ),
        (["visual"], lambda e: e.q_embed_url("alice")),
    ],
    ids=["no-console-session", "no-console-successor", "no-dashboard", "no-visual", "no-q"],
)
def test_an_experience_the_file_does_not_list_is_refused(
    experiences: list[str], call: Any, aws: FakeAws, clock: FakeClock, pool: ClientPool
) -> None:
    dashboards = ["sales-overview"] if {"dashboard", "visual"} & set(experiences) else []
    config = full(experiences=experiences, dashboards=dashboards)
    emb = Embedder(config, session=aws.session(), clock=clock, client_pool=pool)
    with pytest.raises(ExperienceNotAllowedError, match=r"embedding\.experiences lists"):
        call(emb)
    assert aws.calls == []


# -- anonymous readers ---------------------------------------------------------------------


def test_anonymous_dashboard_sends_namespace_one_arn_and_the_fixed_tags(
    emb: Embedder, aws: FakeAws
) -> None:
    url = emb.anonymous_dashboard_url("public-kpis", session_tags={"region": SECRET})
    assert url.user == "(anonymous)"
    params = sent(aws, ANONYMOUS_OP)
    assert params["Namespace"] == "acme"
    assert params["AuthorizedResourceArns"] == [f"{QS}:dashboard/public-kpis"]
    assert params["ExperienceConfiguration"] == {"Dashboard": {"InitialDashboardId": "public-kpis"}}
    assert params["SessionTags"] == [
        {"Key": "region", "Value": SECRET},
        {"Key": "tenant_id", "Value": FIXED},
    ]
    assert params["SessionLifetimeInMinutes"] == 600
    assert params["AllowedDomains"] == ["https://portal.acme.example"]
    assert SECRET not in repr(url)


def test_the_fixed_tags_are_sent_when_the_app_sends_none(emb: Embedder, aws: FakeAws) -> None:
    emb.anonymous_q_url("kpi-q", generative=True)
    emb.anonymous_visual_url("public-kpis", sheet_id="s", visual_id="v")
    q, visual = (c.params for c in aws.ops(ANONYMOUS_OP))
    assert q["SessionTags"] == [{"Key": "tenant_id", "Value": FIXED}]
    assert q["AuthorizedResourceArns"] == [f"{QS}:topic/kpi-q"]
    assert q["ExperienceConfiguration"] == {"GenerativeQnA": {"InitialTopicId": "kpi-q"}}
    assert visual["ExperienceConfiguration"]["DashboardVisual"]["InitialDashboardVisualId"] == {
        "DashboardId": "public-kpis",
        "SheetId": "s",
        "VisualId": "v",
    }


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ({"tenant_id": "globex"}, "'tenant_id' is not allowed for tenant 'acme': is fixed"),
        ({"TENANT_ID": SECRET}, "'TENANT_ID' is not allowed for tenant 'acme': is not declared"),
        ({"customer": SECRET}, "is not declared (anonymous.session_tags.keys lists region, tier)"),
        ({"region": ""}, "its value is shorter than 1 characters"),
        ({"region": SECRET * 20}, "its value is longer than 256 characters"),
        ({"region": 7}, "its value must be a string, not int"),
    ],
    ids=["fixed-overridden", "fixed-other-case", "undeclared", "empty", "257-plus", "not-str"],
)
def test_session_tags_the_file_does_not_allow_are_refused_without_their_value(
    emb: Embedder, aws: FakeAws, tags: dict[str, Any], expected: str
) -> None:
    with pytest.raises(SessionTagError) as refused:
        emb.anonymous_dashboard_url("public-kpis", session_tags=tags)
    assert expected in str(refused.value)
    texts = [
        str(refused.value),
        repr(refused.value),
        "".join(traceback.format_exception(refused.value)),
        repr(pickle.loads(pickle.dumps(refused.value))),  # noqa: S301 - our own error
    ]
    for value in tags.values():
        if isinstance(value, str) and value:
            assert not any(value in t for t in texts)
    assert aws.calls == []


def test_a_value_of_256_characters_is_the_edge(emb: Embedder, aws: FakeAws) -> None:
    emb.anonymous_dashboard_url("public-kpis", session_tags={"region": "v" * 256})
    with pytest.raises(SessionTagError):
        emb.anonymous_dashboard_url("public-kpis", session_tags={"region": "v" * 257})
    assert len(aws.ops(ANONYMOUS_OP)) == 1


def test_anonymous_assets_outside_the_file_are_refused(emb: Embedder, aws: FakeAws) -> None:
    with pytest.raises(DashboardNotAllowedError, match=r"anonymous\.dashboards lists public-kpis"):
        emb.anonymous_dashboard_url("sales-overview")  # a registered users' dashboard
    with pytest.raises(DashboardNotAllowedError, match=r"anonymous\.topics lists kpi-q"):
        emb.anonymous_q_url("other-topic")
    assert aws.calls == []


def test_a_tenant_without_an_anonymous_section_mints_for_no_reader(
    aws: FakeAws, clock: FakeClock, pool: ClientPool
) -> None:
    emb = Embedder(tenant(), session=aws.session(), clock=clock, client_pool=pool)
    with pytest.raises(ExperienceNotAllowedError) as refused:
        emb.anonymous_dashboard_url("public-kpis")
    assert str(refused.value) == (
        "experience 'anonymous dashboard' is not allowed for tenant 'acme': the tenant file has "
        "no anonymous section"
    )
    assert isinstance(refused.value, BadInputError)
    assert aws.calls == []


def test_iam_identity_mints_anonymous_readers_as_the_tenant_session(
    aws: FakeAws, clock: FakeClock, pool: ClientPool
) -> None:
    emb = Embedder(full("iam"), session=aws.session(), clock=clock, client_pool=pool)
    emb.anonymous_dashboard_url("public-kpis")
    [assume] = aws.ops("AssumeRole")
    assert assume.params["RoleSessionName"] == "qs-embed"
    assert sent(aws, ANONYMOUS_OP)["Namespace"] == "globex"


def test_botocore_debug_logs_never_show_tag_values(
    emb: Embedder, aws: FakeAws, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    emb.anonymous_dashboard_url("public-kpis", session_tags={"region": SECRET})
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "SessionTags" in text  # botocore did log the request body
    assert SECRET not in text
    assert FIXED not in text


def test_the_registry_serves_every_experience(
    tmp_path: Path, aws: FakeAws, clock: FakeClock
) -> None:
    data = full().model_dump(mode="json")
    data["anonymous"]["session_tags"]["fixed"] = {"tenant_id": FIXED}
    data["embedding"].pop("external_id")
    (tmp_path / "acme.yaml").write_text(yaml.safe_dump(data))
    registry = TenantRegistry.from_dir(tmp_path, session=aws.session(), clock=clock)
    registry.dashboard_embed_url("acme", "alice", "sales-overview")
    registry.visual_embed_url("acme", "alice", "sales-overview", sheet_id="s", visual_id="v")
    registry.q_embed_url("acme", "alice", generative=True)
    registry.anonymous_dashboard_url("acme", "public-kpis", session_tags={"tier": "gold"})
    registry.anonymous_visual_url("acme", "public-kpis", sheet_id="s", visual_id="v")
    registry.anonymous_q_url("acme", "kpi-q")
    assert len(aws.ops(REGISTERED_OP)) == 3
    assert len(aws.ops(ANONYMOUS_OP)) == 3
    with pytest.raises(SessionTagError):
        registry.anonymous_dashboard_url("acme", "public-kpis", session_tags={"tenant_id": "x"})


# -- audit ---------------------------------------------------------------------------------


def test_every_experience_is_audited_granted_or_refused_without_tag_values(
    aws: FakeAws, clock: FakeClock, pool: ClientPool, caplog: pytest.LogCaptureFixture
) -> None:
    """The new mints go through the audit wrapper as the console does: one event per attempt,
    the refusals before AWS included, and no session tag value in any event or record."""
    events: list[AuditEvent] = []
    caplog.set_level(logging.DEBUG)
    emb = Embedder(
        full(), session=aws.session(), clock=clock, client_pool=pool, audit=events.append
    )
    emb.dashboard_embed_url("alice", "sales-overview")
    emb.anonymous_dashboard_url("public-kpis", session_tags={"region": SECRET})
    with pytest.raises(DashboardNotAllowedError):
        emb.dashboard_embed_url("alice", "globex-kpis")
    with pytest.raises(SessionTagError):
        emb.anonymous_dashboard_url("public-kpis", session_tags={"tenant_id": SECRET})

    seen = [(e.api, e.experience, e.identity, e.user, e.entry_point, e.outcome) for e in events]
    assert seen == [
        (REGISTERED_OP, "dashboard", "quicksight", "alice", "sales-overview", "granted"),
        (ANONYMOUS_OP, "dashboard", "anonymous", None, "public-kpis", "granted"),
        (
            REGISTERED_OP,
            "dashboard",
            "quicksight",
            "alice",
            "globex-kpis",
            "DashboardNotAllowedError",
        ),
        (ANONYMOUS_OP, "dashboard", "anonymous", None, "public-kpis", "SessionTagError"),
    ]
    assert events[0].request_id
    assert events[0].session_lifetime_minutes == 600
    texts = [repr(e) for e in events] + [r.getMessage() + repr(r.__dict__) for r in caplog.records]
    assert not [t for t in texts if SECRET in t or FIXED in t]
