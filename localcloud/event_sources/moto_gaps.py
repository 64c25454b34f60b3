"""Event source mappings: moto's own delivery switched off, and the sources read in-process.

Gap: moto keeps every property of an ``AWS::Lambda::EventSourceMapping`` (the CloudFormation
properties go to ``LambdaBackend.create_event_source_mapping`` as they are,
moto/awslambda/models.py:1445-1456 and :2111-2165, and ``EventSourceMapping.__init__``
reads them all, :1306-1353), but it delivers with none of Lambda's poller semantics. The
mapping is registered on its source (``lambda_event_source_mappings``, :2138, :2151, :2162)
and the source calls the function synchronously, inside the producer's own request:

- SQS (moto/sqs/models.py:577-608): ``SendMessage`` receives ``BatchSize`` messages and
  invokes the function once per *message* (``send_sqs_batch``, awslambda/models.py:2291),
  with fixed attributes (``ApproximateReceiveCount`` "1", a made-up ``SentTimestamp`` and
  ``md5OfBody``) and no message attributes; one failure makes the whole batch visible again
  at once (no visibility timeout); no batching window, no partial batch responses.
- Kinesis (moto/kinesis/models.py:422-431): ``PutRecord`` and ``PutRecords`` invoke once per
  record, disabled mapping or not; errors are ignored (no retries, bisection, record age or
  on-failure destination); ``BatchSize`` and ``StartingPosition`` are not looked at.
- DynamoDB streams (moto/dynamodb/models/table.py:235-243): every write re-sends the
  stream's whole history (disabled mapping or not) until an invocation succeeds, then
  *empties the stream* (``self.items = []``), so ``GetRecords`` readers lose records.

A second gap, in the Kinesis shard the poller reads (moto/kinesis/models.py:136-146, "not safe
for concurrency"): ``Shard.put_record`` numbers a record one past the highest number it holds,
found by copying every key (``list(self.records.keys())[-1]``, :153-156). Two ``PutRecords``
requests served at once (moto's server has a thread per request) can take the same number, and
the second record replaces the first: a record acknowledged with a sequence number is gone,
and a reader that took the number before the overwrite never sees the other. Copying the keys
also makes every put cost the shard's length. Fix: one lock per shard around numbering and
storing, and the highest number read from the end of the (insertion-ordered) dict.

Fix: the per-source registrations become a write-only descriptor, so moto never delivers;
the local poller (``event_sources/poller.py``) is the one in charge. It reads
the mappings and their sources through the functions below, in-process: a poll costs
microseconds here where a ReceiveMessage/GetRecords through the emulator costs about 6 ms.
The mapping's creation time is recorded too (moto keeps ``LastModified`` in whole seconds),
so ``StartingPosition: LATEST`` means "what arrived after the mapping was created", however
late the poller starts. And CloudFormation's string forms of numbers and booleans (``"10"``,
``"false"``, which it accepts) are converted first: moto compares ``BatchSize`` with an int
(a ``TypeError`` fails the stack) and takes any non-empty ``Enabled`` as true.
"""

from __future__ import annotations

import base64
import datetime
import functools
import json
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from moto.awslambda import models as awslambda
from moto.awslambda.models import lambda_backends
from moto.dynamodb.models import dynamodb_backends
from moto.dynamodb.models.table import Table
from moto.events.models import EventPattern, EventPatternParser
from moto.kinesis import models as kinesis
from moto.kinesis.models import Stream, kinesis_backends
from moto.sqs.models import Queue, sqs_backends

# ---------------------------------------------------------------------------------------
# the patch


class _NoDelivery:
    """Stands in for moto's per-source ``lambda_event_source_mappings`` dict: every read is a
    new empty dict, every write is dropped, so the source never invokes anything itself."""

    def __get__(self, instance: object, owner: type | None = None) -> dict[str, Any]:
        return {}

    def __set__(self, instance: object, value: object) -> None:
        pass


