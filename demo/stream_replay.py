"""Replays what the tweets consumer set aside: the operator's command for the failure queue.

The failure queue holds two kinds of message:

- Lambda's own on-failure records, for batches the event source mapping gave up on (retries
  exhausted, records too old): ``KinesisBatchInfo`` names the shard and the first and last
  sequence numbers. This command reads those records from the stream again and puts them back
  (same data, same partition key: the user), then deletes the message. The consumer counts
  them as new records; their tweets are stored idempotently by id.
- The consumer's poison records (``"source": "tweets-consumer"``): records that are not tweets,
  with the reason and the field at fault, their position in the stream and their data. Sending
  them again would fail again: they are listed (``--discard-poison`` deletes them once dealt
  with).

    python -m demo.stream_replay --dry-run         # list what is there
    python -m demo.stream_replay                   # replay given-up batches
    python -m demo.stream_replay --outputs cdk-outputs.json --stack StreamProcessing-prod
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3

from .checks import client_options

PUT_RECORDS_LIMIT = 500


@dataclass
class ReplayReport:
    replayed_batches: int = 0
    replayed_records: int = 0
    poison: list[dict[str, Any]] = field(default_factory=list)
    missing: list[dict[str, Any]] = field(default_factory=list)  # no longer in the stream

    def lines(self) -> list[str]:
        out = [
            f"replayed {self.replayed_records} records of {self.replayed_batches} given-up batches"
        ]
        for message in self.poison:
            out.append(
                f"poison {message['shardId']}:{message['sequenceNumber']}: {message['reason']}"
            )
        for info in self.missing:
            out.append(
                f"not replayed (no longer in the stream): {info['shardId']} "
                f"{info['startSequenceNumber']}..{info['endSequenceNumber']}"
            )
        return out


def _records(kinesis: Any, info: dict[str, Any]) -> list[dict[str, Any]]:
    """The records a KinesisBatchInfo names, read from the stream."""
    stream_arn, shard = info["streamArn"], info["shardId"]
    start, end = int(info["startSequenceNumber"]), int(info["endSequenceNumber"])
    try:
        iterator = kinesis.get_shard_iterator(
            StreamARN=stream_arn,
            ShardId=shard,
            ShardIteratorType="AT_SEQUENCE_NUMBER",
            StartingSequenceNumber=info["startSequenceNumber"],
        )["ShardIterator"]
    except kinesis.exceptions.InvalidArgumentException:
        return []
    found: list[dict[str, Any]] = []
    while iterator:
        page = kinesis.get_records(ShardIterator=iterator, StreamARN=stream_arn, Limit=1000)
        for record in page["Records"]:
            number = int(record["SequenceNumber"])
            if number > end:
                return found
            if number >= start:
                found.append(record)
        if not page["Records"]:
            return found
        iterator = page.get("NextShardIterator")
    return found


def replay(
    *,
    queue_url: str,
    sqs: Any,
    kinesis: Any,
    dry_run: bool = False,
    discard_poison: bool = False,
    visibility_timeout_s: int = 300,
) -> ReplayReport:
    """Goes through the queue once: every message is looked at once, even those it leaves
    (which are hidden from other readers for ``visibility_timeout_s``)."""
    report = ReplayReport()
    seen: set[str] = set()
    while True:
        messages = sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, VisibilityTimeout=visibility_timeout_s
        ).get("Messages", [])
        fresh = [m for m in messages if m["MessageId"] not in seen]
        if not fresh:
            return report
        for message in fresh:
            seen.add(message["MessageId"])
            body = json.loads(message["Body"])
            done = False
            if body.get("source") == "tweets-consumer":
                report.poison.append(body)
                done = discard_poison and not dry_run
            elif "KinesisBatchInfo" in body:
                info = body["KinesisBatchInfo"]
                records = _records(kinesis, info)
                if not records:
                    report.missing.append(info)
                else:
                    report.replayed_batches += 1
                    report.replayed_records += len(records)
                    if not dry_run:
                        _put(kinesis, info["streamArn"], records)
                        done = True
            if done:
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])


def _put(kinesis: Any, stream_arn: str, records: list[dict[str, Any]]) -> None:
    for start in range(0, len(records), PUT_RECORDS_LIMIT):
        pending = [
            {"Data": r["Data"], "PartitionKey": r["PartitionKey"]}
            for r in records[start : start + PUT_RECORDS_LIMIT]
        ]
        for _ in range(8):
            answer = kinesis.put_records(StreamARN=stream_arn, Records=pending)
            pending = [
                entry
                for entry, result in zip(pending, answer["Records"], strict=True)
                if result.get("ErrorCode")
            ]
            if not pending:
                break
        if pending:
            raise RuntimeError(f"{len(pending)} records could not be put back; run again")


def clients(outputs_file: Path, stack: str) -> tuple[str, Any, Any]:
    outputs = json.loads(outputs_file.read_text())
    extra = client_options(outputs)
    return (
        outputs[stack]["FailureQueueUrl"],
        boto3.client("sqs", **extra),
        boto3.client("kinesis", **extra),
    )


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--outputs", type=Path, default=Path("local-outputs.json"))
    parser.add_argument("--stack", default="StreamProcessing-dev")
    parser.add_argument("--dry-run", action="store_true", help="list; replay and delete nothing")
    parser.add_argument("--discard-poison", action="store_true", help="delete poison messages")
    args = parser.parse_args(list(argv) if argv is not None else None)
    queue_url, sqs, kinesis = clients(args.outputs, args.stack)
    report = replay(
        queue_url=queue_url,
        sqs=sqs,
        kinesis=kinesis,
        dry_run=args.dry_run,
        discard_poison=args.discard_poison,
    )
    for line in report.lines():
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
