"""Throttling and 5xx are retried a bounded number of times, then raise the typed error; the
app's botocore Config is merged over the defaults, not ignored."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.config import Config

from embedder import (
    AccessDeniedError,
    ClientPool,
    Embedder,
    InternalFailureError,
    ThrottlingError,
)
from embedder.clients import client_config
from tests.fakes import Failure, FakeAws, FakeClock, tenant

THROTTLED = Failure("ThrottlingException", 429, "Rate exceeded")


def embedder(aws: FakeAws, clock: FakeClock, pool: ClientPool, **kw: object) -> Embedder:
    return Embedder(tenant(), session=aws.session(), clock=clock, client_pool=pool, **kw)  # type: ignore[arg-type]


def test_throttling_is_retried_with_backoff(
    aws: FakeAws, clock: FakeClock, pool: ClientPool, retry_sleeps: list[float]
) -> None:
    aws.fail("GetSessionEmbedUrl", *[THROTTLED] * 4)
    result = embedder(aws, clock, pool).session_embed_url("alice")
    assert result.status == 200
    assert len(aws.ops("GetSessionEmbedUrl")) == 5
    assert len(retry_sleeps) == 4
    assert all(0 <= s <= 20 for s in retry_sleeps)


def test_throttling_beyond_the_bound_raises_throttling_error(
    aws: FakeAws, clock: FakeClock, pool: ClientPool, retry_sleeps: list[float]
) -> None:
    aws.fail("GetSessionEmbedUrl", *[THROTTLED] * 10)
    with pytest.raises(ThrottlingError) as caught:
        embedder(aws, clock, pool).session_embed_url("alice")
    error = caught.value
    assert (error.http_status, error.attempts) == (429, 5)
    assert error.request_id == f"req-{len(aws.calls)}", "the request id of the last attempt"
    assert "5 attempts" in str(error)
    assert "Rate exceeded" in str(error)
    assert len(aws.ops("GetSessionEmbedUrl")) == 5


def test_internal_failures_are_retried_then_typed(
    aws: FakeAws, clock: FakeClock, pool: ClientPool, retry_sleeps: list[float]
) -> None:
    aws.fail("GetSessionEmbedUrl", *[Failure("InternalFailureException", 500)] * 5)
    with pytest.raises(InternalFailureError) as caught:
        embedder(aws, clock, pool).session_embed_url("alice")
    assert caught.value.http_status == 500
    assert len(aws.ops("GetSessionEmbedUrl")) == 5


def test_client_errors_are_not_retried(
    aws: FakeAws, clock: FakeClock, pool: ClientPool, retry_sleeps: list[float]
) -> None:
    aws.fail("GetSessionEmbedUrl", Failure("AccessDeniedException", 401))
    with pytest.raises(AccessDeniedError):
        embedder(aws, clock, pool).session_embed_url("alice")
    assert len(aws.ops("GetSessionEmbedUrl")) == 1
    assert retry_sleeps == []


def test_injected_config_bounds_the_retries(
    aws: FakeAws, clock: FakeClock, pool: ClientPool, retry_sleeps: list[float]
) -> None:
    aws.fail("GetSessionEmbedUrl", *[THROTTLED] * 10)
    emb = embedder(aws, clock, pool, boto_config=Config(retries={"max_attempts": 1}))
    with pytest.raises(ThrottlingError):
        emb.session_embed_url("alice")
    assert len(aws.ops("GetSessionEmbedUrl")) == 2, "botocore's max_attempts counts retries"


def test_config_merge_keeps_defaults_the_app_did_not_set() -> None:
    merged = client_config(Config(retries={"mode": "adaptive"}, read_timeout=3))
    assert merged.retries == {"mode": "adaptive", "total_max_attempts": 5}  # type: ignore[attr-defined]
    assert merged.read_timeout == 3  # type: ignore[attr-defined]
    assert merged.connect_timeout == 5  # type: ignore[attr-defined]
    merged = client_config(Config(retries={"total_max_attempts": 2}, max_pool_connections=50))
    assert merged.retries == {"mode": "standard", "total_max_attempts": 2}  # type: ignore[attr-defined]
    assert merged.max_pool_connections == 50  # type: ignore[attr-defined]
    assert client_config(None).retries == {"mode": "standard", "total_max_attempts": 5}  # type: ignore[attr-defined]


def test_clients_use_the_merged_config(aws: FakeAws, clock: FakeClock, pool: ClientPool) -> None:
    emb = embedder(aws, clock, pool, boto_config=Config(retries={"mode": "adaptive"}))
    emb.session_embed_url("alice")
    (client,) = [c for c in pool_clients(pool) if c.meta.service_model.service_name == "quicksight"]
    assert client.meta.config.retries["mode"] == "adaptive"
    assert client.meta.region_name == "us-east-1"


def pool_clients(pool: ClientPool) -> list[Any]:
    return [slot.value() for slot in pool._slots.values()]  # test-only peek