_CREATED_AT = "localcloud_created_at"
_INTEGERS = (
    "BatchSize",
    "MaximumBatchingWindowInSeconds",
    "MaximumRecordAgeInSeconds",
    "MaximumRetryAttempts",
    "ParallelizationFactor",
    "TumblingWindowInSeconds",
)
_BOOLEANS = ("Enabled", "BisectBatchOnFunctionError")
_original_create = awslambda.LambdaBackend.create_event_source_mapping
_original_update = awslambda.LambdaBackend.update_event_source_mapping


def _typed(spec: dict[str, Any]) -> dict[str, Any]:
    typed = dict(spec)
    for key in _INTEGERS:
        if isinstance(typed.get(key), str):
            typed[key] = int(typed[key])
    for key in _BOOLEANS:
        if isinstance(typed.get(key), str):
            typed[key] = typed[key].lower() == "true"
    return typed


def _create_event_source_mapping(
    self: awslambda.LambdaBackend, spec: dict[str, Any]
) -> awslambda.EventSourceMapping:
    esm = _original_create(self, _typed(spec))
    setattr(esm, _CREATED_AT, time.time())
    return esm


def _update_event_source_mapping(
    self: awslambda.LambdaBackend, uuid: str, spec: dict[str, Any]
) -> awslambda.EventSourceMapping | None:
    return _original_update(self, uuid, _typed(spec))


_shard_locks_lock = threading.Lock()
_SHARD_LOCK = "localcloud_put_lock"


def _shard_lock(shard: kinesis.Shard) -> threading.Lock:
    lock: threading.Lock | None = getattr(shard, _SHARD_LOCK, None)
    if lock is None:
        with _shard_locks_lock:
            lock = getattr(shard, _SHARD_LOCK, None)
            if lock is None:
                lock = threading.Lock()
                setattr(shard, _SHARD_LOCK, lock)
    return lock


def _put_record(self: kinesis.Shard, partition_key: str, data: str, explicit_hash_key: str) -> str:
    with _shard_lock(self):
        last = next(reversed(self.records), 0) if self.records else 0
        sequence_number = last + 1
        self.records[sequence_number] = kinesis.Record(
            partition_key, data, sequence_number, explicit_hash_key
        )
    return str(sequence_number)


def patch() -> None:
    kinesis.Shard.put_record = _put_record  # type: ignore[method-assign]
    for source in (Queue, Stream, Table):
        setattr(source, "lambda_event_source_mappings", _NoDelivery())  # noqa: B010
    awslambda.LambdaBackend.create_event_source_mapping = _create_event_source_mapping  # type: ignore[method-assign]
    awslambda.LambdaBackend.update_event_source_mapping = _update_event_source_mapping  # type: ignore[method-assign]


# ---------------------------------------------------------------------------------------
# the mappings


@dataclass(frozen=True)
class MappingState:
    """One mapping as the Lambda API describes it (``GetEventSourceMapping``'s shape), with
    what Lambda's poller also knows: when it was created, the ``StartingPositionTimestamp``
    (kept by moto's model, left out of its API answer) and the function's role."""

    config: Mapping[str, Any]
    created_at: float
    starting_timestamp: float | None
    role: str | None


def event_source_mappings() -> list[MappingState]:
    """Every mapping in every account and region the emulator holds."""
    found: list[MappingState] = []
    for regions in list(lambda_backends.values()):
        for backend in list(regions.values()):
            for esm in list(backend._event_source_mappings.values()):
                found.append(_state(backend, esm))
    return found


def _state(backend: awslambda.LambdaBackend, esm: awslambda.EventSourceMapping) -> MappingState:
    try:
        role: str | None = backend.get_function_by_arn(esm.function_arn).role  # type: ignore[union-attr]
    except Exception:  # the function is gone; the poller finds out when it invokes
        role = None
    created_at = getattr(esm, _CREATED_AT, None) or float(esm.last_modified)
    return MappingState(
        esm.get_configuration(), created_at, _epoch_seconds(esm.starting_position_timestamp), role
    )


