"""The example portal through Flask's test client (no browser, no AWS): sign-in, the console
page's fresh URL and headers, and the pages a user sees when the embedder refuses."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import botocore.session
import pytest
from botocore.stub import Stubber
from flask import Flask
from flask.testing import FlaskClient

from embedder import Embedder
from embedder.errors import (
    AccessDeniedError,
    AssumeRoleError,
    AwsError,
    EndpointUnreachableError,
    EntryPointNotAllowedError,
    InternalFailureError,
    InvalidParameterValueError,
    QuickSightUserNotFoundError,
    SessionLifetimeNotAllowedError,
    ThrottlingError,
    UnknownUserError,
    UnsupportedUserEditionError,
)
from examples.portal import create_app
from examples.portal.app import EXTENSION, SESSION_COOKIE
from examples.portal.tenancy import embedders_for
from tenant_file.config import TenantConfig
from tests.portal.conftest import CONSOLE, IFRAME_SRC, FakeEmbedder, csrf_of, sign_in

SignedIn = Callable[[str, str], FlaskClient]
ROLE = "arn:aws:iam::111122223333:role/qs-embed-acme"


def aws_error(cls: type[AwsError], code: str, status: int) -> AwsError:
    return cls(
        operation="GetSessionEmbedUrl",
        tenant="acme",
        code=code,
        message=f"User {ROLE}/qs-embed is not authorized",
        request_id="req-refused-1",
        http_status=status,
        attempts=1,
    )


def header_directives(csp: str) -> dict[str, str]:
    return {d.split(" ", 1)[0]: d.partition(" ")[2] for d in csp.split("; ")}


# --- Sign-in ---------------------------------------------------------------------------------


def test_sign_in_page_lists_every_tenant_and_its_users_and_says_it_is_a_demo(
    client: FlaskClient,
) -> None:
    response = client.get("/signin")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "a real app signs users in with its own" in html.replace("\n    ", " ").lower()
    for tenant, users in {"acme": ["alice", "bob", "carol"], "globex": ["dana", "eli"]}.items():
        assert f'data-tenant="{tenant}"' in html
        for user in users:
            assert f'<option value="{user}">' in html


def test_the_root_and_the_console_send_a_signed_out_user_to_sign_in(client: FlaskClient) -> None:
    for path in ("/", "/console"):
        response = client.get(path)
        assert response.status_code == 303
        assert response.headers["Location"] == "/signin"


@pytest.mark.parametrize(
    ("token", "form", "says"),
    [
        (None, {"tenant": "acme", "user": "alice"}, "form expired"),
        ("forged", {"tenant": "acme", "user": "alice"}, "form expired"),
        ("page", {"tenant": "initech", "user": "alice"}, "Choose one of the organisations"),
        ("page", {"tenant": "acme", "user": "dana"}, "acme has no user called &#39;dana&#39;"),
        ("page", {"tenant": "globex", "user": "alice"}, "globex has no user called"),
        ("page", {"tenant": "acme"}, "acme has no user called &#39;&#39;"),
        ("page", {"tenant": "acme", "user": "<b>x</b>"}, "&lt;b&gt;x&lt;/b&gt;"),
    ],
)
def test_sign_in_refuses_what_the_tenant_files_do_not_list(
    client: FlaskClient,
    fakes: dict[str, FakeEmbedder],
    token: str | None,
    form: dict[str, str],
    says: str,
) -> None:
    page_token = csrf_of(client.get("/signin").get_data(as_text=True))
    if token is not None:
        form = {**form, "csrf": page_token if token == "page" else token}
    response = client.post("/signin", data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert says in html
    assert "<b>x</b>" not in html
    assert client.get("/console").status_code == 303, "nobody is signed in"
    assert not any(f.calls for f in fakes.values())


def test_sign_out_needs_the_form_token_and_ends_the_session(signed_in: SignedIn) -> None:
    client = signed_in("acme", "alice")
    page = client.get("/console").get_data(as_text=True)
    assert client.post("/signout", data={"csrf": "forged"}).status_code == 400
    assert client.get("/console").status_code == 200, "still signed in"
    response = client.post("/signout", data={"csrf": csrf_of(page)})
    assert response.status_code == 303
    assert response.headers["Location"] == "/signin"
    assert client.get("/console").status_code == 303


def test_a_forged_or_foreign_session_cookie_signs_nobody_in(
    app: Flask, client: FlaskClient, fakes: dict[str, FakeEmbedder]
) -> None:
    # An unsigned cookie naming alice, and one signed with another portal's key.
    client.set_cookie(SESSION_COOKIE, "eyJ0ZW5hbnQiOiJhY21lIiwidXNlciI6ImFsaWNlIn0.Z.Z")
    assert client.get("/console").status_code == 303
    other = create_app(list(fakes.values()), secure_cookies=False).test_client()
    sign_in(other, "acme", "alice")
    cookie = other.get_cookie(SESSION_COOKIE)
    assert cookie is not None
    client.set_cookie(SESSION_COOKIE, cookie.value)
    assert client.get("/console").status_code == 303
    assert not fakes["acme"].calls


def test_the_session_cookie_is_http_only_same_site_and_secure_by_default(
    fakes: dict[str, FakeEmbedder],
) -> None:
    client = create_app(list(fakes.values())).test_client()
    response = client.get("/signin", base_url="https://portal.example")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    for flag in ("HttpOnly", "Secure", "SameSite=Lax"):
        assert flag in cookie


# --- The console page ------------------------------------------------------------------------


def test_each_console_load_mints_a_fresh_url_for_the_signed_in_user(
    signed_in: SignedIn, fakes: dict[str, FakeEmbedder]
) -> None:
    client = signed_in("acme", "alice")
    urls = []
    for _ in range(3):
        response = client.get("/console")
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-store"
        found = IFRAME_SRC.search(response.get_data(as_text=True))
        assert found
        urls.append(found.group(1).replace("&amp;", "&"))
    assert len(set(urls)) == 3, "never a cached or reused URL"
    assert [c.user for c in fakes["acme"].calls] == ["alice"] * 3
    assert all(u.startswith(f"{CONSOLE}/embedding/") for u in urls)
    assert not fakes["globex"].calls


def test_entry_point_and_lifetime_are_passed_to_the_embedder(
    signed_in: SignedIn, fakes: dict[str, FakeEmbedder]
) -> None:
    client = signed_in("globex", "dana")
    assert client.get("/console?entry_point=/start&lifetime=60").status_code == 200
    call = fakes["globex"].calls[-1]
    assert (call.user, call.entry_point, call.lifetime_minutes) == ("dana", "/start", 60)
    response = client.get("/console?lifetime=ten")
    assert response.status_code == 400
    assert "whole minutes" in response.get_data(as_text=True)
    assert len(fakes["globex"].calls) == 1, "not asked: the portal refused it"


def test_the_console_page_is_framed_only_by_the_tenants_domains_and_frames_only_quicksight(
    signed_in: SignedIn,
) -> None:
    client = signed_in("acme", "alice")
    headers = client.get("/console").headers
    csp = header_directives(headers["Content-Security-Policy"])
    assert csp["frame-ancestors"] == "'self' https://portal.acme.example"
    assert csp["frame-src"] == CONSOLE
    assert csp["default-src"] == "'none'", "no scripts, no other content"
    assert "X-Frame-Options" not in headers, "it cannot list portal.acme.example"
    assert headers["Referrer-Policy"] == "no-referrer"

    client.post("/signout", data={"csrf": csrf_of(client.get("/console").get_data(as_text=True))})
    sign_in(client, "globex", "dana")
    headers = client.get("/console").headers
    csp = header_directives(headers["Content-Security-Policy"])
    assert csp["frame-ancestors"] == "'self'", "globex lists no allowed_domains"
    assert headers["X-Frame-Options"] == "SAMEORIGIN"


def test_the_console_origin_is_the_emulators_when_an_endpoint_is_given(
    fakes: dict[str, FakeEmbedder],
) -> None:
    emulator = "http://127.0.0.1:4566"
    for fake in fakes.values():
        fake.origin = emulator
    client = create_app(
        list(fakes.values()), endpoint_url=emulator + "/", secure_cookies=False
    ).test_client()
    sign_in(client, "acme", "bob")
    response = client.get("/console")
    assert response.status_code == 200
    assert header_directives(response.headers["Content-Security-Policy"])["frame-src"] == emulator


def test_an_embed_url_on_an_unexpected_origin_is_not_shown(
    signed_in: SignedIn, fakes: dict[str, FakeEmbedder]
) -> None:
    fakes["acme"].origin = "https://console.evil.example"
    response = signed_in("acme", "alice").get("/console")
    html = response.get_data(as_text=True)
    assert response.status_code == 502
    assert "evil.example" not in html
    assert "secret-code" not in html
    assert "<iframe" not in html


def test_pages_other_than_the_console_frame_nothing_and_are_never_stored(
    client: FlaskClient,
) -> None:
    for path in ("/signin", "/", "/no-such-page"):
        response = client.get(path)
        assert response.headers["Cache-Control"] == "no-store"
        csp = header_directives(response.headers["Content-Security-Policy"])
        assert csp["frame-src"] == "'none'"
        assert csp["frame-ancestors"] == "'self'"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get("/no-such-page").status_code == 404
    assert client.delete("/console").status_code == 405


def test_one_embedder_per_tenant_serves_concurrent_requests(
    app: Flask, fakes: dict[str, FakeEmbedder]
) -> None:
    clients = []
    for _ in range(8):
        c = app.test_client()
        sign_in(c, "acme", "carol")
        clients.append(c)
    statuses: list[int] = []
    threads = [
        threading.Thread(target=lambda c=c: statuses.append(c.get("/console").status_code))
        for c in clients
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [200] * 8
    assert app.extensions[EXTENSION].find("acme") is fakes["acme"]
    assert len({call.thread for call in fakes["acme"].calls}) > 1, "from several threads"
    assert len(fakes["acme"].calls) == 8


def test_embedders_are_made_once_per_tenant_before_serving(
    example_tenants: dict[str, TenantConfig],
) -> None:
    made: list[str] = []

    def session_for(tenant: TenantConfig) -> Any:
        made.append(tenant.tenant)
        return None

    embedders = embedders_for(example_tenants.values(), session_for=session_for)
    assert made == ["acme", "globex"]
    assert all(isinstance(e, Embedder) for e in embedders)
    with pytest.raises(ValueError, match="given twice"):
        create_app([*embedders, embedders[0]])


# --- Error pages -----------------------------------------------------------------------------

ERRORS: list[tuple[Exception, int, str]] = [
    (aws_error(AccessDeniedError, "AccessDeniedException", 403), 403, "Access denied"),
    (
        AssumeRoleError(
            tenant="acme",
            role=ROLE,
            code="AccessDenied",
            message="not authorized",
            request_id="req-refused-1",
            http_status=403,
        ),
        403,
        "Access denied",
    ),
    (
        aws_error(QuickSightUserNotFoundError, "QuickSightUserNotFoundException", 404),
        403,
        "not set up",
    ),
    (
        aws_error(UnsupportedUserEditionError, "UnsupportedUserEditionException", 403),
        403,
        "Enterprise edition",
    ),
    (
        EntryPointNotAllowedError(tenant="acme", entry_point="/analyses/x", reason="no"),
        400,
        "not available",
    ),
    (
        SessionLifetimeNotAllowedError(tenant="acme", minutes=601, reason="at most 600"),
        400,
        "session length",
    ),
    (UnknownUserError(tenant="acme", user="zed", known="alice, bob"), 400, "not valid"),
    (
        aws_error(InvalidParameterValueError, "InvalidParameterValueException", 400),
        400,
        "not valid",
    ),
    (aws_error(ThrottlingError, "ThrottlingException", 429), 503, "busy"),
    (
        EndpointUnreachableError(
            tenant="acme", service="QuickSight", endpoint="https://x", reason="timeout"
        ),
        503,
        "cannot be reached",
    ),
    (aws_error(InternalFailureError, "InternalFailureException", 500), 502, "could not be opened"),
    (aws_error(AwsError, "SomethingNew", 500), 502, "could not be opened"),
]


@pytest.mark.parametrize(
    ("error", "status", "title"), ERRORS, ids=[type(e[0]).__name__ for e in ERRORS]
)
def test_embedder_errors_render_a_plain_page_with_the_right_status(
    signed_in: SignedIn,
    fakes: dict[str, FakeEmbedder],
    error: Exception,
    status: int,
    title: str,
) -> None:
    client = signed_in("acme", "alice")
    fakes["acme"].error = error
    response = client.get("/console")
    html = response.get_data(as_text=True)
    assert response.status_code == status
    assert title in html
    assert response.headers["Cache-Control"] == "no-store"
    assert "Traceback" not in html
    assert "<iframe" not in html
    assert ROLE not in html, "the embedder's message is for the logs, not the page"
    if isinstance(error, AwsError | AssumeRoleError):
        assert "req-refused-1" in html
    if status == 503:
        assert response.headers["Retry-After"] == "5"
    frame_ancestors = header_directives(response.headers["Content-Security-Policy"])
    assert frame_ancestors["frame-ancestors"] == "'self' https://portal.acme.example"


def test_an_unexpected_failure_is_a_plain_500(
    signed_in: SignedIn, fakes: dict[str, FakeEmbedder]
) -> None:
    client = signed_in("acme", "alice")
    fakes["acme"].error = RuntimeError("boom: https://x/embed?code=SECRET")
    response = client.get("/console")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong" in html
    assert "SECRET" not in html
    assert "Traceback" not in html
    assert response.headers["Cache-Control"] == "no-store"


# --- With the real Embedder (its AWS client stubbed) -----------------------------------------


@pytest.fixture
def stubbed(example_tenants: dict[str, TenantConfig]) -> tuple[FlaskClient, Stubber]:
    qs = botocore.session.get_session().create_client(
        "quicksight",
        region_name="us-east-1",
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="not-a-secret",
    )
    stubber = Stubber(qs)
    stubber.activate()
    acme = Embedder(example_tenants["acme"], client=qs)  # type: ignore[arg-type]
    client = create_app([acme], secure_cookies=False).test_client()
    sign_in(client, "acme", "alice")
    return client, stubber


def test_the_real_embedder_refuses_bad_input_before_asking_aws(
    stubbed: tuple[FlaskClient, Stubber],
) -> None:
    client, stubber = stubbed
    for query in ("entry_point=/start/favorites", "entry_point=/nope", "lifetime=601"):
        assert client.get(f"/console?{query}").status_code == 400, query
    stubber.assert_no_pending_responses()


def test_the_real_embedders_url_and_aws_refusal_reach_the_page(
    stubbed: tuple[FlaskClient, Stubber],
) -> None:
    client, stubber = stubbed
    expected = {
        "AwsAccountId": "111122223333",
        "EntryPoint": "/start/dashboards",
        "SessionLifetimeInMinutes": 600,
        "UserArn": "arn:aws:quicksight:us-east-1:111122223333:user/acme/alice",
    }
    url = f"{CONSOLE}/embedding/abc/start/dashboards?code=c0de&isauthcode=true"
    stubber.add_response(
        "get_session_embed_url", {"EmbedUrl": url, "Status": 200, "RequestId": "r-1"}, expected
    )
    stubber.add_client_error(
        "get_session_embed_url",
        service_error_code="AccessDeniedException",
        service_message=f"User: {ROLE}/qs-embed is not authorized to perform GetAuthCode",
        http_status_code=403,
        response_meta={"RequestId": "r-2"},
    )
    response = client.get("/console")
    assert response.status_code == 200
    assert url.replace("&", "&amp;") in response.get_data(as_text=True)
    denied = client.get("/console")
    assert denied.status_code == 403
    assert "r-2" in denied.get_data(as_text=True)
    assert ROLE not in denied.get_data(as_text=True)
    stubber.assert_no_pending_responses()
