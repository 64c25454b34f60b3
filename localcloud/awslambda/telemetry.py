"""What Lambda writes about each invocation: the platform's log lines (START, END, REPORT in
the text format; ``platform.start`` and ``platform.report`` records in the JSON format) and,
through :class:`FunctionTelemetry`, the function's output and those lines in its CloudWatch log
group (``LoggingConfig.LogGroup``, default ``/aws/lambda/<name>``), one log stream per
execution environment, plus its ``AWS/Lambda`` metrics.

Lambda also filters logs by level in the JSON format. Application logs are filtered here as
Lambda does (a JSON line's ``level``, INFO when it has none); the system log level is not
applied, so START and REPORT stay visible locally even where ``SystemLogLevel`` is WARN.
"""

from __future__ import annotations

import datetime
import functools
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

from ..cloudwatch.recorder import CloudWatchRecorder, Message
from ..cloudwatch.service_metrics import LambdaMetrics

JSON = "JSON"
# Lambda's application log levels, least severe first.
_LEVELS = ("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL")
_LEVEL_ALIASES = {"WARNING": "WARN", "CRITICAL": "FATAL"}
_LEVEL = re.compile(r'"level"\s*:\s*"([A-Za-z]+)"')


def _iso(timestamp_ms: int) -> str:
    moment = datetime.datetime.fromtimestamp(timestamp_ms / 1000, datetime.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@dataclass(frozen=True)
class Report:
    """One invocation's REPORT: its figures and how it ended (``status`` None: the function
    returned, with or without an error; ``timeout``/``error``: the environment was ended)."""

    request_id: str
    duration_ms: float
    memory_mb: int
    max_memory_mb: int
    init_ms: float | None = None
    status: str | None = None
    error_type: str | None = None

    @property
    def billed_ms(self) -> int:
        return max(1, math.ceil(self.duration_ms))

    def text(self) -> str:
        line = (
            f"REPORT RequestId: {self.request_id}\tDuration: {self.duration_ms:.2f} ms\t"
            f"Billed Duration: {self.billed_ms} ms\t"
            f"Memory Size: {self.memory_mb} MB\tMax Memory Used: {self.max_memory_mb} MB"
        )
        if self.init_ms is not None:
            line += f"\tInit Duration: {self.init_ms:.2f} ms"
        if self.status:
            line += f"\tStatus: {self.status}"
        return line

    def json(self, timestamp_ms: int) -> str:
        """The ``platform.report`` record, timed ``timestamp_ms``."""
        metrics: dict[str, float | int] = {
            "durationMs": round(self.duration_ms, 3),
            "billedDurationMs": self.billed_ms,
            "memorySizeMB": self.memory_mb,
            "maxMemoryUsedMB": self.max_memory_mb,
        }
        if self.init_ms is not None:
            metrics["initDurationMs"] = round(self.init_ms, 3)
        record: dict[str, object] = {"requestId": self.request_id, "metrics": metrics}
        record["status"] = self.status or ("error" if self.error_type else "success")
        if self.error_type:
            record["errorType"] = self.error_type
        return _platform_record("platform.report", record, timestamp_ms)


def _platform_record(kind: str, record: Mapping[str, object], timestamp_ms: int) -> str:
    # Compact, as Lambda writes its JSON log records.
    document = {"time": _iso(timestamp_ms), "type": kind, "record": record}
    return json.dumps(document, separators=(",", ":"))


def start_line(request_id: str, version: str) -> str:
    return f"START RequestId: {request_id} Version: {version}"


def end_line(request_id: str) -> str:
    return f"END RequestId: {request_id}"


@dataclass(frozen=True)
class LogTarget:
    """Where one execution environment's logs go."""

    function_name: str
    group: str
    stream: str
    log_format: str = "Text"
    # The lowest application log level sent (JSON format only); None sends everything.
    application_level: str | None = None


class FunctionTelemetry:
    """Writes functions' logs and metrics to the emulator's CloudWatch (see the module
    documentation); every call only queues (``CloudWatchRecorder``)."""

    def __init__(self, recorder: CloudWatchRecorder) -> None:
        self._recorder = recorder
        self.metrics = LambdaMetrics(recorder)

    def output(self, target: LogTarget, line: str) -> None:
        """A line the function wrote."""
        level = target.application_level
        if (
            target.log_format == JSON
            and level
            and line.startswith("{")
            and not _passes(line, level)
        ):
            return
        self._recorder.log(target.group, target.stream, line)

    def started(self, target: LogTarget, request_id: str, version: str) -> None:
        if target.log_format == JSON:
            record = {"requestId": request_id, "version": version}
            # Formatted when written, off the request path, like the report below.
            line: Message = functools.partial(_platform_record, "platform.start", record)
        else:
            line = start_line(request_id, version)
        self._recorder.log(target.group, target.stream, line)

    def finished(
        self, target: LogTarget, report: Report, runtime_lines: list[str], *, concurrent: int
    ) -> None:
        """The end of an invocation: the runtime's own lines (a timeout...), END and REPORT,
        and the invocation's metrics."""
        log = self._recorder.log
        for line in runtime_lines:
            log(target.group, target.stream, line)
        if target.log_format == JSON:
            log(target.group, target.stream, report.json)
        else:
            log(target.group, target.stream, end_line(report.request_id))
            log(target.group, target.stream, lambda _timestamp_ms: report.text())
        self.metrics.invocation(
            target.function_name,
            duration_ms=report.duration_ms,
            error=report.error_type is not None,
            concurrent=concurrent,
        )


def _passes(line: str, minimum: str) -> bool:
    """Lambda's application log filter for one JSON line (no or unknown level: INFO). Read
    with a pattern, not a JSON parser: this runs on the worker's output thread, per line."""
    found = _LEVEL.search(line)
    name = found.group(1).upper() if found else "INFO"
    name = _LEVEL_ALIASES.get(name, name)
    wanted = _LEVEL_ALIASES.get(minimum.upper(), minimum.upper())
    if name not in _LEVELS or wanted not in _LEVELS:
        return True
    return _LEVELS.index(name) >= _LEVELS.index(wanted)