def _epoch_seconds(value: Any) -> float | None:
    """A timestamp as CloudFormation (a number) or the API (a number or ISO text) gives it."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        return value.timestamp() if value.tzinfo else _epoch(value)
    try:
        return float(value)
    except (TypeError, ValueError):
        parsed = datetime.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        return parsed.timestamp() if parsed.tzinfo else float(_epoch(parsed))


def _arn_parts(arn: str) -> tuple[str, str, str]:
    """(region, account, resource) of an ARN."""
    parts = arn.split(":", 5)
    return parts[3], parts[4], parts[5]


# ---------------------------------------------------------------------------------------
# SQS


def _queue(queue_arn: str) -> Queue | None:
    region, account, name = _arn_parts(queue_arn)
    queue: Queue | None = sqs_backends[account][region].queues.get(name)
    return queue


def sqs_queue_exists(queue_arn: str) -> bool:
    return _queue(queue_arn) is not None


def sqs_receive(queue_arn: str, max_messages: int) -> list[dict[str, Any]]:
    """ReceiveMessage with every attribute, the queue's visibility timeout and no waiting, in
    the API's response shape. The queue's redrive policy applies as for any consumer: a
    message received ``maxReceiveCount`` times moves to the dead-letter queue instead."""
    queue = _queue(queue_arn)
    if queue is None:
        return []
    region, account, name = _arn_parts(queue_arn)
    visibility_timeout: int = queue.visibility_timeout  # type: ignore[attr-defined]
    messages = sqs_backends[account][region].receive_message(
        name, max_messages, 0, visibility_timeout, ["All"]
    )
    received: list[dict[str, Any]] = []
    for message in messages:
        attributes = {
            "ApproximateReceiveCount": str(message.approximate_receive_count),
            "SentTimestamp": str(message.sent_timestamp),
            "SenderId": message.sender_id,
            "ApproximateFirstReceiveTimestamp": str(message.approximate_first_receive_timestamp),
        }
        trace = (message.system_attributes or {}).get("AWSTraceHeader")
        if trace:
            attributes["AWSTraceHeader"] = trace.get("StringValue")
        for key, value in (
            ("SequenceNumber", message.sequence_number),
            ("MessageGroupId", message.group_id),
            ("MessageDeduplicationId", message.deduplication_id),
        ):
            if value is not None:
                attributes[key] = value
        entry: dict[str, Any] = {
            "MessageId": message.id,
            "ReceiptHandle": message.receipt_handle,
            "MD5OfBody": message.body_md5,
            "Body": message.body,
            "Attributes": attributes,
            "MessageAttributes": {
                key: _message_attribute(value) for key, value in message.message_attributes.items()
            },
        }
        if message.message_attributes:
            entry["MD5OfMessageAttributes"] = message.attribute_md5
        received.append(entry)
    return received


def _message_attribute(value: Mapping[str, Any]) -> dict[str, Any]:
    """A message attribute with binary values as base64 text (moto keeps bytes)."""
    shaped = dict(value)
    binary = shaped.get("BinaryValue")
    if isinstance(binary, bytes | bytearray):
        shaped["BinaryValue"] = base64.b64encode(binary).decode()
    return shaped


def sqs_delete(queue_arn: str, receipt_handles: Iterable[str]) -> None:
    region, account, name = _arn_parts(queue_arn)
    backend = sqs_backends[account][region]
    for handle in receipt_handles:
        backend.delete_message(name, handle)


def sqs_wait(queue_arn: str, timeout_s: float) -> None:
    """Sleeps until a message is sent to the queue or ``timeout_s`` passes (whichever first)."""
    queue = _queue(queue_arn)
    if queue is None:
        time.sleep(timeout_s)
        return
    condition: threading.Condition = queue._messages_lock
    with condition:
        condition.wait(timeout_s)


# ---------------------------------------------------------------------------------------
# Kinesis and DynamoDB streams: shards of records numbered 1, 2, 3... (Kinesis) or
# start, start + 1... (DynamoDB), never removed, read by number.


@dataclass(frozen=True)
class StreamRecord:
    sequence_number: int
    arrival: float  # epoch seconds
    # Kinesis: GetRecords' shape with Data as base64 text; DynamoDB streams: the stream record
    # (eventID, eventName, dynamodb {Keys, NewImage, ..., ApproximateCreationDateTime in epoch
    # seconds}).
    data: Mapping[str, Any]


def _kinesis_stream(stream_arn: str) -> Stream | None:
    region, account, resource = _arn_parts(stream_arn)
    stream: Stream | None = kinesis_backends[account][region].streams.get(resource.split("/")[1])
    return stream if stream is not None and stream.arn == stream_arn else None


def _dynamodb_table(stream_arn: str) -> Table | None:
    region, account, resource = _arn_parts(stream_arn)
    # table/NAME/stream/LABEL
    _, name, _, label = resource.split("/", 3)
    table: Table | None = dynamodb_backends[account][region].tables.get(name)
    if table is None or table.stream_shard is None or table.latest_stream_label != label:
        return None
    return table


def stream_shards(stream_arn: str) -> list[str] | None:
    """The stream's shard ids, oldest first; None if the stream is gone."""
    if stream_arn.split(":")[2] == "kinesis":
        stream = _kinesis_stream(stream_arn)
        return None if stream is None else list(stream.shards)
    table = _dynamodb_table(stream_arn)
    return None if table is None or table.stream_shard is None else [table.stream_shard.id]


