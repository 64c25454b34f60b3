"""Kinesis consumer: a batch of tweet records in, tweets stored and aggregates added, the failed
records named in a partial batch response (Powertools' batch processor).

Each record is parsed by the processor's record handler (a poison record is not a failure of
the record: it is set aside with its reason, see ``batch``); the batch is then committed as a
whole, and the records that failed to commit join the processor's failures.
"""

from __future__ import annotations

import datetime
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.kinesis_stream_event import (
    KinesisStreamRecord,
)
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.config import Config

from .batch import BatchCommitter, FailureQueue, StreamRecord
from .tables import AggregatesTable, TweetsTable

logger = Logger()
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.KinesisDataStreams)
# Writes of one batch go out side by side: tweets in requests of 25, one update per key.
_executor = ThreadPoolExecutor(max_workers=16)
_config = Config(max_pool_connections=16, retries={"mode": "standard", "max_attempts": 4})
_dynamodb = boto3.client("dynamodb", config=_config)
committer = BatchCommitter(
    tweets=TweetsTable(os.environ["TWEETS_TABLE"], _dynamodb, executor=_executor),
    aggregates=AggregatesTable(
        os.environ["AGGREGATES_TABLE"],
        _dynamodb,
        window_ttl=datetime.timedelta(days=int(os.environ.get("WINDOW_RETENTION_DAYS", "7"))),
        executor=_executor,
    ),
    failures=FailureQueue(os.environ["FAILURE_QUEUE_URL"], boto3.client("sqs", config=_config)),
)


def _parse(record: KinesisStreamRecord) -> StreamRecord:
    return StreamRecord.from_event(record.raw_event).parse()


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    records = event["Records"]
    with processor(records=records, handler=_parse):
        parsed = [result for status, result, _ in processor.process() if status == "success"]
        outcome = committer.commit(parsed)
        by_sequence = {r.sequence_number: r for r in outcome.failed}
        processor.fail_messages.extend(
            KinesisStreamRecord(raw)
            for raw in records
            if raw["kinesis"]["sequenceNumber"] in by_sequence
        )
    metrics.add_metric("TweetsStored", MetricUnit.Count, outcome.stored)
    metrics.add_metric("PoisonRecords", MetricUnit.Count, outcome.poison)
    metrics.add_metric("AggregateKeys", MetricUnit.Count, outcome.aggregate_keys)
    if outcome.failed:
        logger.warning(
            "records failed to commit; Lambda delivers again from the first",
            extra={"failed": len(outcome.failed), "first": outcome.failed[0].sequence_number},
        )
    return processor.response()
