"""What the local cloud's services write to CloudWatch, written off the request path.

Services call :meth:`CloudWatchRecorder.log` (one log event) and :meth:`CloudWatchRecorder.
metric` (one sample) from wherever they are: each is an append to a queue, so a request pays
nothing for it. A background thread wakes every ``interval_s`` and writes what came in, in
batches, into the emulator's CloudWatch Logs and CloudWatch, where ``aws logs`` and ``aws
cloudwatch`` read them:

- log events: one PutLogEvents batch per log stream (CloudWatch's limits: 10,000 events and
  1 MB a call, 256 KB an event), in time order; groups and streams are created when missing,
  as Lambda and API Gateway create theirs;
- samples: added up per metric, dimensions and second into ``StatisticValues`` (SampleCount,
  Sum, Minimum, Maximum), one PutMetricData batch per namespace and 1,000 metrics. moto
  answers no percentile statistics anyway, and this keeps its store (a list it scans on every
  query) growing by seconds of traffic, not by requests.

The batches go into moto's backends in-process (``moto_gaps.put_log_events`` and
``put_metric_data``: what the APIs do, without the HTTP round trip, which cost about 20 times
as much as the writing itself); embedded-metric-format events become metrics on the way in
(``moto_gaps``), and subscription filters see the events as they would through the API.
:meth:`flush` waits until everything recorded before it is written (tests, and :meth:`close`
on the way out).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any, NamedTuple

from . import moto_gaps

logger = logging.getLogger(__name__)

# CloudWatch Logs' PutLogEvents limits: per event (message + 26 bytes of overhead) and call.
MAX_EVENT_BYTES = 256 * 1024 - 26
MAX_BATCH_BYTES = 1_048_576
MAX_BATCH_EVENTS = 10_000
_EVENT_OVERHEAD = 26
# PutMetricData: metrics per call; dimensions per metric.
MAX_METRICS_PER_CALL = 1000
MAX_DIMENSIONS = 30

Dimensions = tuple[tuple[str, str], ...]


# A log event's text, or what makes it from the event's timestamp (epoch ms) when it is
# written: formatting then happens off the request path too.
Message = str | Callable[[int], str]


# Tuples: made on the request path, they must cost next to nothing.
class LogEvent(NamedTuple):
    group: str
    stream: str
    timestamp_ms: int
    message: Message


class _Sample(NamedTuple):
    namespace: str
    name: str
    unit: str | None
    dimensions: Dimensions
    timestamp: float
    value: float


class CloudWatchRecorder:
    """Queues log events and metric samples; a background thread writes them to the
    emulator's CloudWatch Logs and CloudWatch in batches. See the module documentation."""

    def __init__(self, *, region: str, interval_s: float = 0.5) -> None:
        self.region = region
        self.interval_s = interval_s
        self._events: deque[LogEvent] = deque()
        self._samples: deque[_Sample] = deque()
        self._wake = threading.Event()
        self._progress = threading.Condition()
        self._requested = 0
        self._completed = 0
        self._closing = False
        self._thread: threading.Thread | None = None
        # What writing has cost so far (the background thread's time), for benchmarks.
        self.writes = 0
        self.write_s = 0.0

    # -- what services call (cheap: an append) --------------------------------------------

    def log(
        self, group: str, stream: str, message: Message, timestamp_ms: int | None = None
    ) -> None:
        """One log event for ``group``/``stream`` (created when first written); ``message``
        may be a function of the timestamp, called when the event is written."""
        if timestamp_ms is None:
            timestamp_ms = int(time.time() * 1000)
        self._events.append(LogEvent(group, stream, timestamp_ms, message))

    def metric(
        self,
        namespace: str,
        name: str,
        value: float,
        *,
        unit: str | None = None,
        dimensions: Dimensions = (),
        timestamp: float | None = None,
    ) -> None:
        """One sample of a metric (``timestamp`` in epoch seconds, default now)."""
        at = time.time() if timestamp is None else timestamp
        self._samples.append(_Sample(namespace, name, unit, dimensions, at, value))

    # -- life cycle -----------------------------------------------------------------------

    def start(self) -> CloudWatchRecorder:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._run, name="cloudwatch-recorder", daemon=True
            )
            self._thread.start()
        return self

    def flush(self, timeout_s: float = 30.0) -> bool:
        """Waits until everything recorded so far is written; False on timeout (or when the
        recorder is not running)."""
        if self._thread is None or not self._thread.is_alive():
            return False
        with self._progress:
            self._requested += 1
            target = self._requested
            self._wake.set()
            return self._progress.wait_for(lambda: self._completed >= target, timeout_s)

    def close(self) -> None:
        """Writes what is left, then stops the thread."""
        thread, self._thread = self._thread, None
        if thread is not None:
            self._closing = True
            self._wake.set()
            thread.join(30)

    def __enter__(self) -> CloudWatchRecorder:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the background thread ------------------------------------------------------------

    def _run(self) -> None:
        while True:
            self._wake.wait(self.interval_s)
            self._wake.clear()
            closing = self._closing
            with self._progress:
                target = self._requested
            # Whatever was queued before ``target`` was read is drained below.
            events, samples = _drain(self._events), _drain(self._samples)
            if events or samples:
                started = time.perf_counter()
                try:
                    self._write(events, samples)
                except Exception:  # the thread must outlive any one failure
                    logger.exception("writing to CloudWatch failed; those events are dropped")
                self.writes += 1
                self.write_s += time.perf_counter() - started
            with self._progress:
                self._completed = max(self._completed, target)
                self._progress.notify_all()
            if closing:
                return

    def _write(self, events: list[LogEvent], samples: list[_Sample]) -> None:
        by_stream: dict[tuple[str, str], list[LogEvent]] = {}
        for event in events:
            by_stream.setdefault((event.group, event.stream), []).append(event)
        for (group, stream), stream_events in by_stream.items():
            # Stable: events of one stream keep their order within a millisecond.
            stream_events.sort(key=lambda e: e.timestamp_ms)
            try:
                for batch in log_batches(stream_events):
                    moto_gaps.put_log_events(self.region, group, stream, batch)
            except Exception as error:  # one bad stream must not cost the others
                logger.warning("writing to log group %s failed: %r", group, error)
        for namespace, data in _aggregate(samples).items():
            try:
                for start in range(0, len(data), MAX_METRICS_PER_CALL):
                    batch = data[start : start + MAX_METRICS_PER_CALL]
                    moto_gaps.put_metric_data(self.region, namespace, batch)
            except Exception as error:
                logger.warning("writing metrics of %s failed: %r", namespace, error)


