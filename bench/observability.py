"""Goals: audit events and tracing cost the embedder no more than 5% over what the
OpenTelemetry SDK and logging cost by themselves; a warm mint is one request.

1. Audit and tracing on, against an app that records the same telemetry by hand: one Embedder
   (one client, one set of warm role credentials, one stub transport), its mints timed in
   alternating batches (`batched`, medians of per-call times). On = the `embedder.audit` logger
   at INFO with a handler, an `audit=` callback, and the OpenTelemetry SDK recording every span
   (BatchSpanProcessor, as apps export) and the metrics (an in-memory reader). By hand = the
   same Embedder with audit off (the auditor of `Embedder(..., telemetry=False)`, no callback,
   the audit logger disabled) inside a span with the same attributes, the same histogram
   measurement and a log record an app records itself: the SDK's and logging's own costs,
   which no instrumentation avoids. The goal holds the embedder to at most 1.05x of that.

   Reported beside it, side by side in the same run: on against off (the bare warm path),
   and the SDK's span alone around the bare path. The span alone already costs more than 5%
   of a warm mint against the in-process stub (a mint with no network: about 300 us here;
   tens of milliseconds against AWS), so a bar of 1.05x the bare path cannot be met by any
   tracing of a local mint; it was the issue's first wording of this goal (see the README).
2. Requests per mint, counted (not timed): 10,000 warm mints across 100 tenants (quicksight
   identity, 100 mints each, in turn), audit and tracing on, every HTTP request the app's
   sessions send counted at botocore's `before-send`; the app's clock advances 0.1 s per mint,
   so no role credential nears its expiry and none is refreshed: the floor is one request
   (the mint itself). Then the clock passes the refresh point and one more round of mints
   shows AssumeRole exactly once per tenant, at the credential's expiry.

The SDK's providers are global and set once per process, and every other benchmark's Embedders
would pay for them: this one runs in a child process of its own.
"""

from __future__ import annotations

import functools
import json
import logging
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.harness import Result, batched

ROUNDS = 90
BATCH = 25
CALLS = ROUNDS * BATCH
TENANTS = 100
MINTS = 10_000
GOAL_RATIO = 1.05
GOAL_REQUESTS = 1.0
PARTS = {
    "tracing": "OpenTelemetry span and histogram",
    "log": "audit event on the logger",
    "callback": "audit event to the callback",
}


