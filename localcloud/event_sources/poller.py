"""Event source mappings, polled the way Lambda's pollers do: SQS, Kinesis, DynamoDB streams.

Whatever is deployed is polled: every enabled ``AWS::Lambda::EventSourceMapping`` (or mapping
made through the Lambda API) gets its own poller thread per SQS queue or per stream shard,
found by a scan every ``scan_s``. Functions run through the local Lambda runtime, one batch
at a time per queue or shard, synchronously, with the event shapes Lambda sends.

SQS: receive up to ``BatchSize`` messages with the queue's visibility timeout, waiting up
to ``MaximumBatchingWindowInSeconds`` for a full batch; invoke; on success delete the batch
(with ``ReportBatchItemFailures``: all but the messages named in ``batchItemFailures``). On a
function error nothing is deleted: the messages come back after the visibility timeout and
the queue's own redrive policy moves them to its dead-letter queue after ``maxReceiveCount``
receives. Messages that ``FilterCriteria`` reject are deleted without an invocation.

Kinesis and DynamoDB streams: each shard is read in order from ``StartingPosition``
(``LATEST``: what arrived after the mapping was created) in batches of ``BatchSize`` (and
``MaximumBatchingWindowInSeconds``); the next batch starts only once this one is done:
- a function error retries the batch, up to ``MaximumRetryAttempts`` (-1: until the
  records expire); with ``BisectBatchOnFunctionError`` a failed batch is split in two first
  and each half tried on its own (splitting does not count as a retry), which isolates a
  poison record in a batch of one;
- with ``ReportBatchItemFailures``, the records before the first sequence number in
  ``batchItemFailures`` are done and the batch resumes from it (a retry);
- records older than ``MaximumRecordAgeInSeconds`` are not sent again;
- what is finally given up (``RetryAttemptsExhausted``, ``RecordAgeExceeded``) is described,
  in Lambda's format, to ``DestinationConfig.OnFailure`` (SQS or SNS) and the shard moves on.
Records that ``FilterCriteria`` reject are skipped.

Where Lambda waits seconds or minutes (polling an empty source, backing off before a retry),
this waits tens of milliseconds: local runs and tests see results at once. Checkpoints and
the right to poll a queue or shard are process-wide, like moto's state: two local clouds in
one process (a test's own and the session's) never deliver the same batch twice.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import datetime
import json
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..awslambda.destinations import Destinations
from ..awslambda.runtime import InvokeResult, LogSink, print_log
from ..cloudwatch.service_metrics import LambdaMetrics
from . import moto_gaps as sources

Invoke = Callable[[str, Any], InvokeResult]

SQS, KINESIS, DYNAMODB = "sqs", "kinesis", "dynamodb"
RETRY_EXHAUSTED = "RetryAttemptsExhausted"
RECORD_AGE_EXCEEDED = "RecordAgeExceeded"
REPORT_BATCH_ITEM_FAILURES = "ReportBatchItemFailures"

# Lambda's defaults where the mapping leaves a property out.
_DEFAULT_BATCH = {SQS: 10, KINESIS: 100, DYNAMODB: 100}


# ---------------------------------------------------------------------------------------
# a mapping's settings


@dataclass(frozen=True)
class Settings:
    """What a poller needs of one mapping (Lambda's defaults filled in)."""

    uuid: str
    function_arn: str
    source_arn: str
    kind: str
    enabled: bool = True
    batch_size: int = 10
    window_s: float = 0.0
    starting_position: str = "TRIM_HORIZON"
    starting_timestamp: float | None = None
    bisect: bool = False
    max_retries: int = -1
    max_age_s: float = -1
    report_failures: bool = False
    on_failure: str | None = None
    filters: tuple[str, ...] = ()
    created_at: float = 0.0
    role: str | None = None

    @property
    def region(self) -> str:
        return self.source_arn.split(":")[3]

    @property
    def function_name(self) -> str:
        return self.function_arn.split(":")[6]

    @classmethod
    def from_state(cls, state: sources.MappingState) -> Settings | None:
        """None for a source this poller does not read (Kafka, MQ, DocumentDB)."""
        config = state.config
        source_arn = str(config.get("EventSourceArn") or "")
        kind = source_arn.split(":")[2] if source_arn.count(":") >= 5 else ""
        if kind not in _DEFAULT_BATCH:
            return None
        destination = ((config.get("DestinationConfig") or {}).get("OnFailure") or {}).get(
            "Destination"
        )
        filters = tuple(
            str(f["Pattern"])
            for f in (config.get("FilterCriteria") or {}).get("Filters") or []
            if f.get("Pattern")
        )
        return cls(
            uuid=str(config["UUID"]),
            function_arn=str(config["FunctionArn"]),
            source_arn=source_arn,
            kind=kind,
            enabled=config.get("State", "Enabled") == "Enabled",
            batch_size=int(config.get("BatchSize") or _DEFAULT_BATCH[kind]),
            window_s=float(config.get("MaximumBatchingWindowInSeconds") or 0),
            starting_position=str(config.get("StartingPosition") or "TRIM_HORIZON"),
            starting_timestamp=state.starting_timestamp,
            bisect=config.get("BisectBatchOnFunctionError") is True,
            max_retries=int(config.get("MaximumRetryAttempts", -1)),
            max_age_s=float(config.get("MaximumRecordAgeInSeconds", -1)),
            report_failures=REPORT_BATCH_ITEM_FAILURES
            in (config.get("FunctionResponseTypes") or []),
            on_failure=str(destination) if destination else None,
            filters=filters,
            created_at=state.created_at,
            role=state.role,
        )


# ---------------------------------------------------------------------------------------
# process-wide: which poller holds a lane (a queue, or a stream shard, of one mapping), and
# where each shard's processing stands


_lanes_lock = threading.Lock()
_lane_locks: dict[tuple[str, str], threading.Lock] = {}
_checkpoints: dict[tuple[str, str], int | None] = {}


def _lane_lock(key: tuple[str, str]) -> threading.Lock:
    with _lanes_lock:
        return _lane_locks.setdefault(key, threading.Lock())


# ---------------------------------------------------------------------------------------
# the poller


class _Stopped(Exception):
    """The poller is stopping: leave the batch unfinished (it will be delivered again)."""


@dataclass
class _Batch:
    records: list[sources.StreamRecord]
    attempts: int = 0
    last: InvokeResult | None = None


@dataclass
class EventSourcePoller:
    """Polls every enabled event source mapping in the emulator; see the module docstring.

    ``invoke(function_arn, event)`` runs a function synchronously (``LambdaRuntime.
    invoke_function``); ``endpoint`` and ``region`` reach the emulator for on-failure
    destinations.
    """

    invoke: Invoke
    endpoint: str
    region: str
    log: LogSink = print_log
    # How long an idle lane waits before it looks again: idle_s, doubling while nothing comes
    # up to max_idle_s. A message sent to a queue wakes its lane at once.
    idle_s: float = 0.02
    max_idle_s: float = 0.1
    # How often the mappings are listed (new, changed, deleted ones).
    scan_s: float = 0.05
    # Pauses before stream retries (the last one repeats); Lambda backs off for seconds.
    retry_delays_s: tuple[float, ...] = (0.02, 0.05, 0.1, 0.2, 0.5)
    # Where stream batches record their IteratorAge (None: nowhere).
    metrics: LambdaMetrics | None = None
    _settings: dict[str, Settings] = field(default_factory=dict, init=False)
    _lanes: dict[tuple[str, str], threading.Thread] = field(default_factory=dict, init=False)
    _stopping: threading.Event = field(default_factory=threading.Event, init=False)
    _scanner: threading.Thread | None = field(default=None, init=False)
    _destinations: Destinations = field(init=False)

    def __post_init__(self) -> None:
        self._destinations = Destinations(endpoint=self.endpoint, region=self.region)

    # -- life cycle -----------------------------------------------------------------------

    def start(self) -> EventSourcePoller:
        if self._scanner is None:
            self.scan()
            self._scanner = threading.Thread(
                target=self._scan_forever, name="esm-scanner", daemon=True
            )
            self._scanner.start()
        return self

    def stop(self, timeout_s: float = 5.0) -> None:
        """Stops polling. A batch being processed finishes (its function returns or the
        runtime is closed), so nothing is half-acknowledged; the rest waits in the source."""
        self._stopping.set()
        deadline = time.monotonic() + timeout_s
        if self._scanner is not None:
            self._scanner.join(max(0.0, deadline - time.monotonic()))
        for thread in list(self._lanes.values()):
            thread.join(max(0.0, deadline - time.monotonic()))
        self._destinations.close()

    def __enter__(self) -> EventSourcePoller:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- finding the mappings -------------------------------------------------------------

    def _scan_forever(self) -> None:
        while not self._stopping.wait(self.scan_s):
            try:
                self.scan()
            except Exception as error:  # a scan racing a stack deletion: try again next time
                self.log("localcloud", f"event source mappings: scan failed: {error!r}")

    def scan(self) -> None:
        """Finds new mappings and shards and starts their pollers; ends those of deleted or
        disabled mappings (the pollers notice by themselves)."""
        found: dict[str, Settings] = {}
        for state in sources.event_source_mappings():
            settings = Settings.from_state(state)
            if settings is not None:
                found[settings.uuid] = settings
        self._settings = found
        for settings in found.values():
            if not settings.enabled:
                continue
            if settings.kind == SQS:
                lanes = [""]
            else:
                lanes = sources.stream_shards(settings.source_arn) or []
            for lane in lanes:
                key = (settings.uuid, lane)
                running = self._lanes.get(key)
                if (running is None or not running.is_alive()) and not self._stopping.is_set():
                    thread = threading.Thread(
                        target=self._poll_lane,
                        args=(key,),
                        name=f"esm-{settings.kind}-{settings.uuid[:8]}{'-' + lane if lane else ''}",
                        daemon=True,
                    )
                    self._lanes[key] = thread
                    thread.start()

    def _current(self, mapping_uuid: str) -> Settings | None:
        settings = self._settings.get(mapping_uuid)
        return settings if settings is not None and settings.enabled else None

    # -- one lane -------------------------------------------------------------------------

    def _poll_lane(self, key: tuple[str, str]) -> None:
        mapping_uuid, shard = key
        lock = _lane_lock(key)
        idle = self.idle_s
        while not self._stopping.is_set():
            settings = self._current(mapping_uuid)
            if settings is None:
                return  # deleted or disabled; a later scan starts a new poller if re-enabled
            worked = False
            if lock.acquire(blocking=False):
                try:
                    if settings.kind == SQS:
                        worked = self._sqs_step(settings)
                    else:
                        worked = self._stream_step(settings, shard)
                except _Stopped:
                    return
                except Exception as error:
                    self.log(settings.function_name, f"localcloud: {settings.uuid}: {error!r}")
                    self._stopping.wait(self.max_idle_s)
                finally:
                    lock.release()
            if worked:
                idle = self.idle_s
                continue
            if settings.kind == SQS:
                sources.sqs_wait(settings.source_arn, idle)
            else:
                self._stopping.wait(idle)
            idle = min(idle * 2, self.max_idle_s)

    def _sleep(self, seconds: float) -> None:
        if self._stopping.wait(seconds):
            raise _Stopped

    def _call(self, settings: Settings, event: Any) -> InvokeResult | None:
        """Runs the function; None if it could not be run at all (deleted, runtime closed)."""
        try:
            return self.invoke(settings.function_arn, event)
        except (LookupError, RuntimeError) as error:
            if not self._stopping.is_set():
                self.log(settings.function_name, f"localcloud: {settings.uuid}: {error}")
            return None

    # -- SQS ------------------------------------------------------------------------------

    def _sqs_step(self, settings: Settings) -> bool:
        messages = self._sqs_gather(settings)
        if not messages:
            return False
        queue = settings.source_arn
        records = [_sqs_record(message, queue) for message in messages]
        if settings.filters:
            matched = [_sqs_matches(settings.filters, r) for r in records]
            rejected = [r for r, keep in zip(records, matched, strict=True) if not keep]
            sources.sqs_delete(queue, [r["receiptHandle"] for r in rejected])
            records = [r for r, keep in zip(records, matched, strict=True) if keep]
            if not records:
                return True
        result = self._call(settings, {"Records": records})
        if result is None or result.function_error:
            return True  # back after the visibility timeout
        failed: set[str] = set()
        if settings.report_failures:
            identifiers = _batch_item_failures(result, {r["messageId"] for r in records})
            if identifiers is None:
                return True  # an invalid answer fails the whole batch
            failed = set(identifiers)
        sources.sqs_delete(
            queue, [r["receiptHandle"] for r in records if r["messageId"] not in failed]
        )
        return True

    def _sqs_gather(self, settings: Settings) -> list[dict[str, Any]]:
        queue = settings.source_arn
        messages = sources.sqs_receive(queue, settings.batch_size)
        if not messages or settings.window_s <= 0:
            return messages
        deadline = time.monotonic() + settings.window_s
        while len(messages) < settings.batch_size and not self._stopping.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            sources.sqs_wait(queue, min(self.idle_s, remaining))
            messages += sources.sqs_receive(queue, settings.batch_size - len(messages))
        return messages

    # -- streams --------------------------------------------------------------------------

    def _stream_step(self, settings: Settings, shard: str) -> bool:
        key = (settings.uuid, shard)
        if key not in _checkpoints:
            _checkpoints[key] = self._starting_position(settings, shard)
        records = self._stream_gather(settings, shard, _checkpoints[key])
        if not records:
            return False
        wanted = [r for r in records if _stream_matches(settings, shard, r)]
        if wanted:
            self._process(settings, shard, wanted)
        _checkpoints[key] = records[-1].sequence_number
        return True

    def _done(self, settings: Settings, shard: str, batch: _Batch) -> None:
        """The shard's checkpoint moves past the batch (processed or given up)."""
        if batch.records:
            _checkpoints[(settings.uuid, shard)] = batch.records[-1].sequence_number

    def _starting_position(self, settings: Settings, shard: str) -> int | None:
        if settings.starting_position == "LATEST":
            return sources.stream_position_at(settings.source_arn, shard, settings.created_at)
        if settings.starting_position == "AT_TIMESTAMP" and settings.starting_timestamp:
            return sources.stream_position_at(
                settings.source_arn, shard, settings.starting_timestamp
            )
        return None  # TRIM_HORIZON

    def _stream_gather(
        self, settings: Settings, shard: str, after: int | None
    ) -> list[sources.StreamRecord]:
        arn, size = settings.source_arn, settings.batch_size
        records = sources.stream_read(arn, shard, after, size)
        if not records or settings.window_s <= 0:
            return records
        deadline = time.monotonic() + settings.window_s
        while len(records) < size and time.monotonic() < deadline:
            self._sleep(min(self.idle_s, max(0.0, deadline - time.monotonic())))
            records += sources.stream_read(
                arn, shard, records[-1].sequence_number, size - len(records)
            )
        return records

    def _process(self, settings: Settings, shard: str, records: list[sources.StreamRecord]) -> None:
        """Delivers ``records`` (in order) until each is processed or given up."""
        pending = [_Batch(records)]
        while pending:
            if self._current(settings.uuid) is None:
                raise _Stopped  # deleted or disabled meanwhile
            batch = pending[0]
            expired = self._expired(settings, batch.records)
            if expired:
                self._give_up(settings, shard, batch, expired, RECORD_AGE_EXCEEDED)
                batch.records = batch.records[len(expired) :]
                _checkpoints[(settings.uuid, shard)] = expired[-1].sequence_number
                if not batch.records:
                    pending.pop(0)
                    continue
            event = {"Records": [_stream_record(settings, shard, r) for r in batch.records]}
            if self.metrics is not None:
                # IteratorAge: how old the batch's last record is when the function gets it.
                age_ms = max(0.0, time.time() - batch.records[-1].arrival) * 1000
                self.metrics.iterator_age(settings.function_name, age_ms)
            result = self._call(settings, event)
            if result is None:
                self._sleep(self.retry_delays_s[-1])
                continue
            batch.attempts += 1
            batch.last = result
            failed, partial = self._failed_from(settings, batch, result)
            if failed is None:
                self._done(settings, shard, pending.pop(0))
            elif partial:
                # Partial batch response: done up to the first failed record; resume there.
                done = batch.records[: len(batch.records) - len(failed)]
                if done:
                    _checkpoints[(settings.uuid, shard)] = done[-1].sequence_number
                batch.records = failed
                if self._retry_or_give_up(settings, shard, batch):
                    self._done(settings, shard, pending.pop(0))
            elif settings.bisect and len(batch.records) > 1:
                middle = len(batch.records) // 2
                pending[0:1] = [_Batch(batch.records[:middle]), _Batch(batch.records[middle:])]
            elif self._retry_or_give_up(settings, shard, batch):
                self._done(settings, shard, pending.pop(0))

    def _failed_from(
        self, settings: Settings, batch: _Batch, result: InvokeResult
    ) -> tuple[list[sources.StreamRecord] | None, bool]:
        """(None, _) if the batch succeeded; else the records to try again and whether the
        function named them in a valid partial batch response (from the first failed record
        on) rather than failing the whole batch (an error, or an invalid response)."""
        if result.function_error:
            return batch.records, False
        if not settings.report_failures:
            return None, False
        numbers = {str(r.sequence_number) for r in batch.records}
        identifiers = _batch_item_failures(result, numbers)
        if identifiers is None:
            return batch.records, False
        if not identifiers:
            return None, False
        first = min(int(i) for i in identifiers)
        return [r for r in batch.records if r.sequence_number >= first], True

    def _retry_or_give_up(self, settings: Settings, shard: str, batch: _Batch) -> bool:
        """True if the batch was given up; otherwise waits before its retry."""
        retries = batch.attempts - 1
        if 0 <= settings.max_retries <= retries:
            self._give_up(settings, shard, batch, batch.records, RETRY_EXHAUSTED)
            return True
        delays = self.retry_delays_s
        self._sleep(delays[min(retries, len(delays) - 1)])
        return False

    def _expired(
        self, settings: Settings, records: list[sources.StreamRecord]
    ) -> list[sources.StreamRecord]:
        if settings.max_age_s < 0:
            return []
        oldest_allowed = time.time() - settings.max_age_s
        expired: list[sources.StreamRecord] = []
        for record in records:  # in arrival order: the expired ones come first
            if record.arrival >= oldest_allowed:
                break
            expired.append(record)
        return expired

    # -- on-failure destinations ----------------------------------------------------------

    def _give_up(
        self,
        settings: Settings,
        shard: str,
        batch: _Batch,
        records: Sequence[sources.StreamRecord],
        condition: str,
    ) -> None:
        first, last = records[0], records[-1]
        described = f"records {first.sequence_number}..{last.sequence_number} of {shard}"
        if not settings.on_failure:
            self.log(settings.function_name, f"localcloud: {condition}: dropped {described}")
            return
        record = on_failure_record(
            settings, shard, records, condition, invoke_count=batch.attempts, last=batch.last
        )
        try:
            self._destinations.send(settings.on_failure, json.dumps(record))
        except Exception as error:
            self.log(
                settings.function_name,
                f"localcloud: {condition}: could not describe {described} to "
                f"{settings.on_failure}: {error!r}",
            )


# ---------------------------------------------------------------------------------------
# Lambda's shapes


def _iso(epoch: float) -> str:
    moment = datetime.datetime.fromtimestamp(epoch, datetime.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _sqs_record(message: Mapping[str, Any], queue_arn: str) -> dict[str, Any]:
    record: dict[str, Any] = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": dict(message.get("Attributes") or {}),
        "messageAttributes": {
            name: _sqs_attribute(value)
            for name, value in (message.get("MessageAttributes") or {}).items()
        },
    }
    if message.get("MD5OfMessageAttributes"):
        record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    record.update(
        {
            "md5OfBody": message["MD5OfBody"],
            "eventSource": "aws:sqs",
            "eventSourceARN": queue_arn,
            "awsRegion": queue_arn.split(":")[3],
        }
    )
    return record


def _sqs_attribute(value: Mapping[str, Any]) -> dict[str, Any]:
    shaped: dict[str, Any] = {}
    if value.get("StringValue") is not None:
        shaped["stringValue"] = value["StringValue"]
    if value.get("BinaryValue") is not None:
        shaped["binaryValue"] = value["BinaryValue"]
    shaped["stringListValues"] = list(value.get("StringListValues") or [])
    shaped["binaryListValues"] = list(value.get("BinaryListValues") or [])
    shaped["dataType"] = value.get("DataType", "String")
    return shaped


def _stream_record(settings: Settings, shard: str, record: sources.StreamRecord) -> dict[str, Any]:
    data = record.data
    if settings.kind == KINESIS:
        return {
            "kinesis": {
                "kinesisSchemaVersion": "1.0",
                "partitionKey": data["PartitionKey"],
                "sequenceNumber": data["SequenceNumber"],
                "data": data["Data"],
                "approximateArrivalTimestamp": round(record.arrival, 3),
            },
            "eventSource": "aws:kinesis",
            "eventVersion": "1.0",
            "eventID": f"{shard}:{data['SequenceNumber']}",
            "eventName": "aws:kinesis:record",
            "invokeIdentityArn": settings.role or "",
            "awsRegion": settings.region,
            "eventSourceARN": settings.source_arn,
        }
    dynamodb = dict(data["dynamodb"])
    dynamodb["ApproximateCreationDateTime"] = int(record.arrival)
    return {
        "eventID": data["eventID"],
        "eventName": data["eventName"],
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": settings.region,
        "dynamodb": dynamodb,
        "eventSourceARN": settings.source_arn,
    }


def _json_or_text(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def _sqs_matches(filters: Sequence[str], record: Mapping[str, Any]) -> bool:
    # Filters see the body as JSON when it is JSON.
    return sources.matches_any(filters, {**record, "body": _json_or_text(record["body"])})


def _stream_matches(settings: Settings, shard: str, record: sources.StreamRecord) -> bool:
    if not settings.filters:
        return True
    shaped = _stream_record(settings, shard, record)
    if settings.kind == KINESIS:
        # Kinesis filters see the record's kinesis fields, with data decoded when it is JSON.
        kinesis = dict(shaped["kinesis"])
        with contextlib.suppress(ValueError, binascii.Error):
            kinesis["data"] = json.loads(base64.b64decode(kinesis["data"]))
        return sources.matches_any(settings.filters, kinesis)
    return sources.matches_any(settings.filters, shaped)


def _batch_item_failures(result: InvokeResult, identifiers: set[str]) -> list[str] | None:
    """The failed items a partial batch response names; None if the answer is invalid (then
    the whole batch counts as failed), as Lambda decides."""
    try:
        answer = json.loads(result.payload) if result.payload.strip() else None
    except ValueError:
        return None
    if not isinstance(answer, dict):
        return []
    failures = answer.get("batchItemFailures")
    if not failures:
        return []
    if not isinstance(failures, list):
        return None
    found: list[str] = []
    for failure in failures:
        item = failure.get("itemIdentifier") if isinstance(failure, dict) else None
        if not isinstance(item, str) or item not in identifiers:
            return None
        found.append(item)
    return found


def on_failure_record(
    settings: Settings,
    shard: str,
    records: Sequence[sources.StreamRecord],
    condition: str,
    *,
    invoke_count: int,
    last: InvokeResult | None,
) -> dict[str, Any]:
    """What Lambda sends a stream mapping's on-failure destination for records it gave up."""
    version = (
        settings.function_arn.split(":")[7]
        if settings.function_arn.count(":") == 7
        else ("$LATEST")
    )
    response: dict[str, Any] = {"statusCode": 200, "executedVersion": version}
    if last is not None and last.function_error:
        response["functionError"] = last.function_error
    info_key = "KinesisBatchInfo" if settings.kind == KINESIS else "DDBStreamBatchInfo"
    return {
        "requestContext": {
            "requestId": last.request_id
            if last is not None and last.request_id
            else str(uuid.uuid4()),
            "functionArn": settings.function_arn,
            "condition": condition,
            "approximateInvokeCount": invoke_count,
        },
        "responseContext": response,
        "version": "1.0",
        "timestamp": _iso(time.time()),
        info_key: {
            "shardId": shard,
            "startSequenceNumber": str(records[0].sequence_number),
            "endSequenceNumber": str(records[-1].sequence_number),
            "approximateArrivalOfFirstRecord": _iso(records[0].arrival),
            "approximateArrivalOfLastRecord": _iso(records[-1].arrival),
            "batchSize": len(records),
            "streamArn": settings.source_arn,
        },
    }


__all__ = ["EventSourcePoller", "Settings", "on_failure_record"]
