"""`embedding.allowed_domains` and the origins a request may name: a wildcard only as the whole
leftmost label of a domain of at least two labels; requests match label by label, so text that
merely ends like an allowed domain (`https://evil.example/.acme.example`) is refused."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
import yaml

from embedder import DomainNotAllowedError, Embedder
from embedder.request_checks import allowed_domains
from tenant_file.config import TenantConfig
from tenant_file.errors import ConfigError
from tenant_file.loader import parse_tenant
from tenant_file.schema import tenant_json_schema
from tests.fakes import FakeClock, tenant

ALLOWED = ["https://*.acme.example", "https://portal.acme.example:8443", "https://localhost"]


def acme(domains: list[str]) -> TenantConfig:
    config = tenant()
    data: dict[str, Any] = config.model_dump(mode="json", exclude_none=True)
    data["embedding"]["allowed_domains"] = domains
    return TenantConfig.model_validate(data)


@pytest.mark.parametrize(
    "origin",
    [
        "https://acme.example",
        "https://portal.acme.example",
        "https://portal.acme.example:443",
        "https://*.acme.example",
        "https://*.acme.co.uk",
        "https://*.portal.acme.example:8443",
        "https://localhost:8443",
        "https://xn--bcher-kva.example",
        "https://portal.acme.example:65535",
    ],
)
def test_the_tenant_file_accepts_origins_and_subdomain_wildcards(origin: str) -> None:
    assert acme([origin]).embedding.allowed_domains == (origin,)
    document = {**tenant().model_dump(mode="json", exclude_none=True)}
    document["embedding"]["allowed_domains"] = [origin]
    jsonschema.validate(document, tenant_json_schema())


@pytest.mark.parametrize(
    ("origin", "says"),
    [
        ("https://*", "would let any site frame the console"),
        ("https://*:443", "would let any site frame the console"),
        ("https://*.example", "would admit every site under .example"),
        ("https://*.*.acme.example", "only as the whole leftmost label"),
        ("https://portal*.acme.example", "only as the whole leftmost label"),
        ("https://*portal.acme.example", "only as the whole leftmost label"),
        ("https://portal.*.example", "only as the whole leftmost label"),
        ("https://portal.acme.*", "only as the whole leftmost label"),
        ("https://portal.acme.example/", "no path"),
        ("https://evil.example/.acme.example", "no path"),
        ("https://evil.example?.acme.example", "no path"),
        ("https://evil.example#.acme.example", "no path"),
        ("https://evil.example@portal.acme.example", "no path"),
        ("https://Portal.acme.example", "must be lowercase"),
        ("http://portal.acme.example", "must be an https origin"),
        ("portal.acme.example", "must be an https origin"),
        ("https://portal.acme.example.", "a host of DNS labels"),
        ("https://-portal.acme.example", "a host of DNS labels"),
        ("https://portal..acme.example", "a host of DNS labels"),
        ("https://portal.acme.example:0", "port 1..65535"),
        ("https://portal.acme.example:65536", "port 1..65535"),
        ("https://portal.acme.example:", "port 1..65535"),
    ],
)
def test_the_tenant_file_refuses_origins_that_admit_too_much(origin: str, says: str) -> None:
    document = tenant().model_dump(mode="json", exclude_none=True)
    document["embedding"]["allowed_domains"] = ["https://portal.acme.example", origin]
    with pytest.raises(ConfigError) as caught:
        parse_tenant(yaml.safe_dump(document), "acme.yaml")
    (problem,) = caught.value.problems
    assert problem.location == "embedding.allowed_domains[1]"
    assert says in problem.message
    with pytest.raises(jsonschema.ValidationError):  # the published schema agrees
        jsonschema.validate(document, tenant_json_schema())


@pytest.mark.parametrize(
    "origin",
    [
        "https://app.acme.example",
        "https://a.b.acme.example",
        "https://portal.acme.example:8443",
        "https://localhost",
        "https://localhost:443",
    ],
)
def test_requests_may_name_origins_the_file_admits(origin: str) -> None:
    assert allowed_domains(acme(ALLOWED), [origin]) == [origin]


@pytest.mark.parametrize(
    ("origin", "says"),
    [
        # Text that ends like an allowed domain without being under it (fnmatch let these by).
        ("https://evil.example/.acme.example", "no path"),
        ("https://evil.example?.acme.example", "no path"),
        ("https://evil.example#.acme.example", "no path"),
        ("https://evil.example%2F.acme.example", "%-escape"),
        ("https://evil.example@app.acme.example", "no path"),
        ("https://evilacme.example", "allowed_domains lists"),
        ("https://acme.example.evil.example", "allowed_domains lists"),
        # The wildcard stands for subdomains, not for the domain itself or other ports.
        ("https://acme.example", "allowed_domains lists"),
        ("https://app.acme.example:8443", "allowed_domains lists"),
        ("https://localhost:8443", "allowed_domains lists"),
        # A request names plain origins only.
        ("https://*.acme.example", "not a wildcard"),
        ("https://app.acme.example/", "no path"),
        ("http://app.acme.example", "must be an https origin"),
        ("https://APP.acme.example", "must be lowercase"),
        (42, "got int"),
    ],
)
def test_requests_naming_other_origins_are_refused(origin: Any, says: str) -> None:
    with pytest.raises(DomainNotAllowedError) as caught:
        allowed_domains(acme(ALLOWED), ["https://app.acme.example", origin])
    assert caught.value.tenant == "acme"
    assert says in caught.value.reason


def test_without_wildcards_only_the_exact_origins_pass() -> None:
    config = acme(["https://portal.acme.example"])
    assert allowed_domains(config, ["https://portal.acme.example"]) == [
        "https://portal.acme.example"
    ]
    with pytest.raises(DomainNotAllowedError):
        allowed_domains(config, ["https://app.portal.acme.example"])


def test_the_embedder_refuses_before_calling_aws(clock: FakeClock) -> None:
    made: list[object] = []
    emb = Embedder(acme(ALLOWED), client_factory=made.append, clock=clock)  # type: ignore[arg-type]
    with pytest.raises(DomainNotAllowedError, match=r"evil\.example"):
        emb.generate_console_url("alice", allowed_domains=["https://evil.example/.acme.example"])
    assert made == []
