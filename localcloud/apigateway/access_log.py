"""What API Gateway writes to CloudWatch about each request to a stage: an access-log line in
the stage's format (``AccessLogSetting.Format``, its ``$context.*`` variables substituted,
``-`` for those without a value) into the stage's log group (``DestinationArn``), and the
request's ``AWS/ApiGateway`` metrics. Everything is queued on a ``CloudWatchRecorder``; the
request does not wait for CloudWatch."""

from __future__ import annotations

import functools
import re
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from ..cloudwatch.recorder import CloudWatchRecorder
from ..cloudwatch.service_metrics import ApiGatewayMetrics

# $context.name or $context.a.b (a trailing dot, as in "... $context.status.", is text).
_VARIABLE = re.compile(r"\$context\.([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)")
MISSING = "-"

# The request's $context values (names without "context."), made when the line is written.
Context = Callable[[], Mapping[str, str | None]]


def render(template: str, values: Mapping[str, str | None]) -> str:
    """The access-log line: each ``$context.…`` replaced by its value, ``-`` when it has none
    (as API Gateway writes it)."""

    def substitute(match: re.Match[str]) -> str:
        return values.get(match.group(1)) or MISSING

    return _VARIABLE.sub(substitute, template)


def _line(template: str, context: Context, _timestamp_ms: int) -> str:
    return render(template, context())


def log_group_of(destination_arn: str) -> str | None:
    """The log group an access-log destination ARN names (``...:log-group:NAME`` or
    ``...:log-group:NAME:*``); None for other destinations (Firehose)."""
    _, found, rest = destination_arn.partition(":log-group:")
    if not found or not rest:
        return None
    return rest.removesuffix(":*")


class ApiTelemetry:
    """Access logs and metrics of every stage the gateway serves."""

    def __init__(self, recorder: CloudWatchRecorder) -> None:
        self._recorder = recorder
        self.metrics = ApiGatewayMetrics(recorder)
        self._streams: dict[tuple[str, str], str] = {}

    def request(
        self,
        *,
        api_id: str,
        api_name: str,
        stage_name: str,
        access_log_settings: Mapping[str, Any] | None,
        status: int,
        latency_ms: float,
        integration_latency_ms: float | None,
        context: Context,
    ) -> None:
        self.metrics.request(
            api_name,
            stage_name,
            status=status,
            latency_ms=latency_ms,
            integration_latency_ms=integration_latency_ms,
        )
        settings = access_log_settings or {}
        template = settings.get("format")
        group = log_group_of(str(settings.get("destinationArn") or ""))
        if not template or group is None:
            return
        stream = self._streams.get((api_id, stage_name))
        if stream is None:
            # API Gateway names its access-log streams with an opaque hex id.
            stream = self._streams.setdefault((api_id, stage_name), uuid.uuid4().hex)
        # Rendered when written, off the request path.
        self._recorder.log(group, stream, functools.partial(_line, str(template), context))
