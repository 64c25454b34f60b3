"""The metrics AWS services publish about themselves, as the local cloud records them: which
namespace, name, unit and dimensions each has, in one place (dashboards and alarms query
these names).

``AWS/Lambda`` (dimension ``FunctionName``), per invocation: ``Invocations`` (1), ``Errors``
(1 or 0, so Sum/SampleCount is the error rate), ``Duration`` and ``ConcurrentExecutions`` (the
function's busy execution environments, this one included); when they happen:
``Throttles``, ``DeadLetterErrors``; per asynchronous attempt ``AsyncEventAge`` (since the
event was queued); per stream batch ``IteratorAge`` (age of its last record).

``AWS/ApiGateway`` (dimensions ``ApiName``, ``Stage``), per request: ``Count`` (1),
``4XXError`` and ``5XXError`` (1 or 0), ``Latency`` and, when an integration was called,
``IntegrationLatency``.
"""

from __future__ import annotations

from .recorder import CloudWatchRecorder

LAMBDA = "AWS/Lambda"
API_GATEWAY = "AWS/ApiGateway"
COUNT = "Count"
MILLISECONDS = "Milliseconds"


class LambdaMetrics:
    """What Lambda publishes to ``AWS/Lambda``."""

    def __init__(self, recorder: CloudWatchRecorder) -> None:
        self._recorder = recorder

    def invocation(
        self, function_name: str, *, duration_ms: float, error: bool, concurrent: int
    ) -> None:
        self._put(function_name, "Invocations", 1, COUNT)
        self._put(function_name, "Errors", 1 if error else 0, COUNT)
        self._put(function_name, "Duration", duration_ms, MILLISECONDS)
        self._put(function_name, "ConcurrentExecutions", concurrent, COUNT)

    def throttle(self, function_name: str) -> None:
        self._put(function_name, "Throttles", 1, COUNT)

    def dead_letter_error(self, function_name: str) -> None:
        self._put(function_name, "DeadLetterErrors", 1, COUNT)

    def async_event_age(self, function_name: str, age_ms: float) -> None:
        self._put(function_name, "AsyncEventAge", age_ms, MILLISECONDS)

    def iterator_age(self, function_name: str, age_ms: float) -> None:
        self._put(function_name, "IteratorAge", age_ms, MILLISECONDS)

    def _put(self, function_name: str, name: str, value: float, unit: str) -> None:
        self._recorder.metric(
            LAMBDA, name, value, unit=unit, dimensions=(("FunctionName", function_name),)
        )


class ApiGatewayMetrics:
    """What API Gateway publishes to ``AWS/ApiGateway`` for REST APIs."""

    def __init__(self, recorder: CloudWatchRecorder) -> None:
        self._recorder = recorder

    def request(
        self,
        api_name: str,
        stage: str,
        *,
        status: int,
        latency_ms: float,
        integration_latency_ms: float | None,
    ) -> None:
        dimensions = (("ApiName", api_name), ("Stage", stage))
        put = self._recorder.metric
        put(API_GATEWAY, "Count", 1, unit=COUNT, dimensions=dimensions)
        put(API_GATEWAY, "4XXError", int(400 <= status < 500), unit=COUNT, dimensions=dimensions)
        put(API_GATEWAY, "5XXError", int(status >= 500), unit=COUNT, dimensions=dimensions)
        put(API_GATEWAY, "Latency", latency_ms, unit=MILLISECONDS, dimensions=dimensions)
        if integration_latency_ms is not None:
            put(
                API_GATEWAY,
                "IntegrationLatency",
                integration_latency_ms,
                unit=MILLISECONDS,
                dimensions=dimensions,
            )
