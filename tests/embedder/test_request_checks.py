"""`embedder.request_checks`: what a caller may ask for, by the tenant file, refused before
anything is sent to AWS: each refusal names the tenant, what was asked and what the file allows,
one step past each edge."""

from __future__ import annotations

from typing import Any

import pytest

from embedder.errors import (
    DomainNotAllowedError,
    EntryPointNotAllowedError,
    SessionLifetimeNotAllowedError,
    UnknownUserError,
)
from embedder.request_checks import (
    SHOWN_CHARS,
    SHOWN_USERS,
    allowed_domains,
    entry_point,
    session_lifetime,
    tenant_user,
)
from tenant_file.config import TenantConfig
from tenant_file.limits import service_limits
from tests.fakes import tenant


def with_embedding(**embedding: Any) -> TenantConfig:
    base = tenant()
    data = base.model_dump(mode="python")
    data["embedding"] = {**data["embedding"], **embedding}
    return TenantConfig.model_validate(data)


def members(config: TenantConfig) -> dict[str, Any]:
    return {u.name: u for u in config.users}


# -- users --------------------------------------------------------------------------------------


def test_a_listed_user_is_the_files_user() -> None:
    config = tenant()
    assert tenant_user(config, "alice", members(config)).email == "alice@acme.example"


@pytest.mark.parametrize("name", ["mallory", "Alice", "alice ", "", None, 7])
def test_anyone_else_is_an_unknown_user_naming_the_known_ones(name: Any) -> None:
    config = tenant()
    with pytest.raises(UnknownUserError) as refused:
        tenant_user(config, name, members(config))
    assert refused.value.tenant == "acme"
    assert refused.value.known == "alice, bob"


def test_the_known_users_are_shown_up_to_a_count_and_a_long_name_cut_short() -> None:
    many = [
        {"name": f"u{i:02d}", "email": f"u{i}@acme.example", "role": "AUTHOR"} for i in range(25)
    ]
    config = TenantConfig.model_validate({**tenant().model_dump(mode="python"), "users": many})
    asked = "x" * (SHOWN_CHARS + 1)
    with pytest.raises(UnknownUserError) as refused:
        tenant_user(config, asked, members(config))
    shown = refused.value.known.split(", ")
    assert shown[:SHOWN_USERS] == [f"u{i:02d}" for i in range(SHOWN_USERS)]
    assert shown[SHOWN_USERS:] == ["... (5 more)"]
    assert refused.value.user == "x" * (SHOWN_CHARS - 3) + "..."


# -- entry points --------------------------------------------------------------------------------


def test_no_entry_point_is_the_files_default() -> None:
    assert entry_point(tenant(), None) == "/start/dashboards"


@pytest.mark.parametrize("path", ["/start", "/dashboards/sales-overview"])
def test_a_listed_or_wildcard_admitted_entry_point_is_kept(path: str) -> None:
    assert entry_point(tenant(), path) == path


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/start/analyses", "is not in embedding.allowed_entry_points (/start, /start/dashboards"),
        ("/analyses/a1", "is not in embedding.allowed_entry_points"),  # AWS would take it
        ("/dashboards", "is not one of /start, /start/analyses"),  # one short of /dashboards/*
        (["/start"], "is not a string"),
    ],
)
def test_an_entry_point_the_file_does_not_list_is_refused(path: Any, reason: str) -> None:
    with pytest.raises(EntryPointNotAllowedError) as refused:
        entry_point(tenant(), path)
    assert refused.value.tenant == "acme"
    assert reason in refused.value.reason


def test_an_entry_point_aws_would_refuse_is_refused_even_when_listed() -> None:
    longest = service_limits().entry_point.max_length
    assert longest is not None
    too_long = "/dashboards/" + "d" * longest
    with pytest.raises(EntryPointNotAllowedError) as refused:
        entry_point(tenant(), too_long)
    assert "allowed_entry_points" not in refused.value.reason, "AWS's rule comes first"
    assert len(str(refused.value.entry_point)) == SHOWN_CHARS


# -- session lifetime ---------------------------------------------------------------------------


def test_no_lifetime_is_the_files_ceiling() -> None:
    assert session_lifetime(with_embedding(session_lifetime_minutes=60), None) == 60


def test_the_ceiling_is_allowed_and_one_minute_more_is_not() -> None:
    config = with_embedding(session_lifetime_minutes=60)
    assert session_lifetime(config, 60) == 60
    with pytest.raises(SessionLifetimeNotAllowedError, match=r"at most 60 \(embedding"):
        session_lifetime(config, 61)


def test_aws_bounds_are_refused_one_step_past_each() -> None:
    limits = service_limits()
    config = tenant()  # its ceiling is AWS's maximum
    assert session_lifetime(config, limits.session_lifetime_min) == limits.session_lifetime_min
    for minutes in (limits.session_lifetime_min - 1, limits.session_lifetime_max + 1):
        with pytest.raises(SessionLifetimeNotAllowedError, match="AWS SessionLifetimeInMinutes"):
            session_lifetime(config, minutes)


@pytest.mark.parametrize("minutes", [True, 15.0, "15"])
def test_a_lifetime_that_is_not_a_whole_number_is_refused(minutes: Any) -> None:
    with pytest.raises(SessionLifetimeNotAllowedError, match="whole number of minutes"):
        session_lifetime(tenant(), minutes)


# -- allowed domains ----------------------------------------------------------------------------


def test_no_domains_are_the_files_and_a_listed_one_is_kept() -> None:
    config = tenant()
    assert allowed_domains(config, None) == ["https://portal.acme.example"]
    assert allowed_domains(config, ["https://portal.acme.example"]) == [
        "https://portal.acme.example"
    ]


def test_a_wildcard_entry_admits_a_subdomain_not_its_parent() -> None:
    config = with_embedding(allowed_domains=["https://*.acme.example"])
    assert allowed_domains(config, ["https://eu.acme.example"]) == ["https://eu.acme.example"]
    with pytest.raises(DomainNotAllowedError, match=r"lists https://\*\.acme\.example"):
        allowed_domains(config, ["https://acme.example"])


@pytest.mark.parametrize(
    "domains",
    [
        ["https://evil.example"],
        ["https://portal.acme.example", "https://portal.acme.example.evil.example"],
        ["http://portal.acme.example"],  # not https
        ["https://portal.acme.example/path"],  # not a plain origin
    ],
)
def test_a_domain_the_file_does_not_admit_is_refused(domains: list[str]) -> None:
    with pytest.raises(DomainNotAllowedError) as refused:
        allowed_domains(tenant(), domains)
    assert refused.value.tenant == "acme"
    assert refused.value.domain == domains[-1]


def test_a_string_instead_of_a_list_is_refused_not_read_letter_by_letter() -> None:
    with pytest.raises(DomainNotAllowedError, match="a list of origins, not a string"):
        allowed_domains(tenant(), "https://portal.acme.example")


def test_a_long_refused_domain_is_shown_cut_short() -> None:
    long = "https://" + "a" * SHOWN_CHARS + ".example"
    with pytest.raises(DomainNotAllowedError) as refused:
        allowed_domains(tenant(), [long])
    assert refused.value.domain == long[: SHOWN_CHARS - 3] + "..."