def _drain(queue: deque[Any]) -> list[Any]:
    # popleft is atomic; appends made meanwhile wait for the next round.
    return [queue.popleft() for _ in range(len(queue))]


def log_batches(events: Iterable[LogEvent]) -> Iterator[list[dict[str, Any]]]:
    """PutLogEvents batches within CloudWatch Logs' limits (oversized messages truncated,
    as the services truncate theirs)."""
    batch: list[dict[str, Any]] = []
    size = 0
    for event in events:
        message = event.message
        if not isinstance(message, str):
            try:
                message = message(event.timestamp_ms)
            except Exception as error:  # one bad formatter must not cost its stream
                message = f"localcloud: this event could not be formatted: {error!r}"
        encoded = len(message.encode())
        if encoded > MAX_EVENT_BYTES:
            message = message.encode()[:MAX_EVENT_BYTES].decode("utf-8", "ignore")
            encoded = len(message.encode())
        if batch and (
            len(batch) == MAX_BATCH_EVENTS or size + encoded + _EVENT_OVERHEAD > MAX_BATCH_BYTES
        ):
            yield batch
            batch, size = [], 0
        batch.append({"timestamp": event.timestamp_ms, "message": message})
        size += encoded + _EVENT_OVERHEAD
    if batch:
        yield batch


def _aggregate(samples: Iterable[_Sample]) -> dict[str, list[dict[str, Any]]]:
    """PutMetricData entries per namespace: the samples of one metric, dimension set and
    second added up into StatisticValues."""
    totals: dict[tuple[str, str, str | None, Dimensions, int], list[float]] = {}
    for sample in samples:
        key = (
            sample.namespace,
            sample.name,
            sample.unit,
            sample.dimensions[:MAX_DIMENSIONS],
            int(sample.timestamp),
        )
        found = totals.get(key)
        if found is None:
            totals[key] = [1.0, sample.value, sample.value, sample.value]
        else:
            found[0] += 1
            found[1] += sample.value
            found[2] = min(found[2], sample.value)
            found[3] = max(found[3], sample.value)
    by_namespace: dict[str, list[dict[str, Any]]] = {}
    for (namespace, name, unit, dimensions, second), (count, total, low, high) in totals.items():
        entry: dict[str, Any] = {
            "MetricName": name,
            "Timestamp": float(second),
            "StatisticValues": {
                "SampleCount": count,
                "Sum": total,
                "Minimum": low,
                "Maximum": high,
            },
            "Dimensions": [{"Name": k, "Value": v} for k, v in dimensions],
        }
        if unit:
            entry["Unit"] = unit
        by_namespace.setdefault(namespace, []).append(entry)
    return by_namespace
