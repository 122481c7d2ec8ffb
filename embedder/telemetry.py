"""OpenTelemetry for mints, when `opentelemetry-api` is installed (extra `otel`); else nothing.

Imported lazily: the embedder never needs it, and without it `telemetry_for()` is None and a
mint pays nothing. With it, each mint attempt (`embedder.audit.MintAuditor.attempt`) is:

- a span named `QuickSight.<API>`, kind CLIENT, with the semantic conventions of AWS SDK calls
  (https://opentelemetry.io/docs/specs/semconv/cloud-providers/aws-sdk/): `rpc.system`
  `aws-api`, `rpc.service` `QuickSight`, `rpc.method`, `cloud.region`, `aws.request_id`; plus
  `embedder.tenant` and `embedder.outcome` (`granted` or the error's class, also `error.type`);
- the attempt's seconds in the histogram `embedder.mint.duration`, by tenant, API and outcome
  (its count is the count of mints: a separate counter would double the SDK's cost per mint),
  and a count in `embedder.mint.errors` for the attempts not granted.

With `opentelemetry-instrumentation-botocore` also installed, the embedder's AWS calls run with
instrumentation suppressed (the keys `opentelemetry.instrumentation.utils.suppress_instrumentation`
sets, in the context the span is attached with): the
span above is the one span of the call, and the instrumentation's request and response hooks
never see what the embedder sends and receives (the external id of AssumeRole, session tags,
the embed URL). The app's other AWS calls are traced by it as before.

No attribute, event or status description carries a secret: only the names above, the tenant,
the API, the region, AWS's request id and an error's class name.
"""

from __future__ import annotations

import sys
import time
from functools import cache
from typing import Any

TRACER_NAME = "embedder"
RPC_SERVICE = "QuickSight"
TENANT = "embedder.tenant"
OUTCOME = "embedder.outcome"
API = "rpc.method"
GRANTED = "granted"
BOTOCORE_INSTRUMENTATION = "opentelemetry.instrumentation.botocore"


@cache
def _otel() -> tuple[Any, Any, tuple[str, ...]] | None:
    """(trace, metrics, the context keys that suppress instrumentation), or None."""
    try:
        from opentelemetry import metrics, trace
    except ImportError:
        return None
    try:
        # The keys `suppress_instrumentation()` sets (the instrumentations check both); set
        # here in the one context the span is attached with: one attach per mint, not two.
        from opentelemetry.instrumentation import utils
    except ImportError:  # no instrumentation package installed: nothing to suppress
        return trace, metrics, ()
    key = getattr(utils, "_SUPPRESS_INSTRUMENTATION_KEY", "suppress_instrumentation")
    return trace, metrics, (key, "suppress_instrumentation")


_ASK = object()
_UNSET_PROVIDERS: tuple[type, ...] = ()
"""The tracer providers that record nothing: the API's own until the app sets the SDK's."""


def telemetry_for(region: str) -> Telemetry | None:
    """The telemetry of an Embedder in `region`, or None without opentelemetry-api."""
    global _UNSET_PROVIDERS
    otel = _otel()
    if otel is None:
        return None
    trace = otel[0]
    _UNSET_PROVIDERS = (trace.ProxyTracerProvider, trace.NoOpTracerProvider)
    return Telemetry(region, *otel)


class MintSpan:
    """A mint under way: when it started, and the suppression it runs under (if any)."""

    __slots__ = ("started_ns", "token")

    def __init__(self, started_ns: int, token: Any) -> None:
        self.started_ns = started_ns
        self.token = token


