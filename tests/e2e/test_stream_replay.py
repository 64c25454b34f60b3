"""The failure queue's replay command (``python -m demo.stream_replay``) on moto: a batch Lambda
gave up on goes back on the stream as it was; poison records are listed, not replayed."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from demo.stream_replay import replay

REGION = "us-east-1"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, Any, str, str]]:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    with mock_aws():
        kinesis = boto3.client("kinesis", region_name=REGION)
        sqs = boto3.client("sqs", region_name=REGION)
        kinesis.create_stream(StreamName="tweets", ShardCount=1)
        arn = kinesis.describe_stream(StreamName="tweets")["StreamDescription"]["StreamARN"]
        queue = sqs.create_queue(QueueName="failures")["QueueUrl"]
        yield kinesis, sqs, arn, queue


def _all_records(kinesis: Any) -> list[dict[str, Any]]:
    shard = kinesis.list_shards(StreamName="tweets")["Shards"][0]["ShardId"]
    iterator = kinesis.get_shard_iterator(
        StreamName="tweets", ShardId=shard, ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    return list(kinesis.get_records(ShardIterator=iterator, Limit=1000)["Records"])


def test_a_given_up_batch_is_put_back_and_poison_is_only_listed(
    aws: tuple[Any, Any, str, str],
) -> None:
    kinesis, sqs, arn, queue = aws
    # GIVEN ten records on the stream, of which Lambda gave up on the 4th to 6th
    for n in range(10):
        kinesis.put_record(
            StreamName="tweets", Data=json.dumps({"id": f"t{n}"}).encode(), PartitionKey=f"u{n}"
        )
    records = _all_records(kinesis)
    sqs.send_message(
        QueueUrl=queue,
        MessageBody=json.dumps(
            {
                "requestContext": {"condition": "RetryAttemptsExhausted"},
                "version": "1.0",
                "KinesisBatchInfo": {
                    "shardId": "shardId-000000000000",
                    "startSequenceNumber": records[3]["SequenceNumber"],
                    "endSequenceNumber": records[5]["SequenceNumber"],
                    "batchSize": 3,
                    "streamArn": arn,
                },
            }
        ),
    )
    # AND a poison record the consumer set aside
    sqs.send_message(
        QueueUrl=queue,
        MessageBody=json.dumps(
            {
                "source": "tweets-consumer",
                "reason": "record is not JSON",
                "field": None,
                "shardId": "shardId-000000000000",
                "sequenceNumber": records[8]["SequenceNumber"],
                "data": base64.b64encode(b"garbage").decode(),
            }
        ),
    )
    # WHEN a dry run lists the queue
    listed = replay(queue_url=queue, sqs=sqs, kinesis=kinesis, dry_run=True)
    # THEN it finds both and changes nothing
    assert (listed.replayed_batches, listed.replayed_records, len(listed.poison)) == (1, 3, 1)
    assert len(_all_records(kinesis)) == 10
    # WHEN the replay runs (the messages visible again)
    _reset_visibility(sqs, queue)
    report = replay(queue_url=queue, sqs=sqs, kinesis=kinesis)
    # THEN the three records are on the stream again, same data, same partition keys
    assert report.replayed_records == 3
    again = _all_records(kinesis)[10:]
    assert [(r["Data"], r["PartitionKey"]) for r in again] == [
        (r["Data"], r["PartitionKey"]) for r in records[3:6]
    ]
    # AND the batch's message is gone, the poison one stays for the operator
    _reset_visibility(sqs, queue)
    left = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
    assert [json.loads(m["Body"]).get("source") for m in left] == ["tweets-consumer"]


def _reset_visibility(sqs: Any, queue: str) -> None:
    """Make every in-flight message visible again, as a later run would find them once their
    visibility timeout passed."""
    from moto.sqs.models import sqs_backends  # noqa: PLC0415

    for backend in sqs_backends.values():
        for region in backend.values():
            for found in region.queues.values():
                for message in found._messages:
                    message.change_visibility(0)
