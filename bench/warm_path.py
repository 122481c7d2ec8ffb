"""Goal: the Embedder's warm path costs at most 5% more than a careful hand-written app.

`Embedder.session_embed_url` (checks against the tenant file, pooled client, refreshable role
credentials, typed result) against what a careful app writes by hand for the same request: a
boto3 QuickSight client made once, with the same botocore Config (standard retry mode, 5
attempts, the same timeouts) and the same kind of credentials (the role assumed through STS
by botocore's own refreshable, deferred credentials), calling `get_session_embed_url` with the
same parameters. Same stub transport answering both. Both are warm: client made, role assumed.

Beside it, for reference, the ratio to a bare client with static credentials and botocore's
default Config, which is not what a real app can run (its credentials expire in an hour).
The ratios are of the medians of per-call times, the clients called in turn. The same bar
holds for `dashboard_embed_url` and `anonymous_dashboard_url` (with a session tag).
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from typing import Any

import boto3
import botocore.session
from botocore.credentials import AssumeRoleCredentialFetcher, DeferredRefreshableCredentials

from bench.harness import Result, alternated
from bench.stub import ACCOUNT, REGION, StubAws
from bench.tenants import ANONYMOUS_DASHBOARD, DASHBOARD, experience_tenant
from embedder import Embedder, EmbedUrl
from embedder.clients import DEFAULT_CONFIG, ClientPool

CALLS = 2000
ENTRY_POINT = "/dashboards/sales-2030"
LIFETIME = 60
GOAL = 1.05


def careful_client(stub: StubAws, role_arn: str) -> Any:
    """The QuickSight client a careful app makes once: the app's session assumes the role with
    botocore's refreshable credentials, and the client has the embedder's Config."""
    app = stub.session()
    fetcher = AssumeRoleCredentialFetcher(
        client_creator=app._session.create_client,
        source_credentials=app._session.get_credentials(),
        role_arn=role_arn,
        extra_args={"RoleSessionName": "qs-embed"},
    )
    credentials = DeferredRefreshableCredentials(
        refresh_using=fetcher.fetch_credentials, method="assume-role"
    )
    role_session = botocore.session.Session()
    # The usual recipe: botocore has no public setter for a session's refreshable credentials.
    role_session._credentials = credentials  # type: ignore[attr-defined]
    boto = boto3.Session(botocore_session=role_session, region_name=REGION)
    stub.install(boto)
    return boto.client("quicksight", config=DEFAULT_CONFIG)


def run() -> list[Result]:
    stub = StubAws()
    config = experience_tenant("acme")
    user = config.users[0].name
    embedder = Embedder(config, session=stub.session(), client_pool=ClientPool())
    user_arn = embedder.user_arn(user)
    careful = careful_client(stub, embedder.role_arn())
    key_id, secret, token = stub.role_credentials(embedder.role_arn(), "qs-embed")
    raw_session = boto3.Session(
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
        aws_session_token=token,
        region_name=REGION,
    )
    stub.install(raw_session)
    raw = raw_session.client("quicksight")
    request: dict[str, Any] = {
        "AwsAccountId": ACCOUNT,
        "EntryPoint": ENTRY_POINT,
        "SessionLifetimeInMinutes": LIFETIME,
        "UserArn": user_arn,
    }

    def embedded() -> object:
        return embedder.session_embed_url(user, entry_point=ENTRY_POINT, lifetime_minutes=LIFETIME)

    minted = embedder.session_embed_url(user, entry_point=ENTRY_POINT)
    assert minted.url.startswith("https://"), minted
    assert careful.get_session_embed_url(**request)["Status"] == 200
    times = alternated(
        {
            "careful": lambda: careful.get_session_embed_url(**request),
            "raw": lambda: raw.get_session_embed_url(**request),
            "embedder": embedded,
        },
        calls=CALLS,
    )
    careful_s = statistics.median(times["careful"])
    raw_s = statistics.median(times["raw"])
    embedder_s = statistics.median(times["embedder"])
    ratio = embedder_s / careful_s
    return [
        Result(
            "warm path: Embedder.session_embed_url vs a careful boto3 app (same retry mode, "
            "refreshable role credentials, same request)",
            f"{ratio:.3f}x (median {embedder_s * 1e6:.0f} us vs {careful_s * 1e6:.0f} us, "
            f"+{(embedder_s - careful_s) * 1e6:.0f} us); vs a bare client with static "
            f"credentials {embedder_s / raw_s:.3f}x ({raw_s * 1e6:.0f} us); {CALLS} calls each",
            f"<= {GOAL:.2f}x",
            ratio <= GOAL,
        ),
        *experiences(stub, embedder, careful, user, user_arn),
    ]


def experiences(
    stub: StubAws, embedder: Embedder, careful: Any, user: str, user_arn: str
) -> list[Result]:
    """The same bar for the experiences beyond the console: a registered user's dashboard
    (GenerateEmbedUrlForRegisteredUser) and an anonymous reader's with a session tag
    (GenerateEmbedUrlForAnonymousUser), each against the careful app sending the same request."""
    arn = f"arn:aws:quicksight:{REGION}:{ACCOUNT}:dashboard/{ANONYMOUS_DASHBOARD}"
    registered = {
        "AwsAccountId": ACCOUNT,
        "UserArn": user_arn,
        "SessionLifetimeInMinutes": LIFETIME,
        "ExperienceConfiguration": {"Dashboard": {"InitialDashboardId": DASHBOARD}},
    }
    anonymous = {
        "AwsAccountId": ACCOUNT,
        "Namespace": embedder.config.namespace,
        "SessionLifetimeInMinutes": LIFETIME,
        "AuthorizedResourceArns": [arn],
        "ExperienceConfiguration": {"Dashboard": {"InitialDashboardId": ANONYMOUS_DASHBOARD}},
        "SessionTags": [
            {"Key": "region", "Value": "eu-west-1"},
            {"Key": "tenant_id", "Value": embedder.tenant},
        ],
    }
    tags = {"region": "eu-west-1"}
    cases: dict[str, tuple[Callable[[], EmbedUrl], Callable[[], object]]] = {
        "dashboard_embed_url": (
            lambda: embedder.dashboard_embed_url(user, DASHBOARD, lifetime_minutes=LIFETIME),
            lambda: careful.generate_embed_url_for_registered_user(**registered),
        ),
        "anonymous_dashboard_url": (
            lambda: embedder.anonymous_dashboard_url(
                ANONYMOUS_DASHBOARD, session_tags=tags, lifetime_minutes=LIFETIME
            ),
            lambda: careful.generate_embed_url_for_anonymous_user(**anonymous),
        ),
    }
    results = []
    for name, (mint, by_hand) in cases.items():
        assert mint().status == 200
        times = alternated({"careful": by_hand, "embedder": mint}, calls=CALLS)
        careful_s = statistics.median(times["careful"])
        embedder_s = statistics.median(times["embedder"])
        ratio = embedder_s / careful_s
        results.append(
            Result(
                f"warm path: Embedder.{name} vs a careful boto3 app (same request)",
                f"{ratio:.3f}x (median {embedder_s * 1e6:.0f} us vs {careful_s * 1e6:.0f} us, "
                f"+{(embedder_s - careful_s) * 1e6:.0f} us); {CALLS} calls each",
                f"<= {GOAL:.2f}x",
                ratio <= GOAL,
            )
        )
    return results
