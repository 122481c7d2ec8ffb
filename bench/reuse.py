"""Goal 2: reusing clients and role credentials gives >= 10x the throughput of a naive app.

Against the local emulator (HTTP, IAM enforced), one thread minting console URLs:
- the Embedder, kept for the tenant (warm: its client made and role assumed once);
- the naive app, per request: a new boto3 session, AssumeRole, a new QuickSight client, then
  GetSessionEmbedUrl, which is what code does that builds everything inside its handler.
Batches of each run in turn; each side's best batch is its throughput.
"""

from __future__ import annotations

from typing import Any

import boto3

from bench.emulated import deployed_tenant
from bench.harness import Result, interleaved
from embedder import Embedder
from embedder.clients import ClientPool

EMBEDDER_BATCH = 40
NAIVE_BATCH = 4
REPEAT = 3
GOAL = 10.0


def run() -> list[Result]:
    with deployed_tenant() as d:
        endpoint = d.emulator.endpoint_url
        embedder = Embedder(
            d.config, session=d.app, endpoint_url=endpoint, client_pool=ClientPool()
        )
        user = d.config.users[0].name
        role_arn, user_arn = embedder.role_arn(), embedder.user_arn(user)
        app_credentials = d.app.get_credentials()
        assert app_credentials is not None
        app = app_credentials.get_frozen_credentials()

        def naive_request() -> Any:
            session = boto3.Session(
                aws_access_key_id=app.access_key,
                aws_secret_access_key=app.secret_key,
                aws_session_token=app.token,
                region_name=d.config.region,
            )
            sts = session.client("sts", endpoint_url=endpoint)
            role = sts.assume_role(RoleArn=role_arn, RoleSessionName="qs-embed")["Credentials"]
            quicksight = session.client(
                "quicksight",
                endpoint_url=endpoint,
                aws_access_key_id=role["AccessKeyId"],
                aws_secret_access_key=role["SecretAccessKey"],
                aws_session_token=role["SessionToken"],
            )
            return quicksight.get_session_embed_url(
                AwsAccountId=embedder.account_id(),
                EntryPoint=d.config.embedding.default_entry_point,
                SessionLifetimeInMinutes=d.config.embedding.session_lifetime_minutes,
                UserArn=user_arn,
            )

        assert naive_request()["Status"] == 200
        assert embedder.session_embed_url(user).status == 200
        t = interleaved(
            {
                "embedder": lambda: [
                    embedder.session_embed_url(user) for _ in range(EMBEDDER_BATCH)
                ],
                "naive": lambda: [naive_request() for _ in range(NAIVE_BATCH)],
            },
            repeat=REPEAT,
        )
    embedder_rate = EMBEDDER_BATCH / t["embedder"]
    naive_rate = NAIVE_BATCH / t["naive"]
    ratio = embedder_rate / naive_rate
    return [
        Result(
            "reuse: Embedder vs naive app (session + AssumeRole + client per request), emulator",
            f"{ratio:.1f}x ({embedder_rate:.0f} vs {naive_rate:.1f} URLs/s)",
            f">= {GOAL:.0f}x",
            ratio >= GOAL,
        )
    ]
