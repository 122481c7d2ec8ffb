"""OpenTelemetry for mints, when `opentelemetry-api` is installed (extra `otel`); else nothing.

Imported lazily: the embedder never needs it, and without it `telemetry_for()` is None and a
mint pays nothing. With it, each mint attempt (`embedder.audit.MintAuditor.attempt`) is:

- a span named `QuickSight.<API>`, kind CLIENT, with the semantic conventions of AWS SDK calls
  (https://opentelemetry.io/docs/specs/semconv/cloud-providers/aws-sdk/): `rpc.system`
  `aws-api`, `rpc.service` `QuickSight`, `rpc.method`, `cloud.region`, `aws.request_id`; plus
  `embedder.tenant` and `embedder.outcome` (`granted` or the error's class, also `error.type`);
- a count in `embedder.mints` (every attempt) and `embedder.mint.errors` (the others), and
  the attempt's seconds in the histogram `embedder.mint.duration`, by tenant, API and outcome.

With `opentelemetry-instrumentation-botocore` also installed, the embedder's AWS calls run with
instrumentation suppressed (`opentelemetry.instrumentation.utils.suppress_instrumentation`): the
span above is the one span of the call, and the instrumentation's request and response hooks
never see what the embedder sends and receives (the external id of AssumeRole, session tags,
the embed URL). The app's other AWS calls are traced by it as before.

No attribute, event or status description carries a secret: only the names above, the tenant,
the API, the region, AWS's request id and an error's class name.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from functools import cache
from typing import Any

TRACER_NAME = "embedder"
RPC_SERVICE = "QuickSight"
TENANT = "embedder.tenant"
OUTCOME = "embedder.outcome"
API = "rpc.method"
GRANTED = "granted"


@cache
def _otel() -> tuple[Any, Any, Any] | None:
    """(trace, metrics, suppress_instrumentation) of the installed packages, or None."""
    try:
        from opentelemetry import metrics, trace
    except ImportError:
        return None
    suppress: Any = nullcontext  # no instrumentation package installed: nothing to suppress
    try:
        from opentelemetry.instrumentation.utils import suppress_instrumentation
    except ImportError:
        pass
    else:
        suppress = suppress_instrumentation
    return trace, metrics, suppress


def telemetry_for(region: str) -> Telemetry | None:
    """The telemetry of an Embedder in `region`, or None without opentelemetry-api."""
    otel = _otel()
    return None if otel is None else Telemetry(region, *otel)


class MintSpan:
    __slots__ = ("span", "suppressed", "token")

    def __init__(self, span: Any, token: Any, suppressed: AbstractContextManager[Any]) -> None:
        self.span = span
        self.token = token
        self.suppressed = suppressed


class Telemetry:
    __slots__ = (
        "_context",
        "_duration",
        "_errors",
        "_mints",
        "_region",
        "_suppress",
        "_trace",
        "_tracer",
    )

    def __init__(self, region: str, trace: Any, metrics: Any, suppress: Any) -> None:
        from opentelemetry import context

        from embedder import __version__

        self._region = region
        self._trace = trace
        self._context = context
        self._suppress = suppress
        # A proxy until the app sets its provider, then the provider's: made once.
        self._tracer = trace.get_tracer(TRACER_NAME, __version__)
        meter = metrics.get_meter(TRACER_NAME, __version__)
        self._mints = meter.create_counter(
            "embedder.mints", unit="{mint}", description="Embed URL mint attempts"
        )
        self._errors = meter.create_counter(
            "embedder.mint.errors", unit="{mint}", description="Mint attempts not granted"
        )
        self._duration = meter.create_histogram(
            "embedder.mint.duration", unit="s", description="Duration of mint attempts"
        )

    def start(self, api: str, tenant: str) -> MintSpan:
        trace = self._trace
        span = self._tracer.start_span(
            f"{RPC_SERVICE}.{api}",
            kind=trace.SpanKind.CLIENT,
            attributes={
                "rpc.system": "aws-api",
                "rpc.service": RPC_SERVICE,
                API: api,
                "cloud.region": self._region,
                TENANT: tenant,
            },
        )
        token = self._context.attach(trace.set_span_in_context(span))
        suppressed = self._suppress()
        suppressed.__enter__()
        return MintSpan(span, token, suppressed)

    def end(
        self,
        mint: MintSpan,
        api: str,
        tenant: str,
        outcome: str,
        request_id: str | None,
        seconds: float,
    ) -> None:
        mint.suppressed.__exit__(None, None, None)
        self._context.detach(mint.token)
        span = mint.span
        span.set_attribute(OUTCOME, outcome)
        if request_id:
            span.set_attribute("aws.request_id", request_id)
        labels = {TENANT: tenant, API: api, OUTCOME: outcome}
        if outcome != GRANTED:
            span.set_attribute("error.type", outcome)
            # The class name only: an error's text is not a span's to carry.
            span.set_status(self._trace.Status(self._trace.StatusCode.ERROR, outcome))
            self._errors.add(1, labels)
        span.end()
        self._mints.add(1, labels)
        self._duration.record(seconds, labels)
