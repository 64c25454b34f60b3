"""One batch of stream records, committed: poison set aside, tweets stored, aggregates added.

The order makes partial failures safe with Kinesis' "restart from the lowest failed record":
1. poison records go to the failure queue with their reason (they are done, and never block
   the shard); records whose description could not be sent fail;
2. every tweet is written (idempotent by id); tweets that could not be written fail;
3. aggregates are folded from the tweets *before the first failed record* and added exactly
   once (see ``aggregates``); a key whose update fails fails its first record.
The answer names the failed records: Lambda delivers again from the lowest of them, and the
records before it are never delivered again.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .aggregates import fold
from .models import PoisonRecord, Tweet, parse_tweet
from .tables import AggregatesTable, TweetsTable, chunks

SQS_BATCH_LIMIT = 10
FAILURE_SOURCE = "tweets-consumer"


@dataclass(slots=True)
class StreamRecord:
    """What the consumer needs of one Kinesis record of the event."""

    shard_id: str
    sequence_number: str
    partition_key: str
    data: bytes
    arrival: float
    stream_arn: str
    tweet: Tweet | None = None
    poison: PoisonRecord | None = None

    @property
    def position(self) -> int:
        return int(self.sequence_number)

    @classmethod
    def from_event(cls, record: dict[str, Any]) -> StreamRecord:
        kinesis = record["kinesis"]
        shard_id = record["eventID"].split(":", 1)[0]
        return cls(
            shard_id=shard_id,
            sequence_number=kinesis["sequenceNumber"],
            partition_key=kinesis["partitionKey"],
            data=base64.b64decode(kinesis["data"]),
            arrival=float(kinesis.get("approximateArrivalTimestamp") or 0),
            stream_arn=record.get("eventSourceARN", ""),
        )

    def parse(self) -> StreamRecord:
        try:
            self.tweet = parse_tweet(self.data)
        except PoisonRecord as poison:
            self.poison = poison
        return self

    def failure_message(self) -> dict[str, Any]:
        """What the failure queue gets for a poison record: enough to find it in the stream
        and to replay it once fixed."""
        assert self.poison is not None
        return {
            "source": FAILURE_SOURCE,
            "reason": self.poison.reason,
            "field": self.poison.field,
            "streamArn": self.stream_arn,
            "shardId": self.shard_id,
            "sequenceNumber": self.sequence_number,
            "partitionKey": self.partition_key,
            "approximateArrivalTimestamp": self.arrival,
            "data": base64.b64encode(self.data).decode(),
        }


@dataclass
class Outcome:
    """What committing a batch did."""

    failed: list[StreamRecord] = field(default_factory=list)
    stored: int = 0
    poison: int = 0
    aggregate_keys: int = 0


class FailureQueue:
    def __init__(self, url: str, client: Any) -> None:
        self.url = url
        self._client = client

    def send(self, records: Sequence[StreamRecord]) -> list[StreamRecord]:
        """Describes the records on the queue; returns those it could not."""
        failed: list[StreamRecord] = []
        for group in chunks(records, SQS_BATCH_LIMIT):
            entries = [
                {"Id": str(i), "MessageBody": json.dumps(r.failure_message())}
                for i, r in enumerate(group)
            ]
            try:
                answer = self._client.send_message_batch(QueueUrl=self.url, Entries=entries)
            except Exception:
                failed += group
                continue
            failed += [group[int(f["Id"])] for f in answer.get("Failed") or []]
        return failed


class BatchCommitter:
    def __init__(
        self, *, tweets: TweetsTable, aggregates: AggregatesTable, failures: FailureQueue
    ) -> None:
        self.tweets = tweets
        self.aggregates = aggregates
        self.failures = failures

    def commit(self, records: Sequence[StreamRecord]) -> Outcome:
        """``records`` parsed, of one shard, in sequence order."""
        outcome = Outcome()
        poison = [r for r in records if r.poison is not None]
        failed = {id(r) for r in self.failures.send(poison)} if poison else set()
        outcome.poison = len(poison) - len(failed)
        good = [r for r in records if r.tweet is not None]
        unwritten = self.tweets.put([r.tweet for r in good if r.tweet is not None])
        failed.update(id(r) for r in good if r.tweet is not None and r.tweet.id in unwritten)
        first_failed = next((r.position for r in records if id(r) in failed), None)
        counted: dict[str, None] = {}  # a tweet id counts once per batch
        to_fold: list[tuple[int, Tweet]] = []
        for record in good:
            tweet = record.tweet
            if first_failed is not None and record.position >= first_failed:
                break
            if tweet is not None and tweet.id not in counted:
                counted[tweet.id] = None
                to_fold.append((record.position, tweet))
        outcome.stored = len(good) - len(
            [r for r in good if r.tweet is not None and r.tweet.id in unwritten]
        )
        if to_fold:
            contributions = fold(to_fold)
            outcome.aggregate_keys = len(contributions)
            shard_id = records[0].shard_id
            for key in self.aggregates.add(shard_id, contributions):
                first = contributions[key].sequence_numbers[0]
                failed.update(id(r) for r in records if r.position == first)
        outcome.failed = [r for r in records if id(r) in failed]
        return outcome
