"""How an Embedder reaches AWS as the embed role (`embedder.role_access`): the clients it is
given or makes, the account asked of STS once, the partition's ARNs, users found by name and
their ARNs built once."""

from __future__ import annotations

from collections import Counter
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

import embedder.role_access
import tenant_file.names
from embedder import (
    Embedder,
    UnknownUserError,
)
from tenant_file.config import TenantConfig
from tests.embedder.stubbed import StubbedClients, embed_response
from tests.fakes import ACCOUNT, FakeClock, tenant


def test_injected_client_is_used_as_is_for_quicksight_identity(clock: FakeClock) -> None:
    client = boto3.client(
        "quicksight", region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b"
    )
    with Stubber(client) as stub:
        stub.add_response("get_session_embed_url", embed_response(), None)
        emb = Embedder(tenant(), client=client, clock=clock)
        assert emb.session_embed_url("bob").request_id == "req-1"


def test_injected_client_is_refused_for_iam_identity() -> None:
    with pytest.raises(ValueError, match="client_factory"):
        Embedder(tenant("iam"), client=object())  # type: ignore[arg-type]


def test_account_comes_from_the_caller_once_when_the_file_has_none(clock: FakeClock) -> None:
    sts = boto3.client(
        "sts", region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b"
    )
    stubs = StubbedClients()
    stub = stubs.stub("qs-embed", "us-east-1")
    with Stubber(sts) as sts_stub:
        sts_stub.add_response(
            "get_caller_identity",
            {
                "Account": "444455556666",
                "Arn": "arn:aws:iam::444455556666:role/app",
                "UserId": "AROAAPP",
            },
        )
        for _ in range(2):
            stub.add_response(
                "get_session_embed_url",
                embed_response(),
                {
                    "AwsAccountId": "444455556666",
                    "EntryPoint": ANY,
                    "SessionLifetimeInMinutes": ANY,
                    "UserArn": "arn:aws:quicksight:us-east-1:444455556666:user/acme/alice",
                },
            )
        emb = Embedder(tenant(account_id=None), client_factory=stubs, sts_client=sts, clock=clock)
        emb.session_embed_url("alice")
        emb.session_embed_url("alice")
        sts_stub.assert_no_pending_responses()
    assert stubs.sessions[0].role_arn == "arn:aws:iam::444455556666:role/qs-embed-acme"


@pytest.mark.parametrize(
    ("region", "partition"),
    [("us-east-1", "aws"), ("cn-north-1", "aws-cn"), ("us-gov-west-1", "aws-us-gov")],
)
def test_arns_use_the_partition_of_the_region(region: str, partition: str) -> None:
    embedding = tenant().embedding.model_dump()
    # The app's role lives in the tenant's partition too (a role trusts no other partition).
    embedding["app_principals"] = [f"arn:{partition}:iam::{ACCOUNT}:role/acme-portal"]
    emb = Embedder(tenant(region=region, embedding=embedding))
    assert emb.role_arn() == f"arn:{partition}:iam::{ACCOUNT}:role/qs-embed-acme"
    assert emb.user_arn("bob") == f"arn:{partition}:quicksight:{region}:{ACCOUNT}:user/acme/bob"


# --- The warm path: users by name, ARNs once ---------------------------------------------------


class CountingUsers(tuple):  # type: ignore[type-arg]
    """The tenant's users, counting every scan of the list."""

    scans = 0

    def __iter__(self) -> Any:
        CountingUsers.scans += 1
        return super().__iter__()


class FixedClient:
    """A QuickSight client that answers every call at once (quicksight identity)."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []

    def get_session_embed_url(self, **request: Any) -> dict[str, Any]:
        self.requests.append(request)
        return embed_response(f"req-{len(self.requests)}")


def test_the_warm_path_finds_users_by_name_not_by_scanning(
    clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    users = [
        {"name": f"user{i:04d}", "email": f"u{i}@acme.example", "role": "AUTHOR"}
        for i in range(2000)
    ]
    config = tenant(users=users)
    config = config.model_copy(update={"users": CountingUsers(config.users)})
    arns: Counter[str] = Counter()
    real_arn = tenant_file.names.quicksight_user_arn

    def counted_arn(*args: str) -> str:
        arns[args[-1]] += 1
        return real_arn(*args)

    monkeypatch.setattr(embedder.role_access, "quicksight_user_arn", counted_arn)
    monkeypatch.setattr(TenantConfig, "user", lambda *_: pytest.fail("TenantConfig.user scans"))
    client = FixedClient()
    emb = Embedder(config, client=client, clock=clock)  # type: ignore[arg-type]
    CountingUsers.scans = 0
    for _ in range(3):
        for name in ("user1999", "user0000", "user1000"):
            emb.session_embed_url(name)
    assert CountingUsers.scans == 0, "no request scans the list of users"
    assert arns == {"user1999": 1, "user0000": 1, "user1000": 1}, "each ARN is built once"
    assert client.requests[0]["UserArn"] == (
        f"arn:aws:quicksight:us-east-1:{ACCOUNT}:user/acme/user1999"
    )
    assert emb.user_arn("user1999") == client.requests[0]["UserArn"]
    assert CountingUsers.scans == 0
    with pytest.raises(UnknownUserError, match=r"\(1980 more\)"):
        emb.session_embed_url("user2000")
