"""An AccessDenied names the API and the IAM action that was refused, for each mint API: an
anonymous mint's hint is about GenerateEmbedUrlForAnonymousUser on the namespace and the
dashboards, never GetAuthCode (which only GetSessionEmbedUrl is also authorized as)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from embedder import Embedder
from embedder.clients import ClientPool
from embedder.errors import AccessDeniedError
from embedder.iam_hints import IAM_HINTS, iam_hint
from tests.fakes import Failure, FakeAws, FakeClock
from tests.fakes import experience_tenant as full

Mint = Callable[[Embedder], object]

MINTS: list[tuple[str, str, Mint, list[str], list[str]]] = [
    # (api, what, mint, named in the hint, never named)
    (
        "GetSessionEmbedUrl",
        "console",
        lambda e: e.session_embed_url("alice"),
        ["quicksight:GetSessionEmbedUrl", "quicksight:GetAuthCode", "user/<namespace>/*"],
        ["GenerateEmbedUrlForAnonymousUser"],
    ),
    (
        "GenerateEmbedUrlForRegisteredUser",
        "console",
        lambda e: e.generate_console_url("alice"),
        ["quicksight:GenerateEmbedUrlForRegisteredUser", "AllowedEmbeddingDomains"],
        ["GetAuthCode", "GenerateEmbedUrlForAnonymousUser"],
    ),
    (
        "GenerateEmbedUrlForRegisteredUser",
        "dashboard",
        lambda e: e.dashboard_embed_url("alice", "sales-overview"),
        ["quicksight:GenerateEmbedUrlForRegisteredUser", "permission on it"],
        ["GetAuthCode", "GenerateEmbedUrlForAnonymousUser"],
    ),
    (
        "GenerateEmbedUrlForAnonymousUser",
        "anonymous dashboard",
        lambda e: e.anonymous_dashboard_url("public-kpis", session_tags={"region": "eu"}),
        ["quicksight:GenerateEmbedUrlForAnonymousUser", "namespace/<namespace>", "anonymous"],
        ["GetAuthCode", "GenerateEmbedUrlForRegisteredUser"],
    ),
    (
        "GenerateEmbedUrlForAnonymousUser",
        "anonymous Q",
        lambda e: e.anonymous_q_url("kpi-q"),
        ["quicksight:GenerateEmbedUrlForAnonymousUser", "topic ARN"],
        ["GetAuthCode", "GenerateEmbedUrlForRegisteredUser"],
    ),
]


@pytest.mark.parametrize(
    ("api", "what", "mint", "named", "unnamed"), MINTS, ids=[f"{m[0]}-{m[1]}" for m in MINTS]
)
def test_access_denied_names_the_refused_api_and_action(
    aws: FakeAws,
    clock: FakeClock,
    pool: ClientPool,
    api: str,
    what: str,
    mint: Mint,
    named: list[str],
    unnamed: list[str],
) -> None:
    emb = Embedder(full(), session=aws.session(), clock=clock, client_pool=pool)
    aws.fail(api, Failure("AccessDeniedException", 401, "not authorized"))
    with pytest.raises(AccessDeniedError) as refused:
        mint(emb)
    text = str(refused.value)
    assert refused.value.operation == api
    assert text.startswith(f"{api} failed for tenant ")
    for phrase in named:
        assert phrase in text, (what, phrase, text)
    for phrase in unnamed:
        assert phrase not in text, (what, phrase, text)


def test_every_api_the_embedder_calls_has_its_hint_and_others_a_generic_one() -> None:
    assert set(IAM_HINTS) == {
        "GetSessionEmbedUrl",
        "GenerateEmbedUrlForRegisteredUser",
        "GenerateEmbedUrlForAnonymousUser",
        "RegisterUser",
    }
    for api, hint in IAM_HINTS.items():
        assert hint.startswith(f"{api} needs quicksight:{api}"), hint
    generic = iam_hint("DescribeUser")
    assert generic == "DescribeUser needs quicksight:DescribeUser in the embed role's policy"


def test_the_hint_is_derived_not_stored_so_errors_still_pickle() -> None:
    import pickle

    error = AccessDeniedError(
        operation="GenerateEmbedUrlForAnonymousUser",
        tenant="acme",
        code="AccessDeniedException",
        message="no",
        request_id="r-1",
        http_status=401,
        attempts=1,
    )
    copy = pickle.loads(pickle.dumps(error))  # noqa: S301 (our own object)
    assert str(copy) == str(error)
    assert "iam_hint" not in error.kwargs
