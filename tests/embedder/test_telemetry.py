"""`embedder.telemetry`: a span (AWS SDK semantic conventions) and metrics per mint, read
with the OpenTelemetry SDK's in-memory exporters; no secret in them; one span per call when
opentelemetry-instrumentation-botocore is on too; nothing needed without opentelemetry-api."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from opentelemetry import metrics, trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from embedder import Embedder
from embedder.clients import ClientPool
from embedder.errors import SessionLifetimeNotAllowedError
from tenant_file.config import TenantConfig
from tests.fakes import FakeAws, FakeClock
from tests.tenant_files import tenant_data

ROOT = Path(__file__).resolve().parents[2]
EXTERNAL_ID = "planted-external-id-8c1d"
SECRETS = ("AUTHCODE-", "/embed/", "role-secret-", "token-qs-embed", "ASIA0000", EXTERNAL_ID)


class Telemetry:
    def __init__(self) -> None:
        self.spans = InMemorySpanExporter()
        self.metrics = InMemoryMetricReader()

    def finished(self) -> tuple[ReadableSpan, ...]:
        return self.spans.get_finished_spans()

    def points(self, name: str) -> dict[tuple[tuple[str, Any], ...], Any]:
        found: dict[tuple[tuple[str, Any], ...], Any] = {}
        data = self.metrics.get_metrics_data()
        for resource in data.resource_metrics if data else ():
            for scope in resource.scope_metrics:
                for metric in scope.metrics:
                    if metric.name == name:
                        for point in metric.data.data_points:
                            found[tuple(sorted((point.attributes or {}).items()))] = point
        return found


@pytest.fixture(scope="module")
def installed() -> Telemetry:
    """The SDK as an app sets it up (the global providers can be set once per process)."""
    telemetry = Telemetry()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(telemetry.spans))
    trace.set_tracer_provider(provider)
    metrics.set_meter_provider(MeterProvider(metric_readers=[telemetry.metrics]))
    return telemetry


@pytest.fixture
def otel(installed: Telemetry) -> Telemetry:
    installed.spans.clear()
    return installed


def config(name: str) -> TenantConfig:
    data = tenant_data(name)
    data["embedding"]["external_id"] = EXTERNAL_ID
    return TenantConfig.model_validate(data)


def no_secret_in(spans: tuple[ReadableSpan, ...]) -> None:
    for span in spans:
        text = json.dumps(
            {
                "attributes": dict(span.attributes or {}),
                "events": [dict(e.attributes or {}) for e in span.events],
                "status": span.status.description,
                "name": span.name,
            }
        )
        for secret in SECRETS:
            assert secret not in text, (secret, text)


def test_a_mint_is_a_client_span_with_the_aws_sdk_conventions(
    otel: Telemetry, aws: FakeAws, clock: FakeClock, pool: ClientPool
) -> None:
    emb = Embedder(config("tel-a"), session=aws.session(), clock=clock, client_pool=pool)
    url = emb.session_embed_url("ann")
    [span] = otel.finished()
    assert span.name == "QuickSight.GetSessionEmbedUrl"
    assert span.kind is SpanKind.CLIENT
    assert dict(span.attributes or {}) == {
        "rpc.system": "aws-api",
        "rpc.service": "QuickSight",
        "rpc.method": "GetSessionEmbedUrl",
        "cloud.region": "us-east-1",
        "aws.request_id": url.request_id,
        "embedder.tenant": "tel-a",
        "embedder.outcome": "granted",
    }
    assert span.status.status_code is StatusCode.UNSET
    no_secret_in(otel.finished())


def test_a_refusal_is_an_error_span_naming_the_class_only(
    otel: Telemetry, aws: FakeAws, clock: FakeClock, pool: ClientPool
) -> None:
    emb = Embedder(config("tel-b"), session=aws.session(), clock=clock, client_pool=pool)
    with pytest.raises(SessionLifetimeNotAllowedError):
        emb.generate_console_url("ann", lifetime_minutes=9999)
    [span] = otel.finished()
    assert span.status.status_code is StatusCode.ERROR
    assert span.status.description == "SessionLifetimeNotAllowedError"
    assert (span.attributes or {})["error.type"] == "SessionLifetimeNotAllowedError"
    assert (span.attributes or {})["embedder.outcome"] == "SessionLifetimeNotAllowedError"


def test_a_latency_histogram_counts_mints_and_a_counter_errors(
    otel: Telemetry, aws: FakeAws, clock: FakeClock, pool: ClientPool
) -> None:
    emb = Embedder(config("tel-c"), session=aws.session(), clock=clock, client_pool=pool)
    emb.session_embed_url("ann")
    emb.session_embed_url("ann")
    with pytest.raises(SessionLifetimeNotAllowedError):
        emb.session_embed_url("ann", lifetime_minutes=9999)

    def labels(outcome: str) -> tuple[tuple[str, Any], ...]:
        return (
            ("embedder.outcome", outcome),
            ("embedder.tenant", "tel-c"),
            ("rpc.method", "GetSessionEmbedUrl"),
        )

    granted, refused = labels("granted"), labels("SessionLifetimeNotAllowedError")
    errors = otel.points("embedder.mint.errors")
    assert errors[refused].value == 1
    assert granted not in errors
    durations = otel.points("embedder.mint.duration")
    assert (durations[granted].count, durations[refused].count) == (2, 1)


def test_with_botocore_instrumentation_there_is_one_span_and_its_hooks_see_nothing(
    otel: Telemetry, aws: FakeAws, clock: FakeClock, pool: ClientPool
) -> None:
    from opentelemetry.instrumentation.botocore import BotocoreInstrumentor

    seen: list[tuple[str, str]] = []
    instrumentor = BotocoreInstrumentor()  # type: ignore[no-untyped-call]
    instrumentor.instrument(
        request_hook=lambda span, service, operation, params: seen.append((service, operation)),
        response_hook=lambda span, service, operation, result: seen.append((service, operation)),
    )
    try:
        emb = Embedder(config("tel-d"), session=aws.session(), clock=clock, client_pool=pool)
        emb.session_embed_url("ann")  # AssumeRole (with the external id), then the mint
        minted = [s for s in otel.finished() if (s.attributes or {}).get("rpc.method")]
        assert [s.name for s in minted] == ["QuickSight.GetSessionEmbedUrl"]
        assert seen == [], "the instrumentation's hooks never saw the embedder's calls"
        # The app's own AWS calls are still the instrumentation's.
        aws.session().client("sts").get_caller_identity()
        assert seen == [("sts", "GetCallerIdentity"), ("sts", "GetCallerIdentity")]
    finally:
        instrumentor.uninstrument()
    no_secret_in(otel.finished())


def test_telemetry_false_turns_it_off(
    otel: Telemetry, aws: FakeAws, clock: FakeClock, pool: ClientPool
) -> None:
    emb = Embedder(
        config("tel-e"), session=aws.session(), clock=clock, client_pool=pool, telemetry=False
    )
    emb.session_embed_url("ann")
    assert otel.finished() == ()


BLOCKED = textwrap.dedent(
    """
    import sys

    class NoOpenTelemetry:
        def find_spec(self, name, path=None, target=None):
            if name == "opentelemetry" or name.startswith("opentelemetry."):
                raise ImportError(f"blocked: {name}")
            return None

    sys.meta_path.insert(0, NoOpenTelemetry())

    from embedder import Embedder
    from tenant_file.config import TenantConfig
    from embedder.telemetry import telemetry_for
    from tests.fakes import FakeAws, FakeClock
    from tests.tenant_files import tenant_data

    aws = FakeAws(FakeClock())
    emb = Embedder(TenantConfig.model_validate(tenant_data("tel-f")), session=aws.session())
    url = emb.session_embed_url("ann")
    assert telemetry_for("us-east-1") is None
    assert not [m for m in sys.modules if m.startswith("opentelemetry")]
    print("minted", url.status)
    """
)


def test_without_opentelemetry_the_embedder_mints_all_the_same() -> None:
    done = subprocess.run(
        [sys.executable, "-c", BLOCKED], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "minted 200"