def stream_read(
    stream_arn: str, shard_id: str, after: int | None, limit: int
) -> list[StreamRecord]:
    """Up to ``limit`` records following sequence number ``after`` (None: from the oldest)."""
    if stream_arn.split(":")[2] == "kinesis":
        return _kinesis_read(stream_arn, shard_id, after, limit)
    return _dynamodb_read(stream_arn, after, limit)


def stream_position_at(stream_arn: str, shard_id: str, timestamp: float) -> int | None:
    """The sequence number just before the first record that arrived at or after
    ``timestamp`` (None: before the oldest); for ``LATEST`` and ``AT_TIMESTAMP``."""
    position: int | None = None
    while True:
        records = stream_read(stream_arn, shard_id, position, 1000)
        for record in records:
            if record.arrival >= timestamp:
                return position
            position = record.sequence_number
        if len(records) < 1000:
            return position


def _kinesis_read(
    stream_arn: str, shard_id: str, after: int | None, limit: int
) -> list[StreamRecord]:
    stream = _kinesis_stream(stream_arn)
    shard = None if stream is None else stream.shards.get(shard_id)
    if shard is None:
        return []
    records = shard.records
    if after is None:
        after = next(iter(records), 1) - 1
    found: list[StreamRecord] = []
    number = after + 1
    while len(found) < limit:
        record = records.get(number)
        if record is None:
            break
        found.append(
            StreamRecord(
                number,
                record.created_at,
                {
                    "SequenceNumber": str(number),
                    "ApproximateArrivalTimestamp": record.created_at,
                    "Data": record.data,
                    "PartitionKey": record.partition_key,
                },
            )
        )
        number += 1
    return found


def _dynamodb_read(stream_arn: str, after: int | None, limit: int) -> list[StreamRecord]:
    table = _dynamodb_table(stream_arn)
    shard = None if table is None else table.stream_shard
    if shard is None:
        return []
    start = shard.starting_sequence_number
    index = 0 if after is None else max(0, after - start + 1)
    found: list[StreamRecord] = []
    for offset, item in enumerate(shard.items[index : index + limit]):
        record = json.loads(json.dumps(item.to_json(), default=_epoch))
        created: float = record["dynamodb"]["ApproximateCreationDateTime"]
        found.append(StreamRecord(start + index + offset, created, record))
    return found


def _epoch(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        # moto's utcnow() is naive UTC.
        return value.replace(tzinfo=datetime.UTC).timestamp()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


# ---------------------------------------------------------------------------------------
# FilterCriteria


@functools.lru_cache(maxsize=256)
def _pattern(raw: str) -> EventPattern:
    return EventPattern(raw, EventPatternParser(raw).parse())


def matches_any(patterns: Sequence[str], record: Mapping[str, Any]) -> bool:
    """Whether ``record`` matches one of the filter patterns (EventBridge's pattern syntax, as
    Lambda's ``FilterCriteria`` use it), through moto's EventBridge matcher."""
    return any(_pattern(raw).matches_event(dict(record)) for raw in patterns)  # type: ignore[arg-type]