def run() -> list[Result]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.observability"],
        capture_output=True,
        text=True,
        timeout=900,
        check=True,
    )
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    on, off, by_hand = figures["on_us"], figures["off_us"], figures["by_hand_us"]
    ratio = on / off
    per_mint = figures["requests"] / figures["mints"]
    span_alone = figures["span_alone_us"]
    return [
        Result(
            "audit events and tracing on (audit logger at INFO, callback, OpenTelemetry SDK "
            "spans and metrics) vs an app that records the same span, histogram and audit log "
            "record by hand around the uninstrumented Embedder",
            f"{on / by_hand:.3f}x (median {on:.0f} us vs {by_hand:.0f} us, "
            f"+{on - by_hand:.0f} us); {CALLS} calls each, in batches of {BATCH}",
            f"<= {GOAL_RATIO:.2f}x",
            on / by_hand <= GOAL_RATIO,
        ),
        Result(
            "the same vs the warm path without them, and the SDK's span alone around that "
            "path (reported)",
            f"{ratio:.3f}x (median {on:.0f} us vs {off:.0f} us, +{on - off:.0f} us); the "
            f"span alone {span_alone / off:.3f}x (+{span_alone - off:.0f} us): more than 5% of "
            "a local mint before the embedder records anything",
            "reported",
            True,
        ),
        Result(
            "where the difference goes: each part alone vs the same warm path without any "
            "(reported)",
            "; ".join(
                f"{label} +{figures['parts_us'][part] - off:.0f} us "
                f"({figures['parts_us'][part] / off:.3f}x)"
                for part, label in PARTS.items()
            ),
            "reported",
            True,
        ),
        Result(
            f"requests per warm mint over {MINTS:,} mints across {TENANTS} tenants (counted, "
            "audit and tracing on)",
            f"{per_mint:.3f} ({figures['requests']:,} requests: "
            f"{figures['by_operation']}); past the refresh point, AssumeRole "
            f"{figures['refreshes']} times for {TENANTS} tenants",
            f"= {GOAL_REQUESTS:.3f}, AssumeRole once per tenant at expiry",
            round(per_mint, 3) == GOAL_REQUESTS and figures["refreshes"] == TENANTS,
        ),
    ]


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2030, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def _measure() -> dict[str, Any]:
    from opentelemetry import metrics, trace
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult

    from bench.stub import StubAws
    from bench.tenants import tenant
    from embedder import Embedder
    from embedder.audit import AUDIT_LOGGER, MintAuditor
    from embedder.clients import ClientPool

    class Dropped(SpanExporter):
        def export(self, spans: Sequence[Any]) -> SpanExportResult:
            return SpanExportResult.SUCCESS

    provider = TracerProvider()
    provider.add_span_processor(BatchSpanProcessor(Dropped()))
    trace.set_tracer_provider(provider)
    metrics.set_meter_provider(MeterProvider(metric_readers=[InMemoryMetricReader()]))
    audit_logger = logging.getLogger(AUDIT_LOGGER)
    audit_logger.addHandler(logging.NullHandler())
    audit_logger.setLevel(logging.INFO)
    audit_logger.propagate = False
    events: list[object] = []

    def keep(event: object) -> None:
        events.append(event)
        if len(events) > 1000:
            events.clear()

    # 1. on against off, side by side: one Embedder, its auditor switched.
    stub = StubAws()
    config = tenant("acme")
    user = config.users[0].name
    embedder = Embedder(config, session=stub.session(), client_pool=ClientPool(), audit=keep)
    on = embedder._auditor
    telemetry, callback = on._telemetry, on._callback
    assert telemetry is not None
    assert callback is not None
    place = functools.partial(
        MintAuditor, tenant=config.tenant, identity="quicksight", region=config.region
    )
    # What `Embedder(..., telemetry=False)` with no `audit=` callback holds.
    off = place()
    # Where the difference goes: each part alone (reported).
    tracing_only = place(telemetry=telemetry)
    callback_only = place(callback=callback)

    def minting(auditor: MintAuditor, *, logged: bool) -> Callable[[], object]:
        def mint() -> object:
            audit_logger.disabled = not logged
            embedder._auditor = auditor
            return embedder.session_embed_url(user)

        return mint

    # The floor a hand-instrumented app pays for the same telemetry: its own span with the
    # same attributes, the same histogram measurement and an audit log record of its own
    # around the uninstrumented Embedder (the SDK's and logging's costs, not the embedder's).
    tracer = trace.get_tracer("app")
    histogram = metrics.get_meter("app").create_histogram("app.mint.duration", unit="s")
    app_logger = logging.getLogger("app.audit")
    app_logger.addHandler(logging.NullHandler())
    app_logger.setLevel(logging.INFO)
    app_logger.propagate = False
    attributes = {
        "rpc.system": "aws-api",
        "rpc.service": "QuickSight",
        "rpc.method": "GetSessionEmbedUrl",
        "cloud.region": config.region,
        "embedder.tenant": config.tenant,
        "embedder.outcome": "granted",
    }

    def by_hand() -> object:
        audit_logger.disabled = True
        embedder._auditor = off
        started = time.perf_counter()
        with tracer.start_as_current_span(
            "QuickSight.GetSessionEmbedUrl", kind=trace.SpanKind.CLIENT, attributes=attributes
        ) as span:
            url = embedder.session_embed_url(user)
            span.set_attribute("aws.request_id", url.request_id)
        seconds = time.perf_counter() - started
        histogram.record(seconds, attributes)
        event: dict[str, object] = {"tenant": config.tenant, "user": user}
        event |= {"api": "GetSessionEmbedUrl", "outcome": "granted", "seconds": seconds}
        app_logger.info("minted", extra={"audit": event})
        keep(event)
        return url

    def span_alone() -> object:
        # The SDK's span by itself, nothing else: what any tracing of a mint costs at least.
        audit_logger.disabled = True
        embedder._auditor = off
        with tracer.start_as_current_span(
            "QuickSight.GetSessionEmbedUrl", kind=trace.SpanKind.CLIENT, attributes=attributes
        ):
            return embedder.session_embed_url(user)

    mints = {
        "on": minting(on, logged=True),
        "off": minting(off, logged=False),
        "by_hand": by_hand,
        "span_alone": span_alone,
        "tracing": minting(tracing_only, logged=False),
        "log": minting(off, logged=True),
        "callback": minting(callback_only, logged=False),
    }
    times = batched(mints, rounds=ROUNDS, batch=BATCH)
    audit_logger.disabled = False
    assert events, "the audit callback was called"

    # 2. Requests per warm mint, counted.
    clock = Clock()
    counted = StubAws(clock)
    session = counted.session()
    sent: Counter[str] = Counter()

    def count(request: Any, event_name: str, **_: Any) -> None:
        sent[event_name.rsplit(".", 1)[-1]] += 1

    session.events.register("before-send", count)
    pool = ClientPool(TENANTS * 2)
    embedders = [
        Embedder(tenant(f"t{i:03d}"), session=session, clock=clock, client_pool=pool, audit=keep)
        for i in range(TENANTS)
    ]
    for emb in embedders:  # warm: each tenant's client made and role assumed once
        emb.session_embed_url("u000")
    sent.clear()
    for n in range(MINTS):
        embedders[n % TENANTS].session_embed_url("u000")
        clock.now += timedelta(seconds=0.1)
    requests = sum(sent.values())
    by_operation = dict(sent)
    sent.clear()
    clock.now += timedelta(minutes=50)  # past the refresh point (15 minutes before expiry)
    for emb in embedders:
        emb.session_embed_url("u000")
    provider.shutdown()
    return {
        "on_us": statistics.median(times["on"]) * 1e6,
        "off_us": statistics.median(times["off"]) * 1e6,
        "by_hand_us": statistics.median(times["by_hand"]) * 1e6,
        "span_alone_us": statistics.median(times["span_alone"]) * 1e6,
        "parts_us": {part: statistics.median(times[part]) * 1e6 for part in PARTS},
        "mints": MINTS,
        "requests": requests,
        "by_operation": by_operation,
        "refreshes": sent["AssumeRole"],
    }


if __name__ == "__main__":
    print(json.dumps(_measure()))
