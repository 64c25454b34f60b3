"""The failure queue's replay command (``python -m demo.stream_replay``) against the emulator: a
batch Lambda gave up on goes back on the stream as it was; poison records are listed, not
replayed."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

from demo.stream_replay import replay
from localcloud.emulator import Emulator


def _all_records(kinesis: Any, stream: str) -> list[dict[str, Any]]:
    shard = kinesis.list_shards(StreamName=stream)["Shards"][0]["ShardId"]
    iterator = kinesis.get_shard_iterator(
        StreamName=stream, ShardId=shard, ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    return list(kinesis.get_records(ShardIterator=iterator, Limit=1000)["Records"])


def test_a_given_up_batch_is_put_back_and_poison_is_only_listed(emulator: Emulator) -> None:
    kinesis, sqs = emulator.client("kinesis"), emulator.client("sqs")
    stream = f"replay-{uuid.uuid4().hex[:8]}"
    kinesis.create_stream(StreamName=stream, ShardCount=1)
    arn = kinesis.describe_stream(StreamName=stream)["StreamDescription"]["StreamARN"]
    queue = sqs.create_queue(QueueName=f"failures-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    # GIVEN ten records on the stream, of which Lambda gave up on the 4th to 6th
    for n in range(10):
        kinesis.put_record(
            StreamName=stream, Data=json.dumps({"id": f"t{n}"}).encode(), PartitionKey=f"u{n}"
        )
    records = _all_records(kinesis, stream)
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
    # WHEN a dry run lists the queue (leaving what it reads visible at once)
    listed = replay(queue_url=queue, sqs=sqs, kinesis=kinesis, dry_run=True, visibility_timeout_s=0)
    # THEN it finds both, each once, and changes nothing
    assert (listed.replayed_batches, listed.replayed_records, len(listed.poison)) == (1, 3, 1)
    assert len(_all_records(kinesis, stream)) == 10
    # WHEN the replay runs
    report = replay(queue_url=queue, sqs=sqs, kinesis=kinesis, visibility_timeout_s=0)
    # THEN the three records are on the stream again, same data, same partition keys
    assert report.replayed_records == 3
    again = _all_records(kinesis, stream)[10:]
    assert [(r["Data"], r["PartitionKey"]) for r in again] == [
        (r["Data"], r["PartitionKey"]) for r in records[3:6]
    ]
    # AND the batch's message is gone, the poison one stays for the operator
    left = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
    assert [json.loads(m["Body"]).get("source") for m in left] == ["tweets-consumer"]
    kinesis.delete_stream(StreamName=stream)
    sqs.delete_queue(QueueUrl=queue)
