"""Goal 1: the Embedder's warm path costs at most 10% more than a bare boto3 call.

`Embedder.session_embed_url` (checks against the tenant file, pooled client, refreshable role
credentials, typed result) against `get_session_embed_url` on a boto3 client built beforehand
with the same role's credentials; same request, same stub transport answering both. Both are
warm: client made, role assumed. The ratio is of the medians of per-call times, the two
called in turn.
"""

from __future__ import annotations

import statistics

import boto3

from bench.harness import Result, alternated
from bench.stub import ACCOUNT, REGION, StubAws
from bench.tenants import tenant
from embedder import Embedder
from embedder.clients import ClientPool

CALLS = 2000
ENTRY_POINT = "/dashboards/sales-2030"
LIFETIME = 60
GOAL = 1.10


def run() -> list[Result]:
    stub = StubAws()
    config = tenant("acme")
    user = config.users[0].name
    embedder = Embedder(config, session=stub.session(), client_pool=ClientPool())
    key_id, secret, token = stub.role_credentials(embedder.role_arn(), "qs-embed")
    raw_session = boto3.Session(
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
        aws_session_token=token,
        region_name=REGION,
    )
    stub.install(raw_session)
    raw = raw_session.client("quicksight")
    user_arn = embedder.user_arn(user)

    def bare() -> object:
        return raw.get_session_embed_url(
            AwsAccountId=ACCOUNT,
            EntryPoint=ENTRY_POINT,
            SessionLifetimeInMinutes=LIFETIME,
            UserArn=user_arn,
        )

    def embedded() -> object:
        return embedder.session_embed_url(user, entry_point=ENTRY_POINT, lifetime_minutes=LIFETIME)

    minted = embedder.session_embed_url(user, entry_point=ENTRY_POINT)
    assert minted.url.startswith("https://"), minted
    assert minted.status == 200, minted
    times = alternated({"boto3": bare, "embedder": embedded}, calls=CALLS)
    bare_s = statistics.median(times["boto3"])
    embedder_s = statistics.median(times["embedder"])
    ratio = embedder_s / bare_s
    return [
        Result(
            "warm path: Embedder.session_embed_url vs boto3 get_session_embed_url",
            f"{ratio:.3f}x (median {embedder_s * 1e6:.0f} us vs {bare_s * 1e6:.0f} us, "
            f"+{(embedder_s - bare_s) * 1e6:.0f} us; {CALLS} calls each)",
            f"<= {GOAL:.2f}x",
            ratio <= GOAL,
        )
    ]