class Telemetry:
    __slots__ = (
        "_context",
        "_duration",
        "_errors",
        "_labels",
        "_metrics",
        "_region",
        "_suppress",
        "_trace",
        "_tracer",
    )

    def __init__(self, region: str, trace: Any, metrics: Any, suppress: tuple[str, ...]) -> None:
        from opentelemetry import context
        from opentelemetry.metrics import _internal

        from embedder import __version__

        self._region = region
        self._metrics = _internal
        self._trace = trace
        self._context = context
        self._suppress = suppress
        # Per (tenant, API, outcome): the metrics' attributes, the span's name and attributes
        # (all but the request id), made once: a mint looks them up instead of building them.
        # The SDK keeps a measurement's attributes dict as the key of its series: never mutated.
        self._labels: dict[tuple[str, str, str], tuple[dict[str, str], str, dict[str, str]]] = {}
        # A proxy until the app sets its provider, then the provider's: made once.
        self._tracer = trace.get_tracer(TRACER_NAME, __version__)
        meter = metrics.get_meter(TRACER_NAME, __version__)
        self._errors = meter.create_counter(
            "embedder.mint.errors", unit="{mint}", description="Mint attempts not granted"
        )
        self._duration = meter.create_histogram(
            "embedder.mint.duration",
            unit="s",
            description="Duration of embed URL mint attempts (its count: the mints)",
        )

    def start(self) -> MintSpan | None:
        """A mint begins: None when nothing would be recorded (no tracer or meter provider set
        by the app, no botocore instrumentation on), and then `end` is not called. Under botocore
        instrumentation, the mint's AWS calls run with instrumentation suppressed.

        The common case, an app that has not set OpenTelemetry up, is decided inline from the
        API's globals (None until the app sets a provider): `get_tracer_provider()` looks at the
        environment on every call while none is set, and each Python call costs a warm mint
        about a microsecond (`make bench`)."""
        provider = getattr(self._trace, "_TRACER_PROVIDER", _ASK)
        metering = getattr(self._metrics, "_METER_PROVIDER", _ASK) is not None
        if provider is None and not metering and BOTOCORE_INSTRUMENTATION not in sys.modules:
            return None
        if provider is _ASK:  # an API that keeps it elsewhere
            provider = self._trace.get_tracer_provider()
        tracing = provider is not None and not isinstance(provider, _UNSET_PROVIDERS)
        instrumented = bool(self._suppress) and _botocore_instrumented()
        if not (tracing or instrumented or metering):
            return None
        token = None
        if instrumented:
            context = self._context
            current = context.get_current()
            for key in self._suppress:
                current = context.set_value(key, True, current)
            token = context.attach(current)
        return MintSpan(time.time_ns() if tracing else 0, token)

    def end(
        self,
        mint: MintSpan,
        api: str,
        tenant: str,
        outcome: str,
        request_id: str | None,
        seconds: float,
    ) -> None:
        """The mint `start` began (not None) ends: its metrics, then its span when traced."""
        key = (tenant, api, outcome)
        found = self._labels.get(key)
        if found is None:
            found = self._labels[key] = self._describe(tenant, api, outcome)
        labels, name, attributes = found
        self._duration.record(seconds, labels)
        if outcome != GRANTED:
            self._errors.add(1, labels)
        if mint.token is not None:
            self._context.detach(mint.token)
        if not mint.started_ns:
            return
        # The span is made whole at the end, its start time given: one set of attributes
        # instead of one at a time (each takes the span's lock), and no context to attach for
        # children (the mint's own AWS calls are the span; instrumentation under it is off).
        if request_id:
            attributes = attributes | {"aws.request_id": request_id}
        trace = self._trace
        span = self._tracer.start_span(
            name,
            kind=trace.SpanKind.CLIENT,
            attributes=attributes,
            start_time=mint.started_ns,
        )
        if outcome != GRANTED:
            # The class name only: an error's text is not a span's to carry.
            span.set_status(trace.Status(trace.StatusCode.ERROR, outcome))
        span.end()

    def _describe(
        self, tenant: str, api: str, outcome: str
    ) -> tuple[dict[str, str], str, dict[str, str]]:
        """The metrics' attributes, the span's name and its attributes but the request id."""
        labels = {TENANT: tenant, API: api, OUTCOME: outcome}
        attributes = {
            "rpc.system": "aws-api",
            "rpc.service": RPC_SERVICE,
            API: api,
            "cloud.region": self._region,
            TENANT: tenant,
            OUTCOME: outcome,
        }
        if outcome != GRANTED:
            attributes["error.type"] = outcome
        return labels, f"{RPC_SERVICE}.{api}", attributes


def _botocore_instrumented() -> bool:
    """Whether opentelemetry-instrumentation-botocore is on (it is imported to be)."""
    module = sys.modules.get(BOTOCORE_INSTRUMENTATION)
    if module is None:
        return False
    return bool(module.BotocoreInstrumentor().is_instrumented_by_opentelemetry)
