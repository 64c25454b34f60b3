"""Stream processing on the local cloud, deployed from its synthesized template: tweets through
API Gateway's direct Kinesis integration, the Kinesis event source mapping, the consumer,
DynamoDB and the Firehose archive. Every check compares the tables with counts made from what
was sent; waits poll for a state with a generous deadline, nothing asserts on time."""

from __future__ import annotations

import base64
import datetime
import gzip
import json
import os
import re
import signal
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest

from demo.stream_load import Producer, synthetic_tweets
from localcloud.__main__ import api_key_values
from localcloud.cloud import LocalCloud
from localcloud.firehose.moto_gaps import DELIVERY

from ._http import request
from .conftest import FunctionLogs

T = TypeVar("T")
STACK = "StreamProcessing-dev"
WAIT_S = 120.0
_HASHTAG = re.compile(r"#(\w+)")


def eventually(check: Callable[[], T | None], what: str, wait_s: float = WAIT_S) -> T:
    deadline = time.monotonic() + wait_s
    last: Any = None
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what} (last: {last!r})")
        time.sleep(0.2)


@dataclass
class Tweets:
    cloud: LocalCloud
    api: str
    key: str
    stream: str
    table: str
    aggregates_table: str
    queue_url: str
    bucket: str
    consumer: str

    def client(self, service: str) -> Any:
        return self.cloud.emulator.client(service)

    def stored(self, prefix: str) -> Counter[str]:
        found: Counter[str] = Counter()
        dynamodb = self.client("dynamodb")
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "FilterExpression": "begins_with(id, :p)",
            "ExpressionAttributeValues": {":p": {"S": prefix}},
            "ProjectionExpression": "id",
        }
        while True:
            page = dynamodb.scan(**kwargs)
            found.update(item["id"]["S"] for item in page["Items"])
            if "LastEvaluatedKey" not in page:
                return found
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def aggregates(self, prefix: str) -> dict[tuple[str, str], int]:
        dynamodb = self.client("dynamodb")
        counts: dict[tuple[str, str], int] = {}
        kwargs: dict[str, Any] = {"TableName": self.aggregates_table}
        while True:
            page = dynamodb.scan(**kwargs)
            for item in page["Items"]:
                pk, sk = item["pk"]["S"], item["sk"]["S"]
                if pk.startswith(f"user#{prefix}") or sk.startswith(prefix):
                    counts[(pk, sk)] = int(item["count"]["N"])
            if "LastEvaluatedKey" not in page:
                return counts
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def failure_messages(self) -> list[dict[str, Any]]:
        """Every message on the failure queue now (taken off it)."""
        sqs = self.client("sqs")
        found: list[dict[str, Any]] = []
        while True:
            batch = sqs.receive_message(
                QueueUrl=self.queue_url, MaxNumberOfMessages=10, VisibilityTimeout=60
            ).get("Messages", [])
            if not batch:
                return found
            for message in batch:
                found.append(json.loads(message["Body"]))
                sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])


def expected_aggregates(tweets: list[dict[str, Any]]) -> dict[tuple[str, str], int]:
    """What the aggregates must hold, counted from what was sent (not with the consumer's
    code): tweets per user, and each hashtag once per tweet in its UTC minute."""
    counts: Counter[tuple[str, str]] = Counter()
    for tweet in tweets:
        counts[(f"user#{tweet['user']}", "tweets")] += 1
        created = datetime.datetime.fromisoformat(tweet["created_at"].replace("Z", "+00:00"))
        minute = created.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M")
        for tag in {t.lower() for t in _HASHTAG.findall(tweet["text"])}:
            counts[(f"hashtags#{minute}", tag)] += 1
    return dict(counts)


@pytest.fixture(scope="module")
def tweets(local_cloud: LocalCloud, outputs: dict[str, dict[str, str]]) -> Tweets:
    stack = outputs[STACK]
    resources = local_cloud.emulator.client("cloudformation").list_stack_resources(StackName=STACK)[
        "StackResourceSummaries"
    ]
    consumer = next(
        r["PhysicalResourceId"]
        for r in resources
        if r["ResourceType"] == "AWS::Lambda::Function"
        and r["LogicalResourceId"].startswith("TweetsConsumerFunction")
    )
    return Tweets(
        cloud=local_cloud,
        api=stack["TweetsApiUrl"],
        key=api_key_values(local_cloud)[stack["ApiKeyId"]],
        stream=stack["StreamName"],
        table=stack["TweetsTableName"],
        aggregates_table=stack["AggregatesTableName"],
        queue_url=stack["FailureQueueUrl"],
        bucket=stack["ArchiveBucketName"],
        consumer=consumer,
    )


def poison_records(prefix: str, count: int) -> list[tuple[bytes, str]]:
    """Records that are not tweets, each with (part of) the reason the consumer must give."""
    now = datetime.datetime.now(datetime.UTC).isoformat()
    kinds: list[Callable[[int], tuple[bytes, str]]] = [
        lambda i: (f"{prefix} not json {i}".encode(), "record is not JSON"),
        lambda i: (
            json.dumps({"id": f"{prefix}-p{i}", "user": "x", "text": "hi"}).encode(),
            "created_at",
        ),
        lambda i: (
            json.dumps(
                {"id": f"{prefix}-p{i}", "user": 5, "text": "t", "created_at": now}
            ).encode(),
            "tweet.user must be string",
        ),
        lambda i: (
            json.dumps({"id": f"{prefix}-p{i}", "text": "y" * 6000}).encode(),
            "a tweet is at most 4096",
        ),
        lambda i: (
            json.dumps(
                {
                    "id": f"{prefix}-p{i}",
                    "user": "x",
                    "text": "t",
                    "created_at": "2026-02-31T10:00:00Z",
                }
            ).encode(),
            "tweet.created_at is not a valid date",
        ),
    ]
    return [kinds[i % len(kinds)](i) for i in range(count)]


@dataclass
class Burst:
    prefix: str
    good: list[dict[str, Any]]
    poison: list[tuple[bytes, str]]
    failures: list[dict[str, Any]]


@pytest.fixture(scope="module")
def burst(tweets: Tweets, function_logs: FunctionLogs) -> Burst:
    """2,000 records: 1,980 tweets through the API, 20 poison records (1%) put on the stream
    directly (the API refuses them), interleaved; settled once every tweet is stored."""
    prefix = "b" + uuid.uuid4().hex[:5]
    good = synthetic_tweets(1980, seed=11, prefix=prefix, spread_s=150)
    poison = poison_records(prefix, 20)
    kinesis = tweets.client("kinesis")
    producer = Producer(tweets.api, tweets.key)
    for chunk in range(4):
        summary = producer.send(good[chunk * 495 : (chunk + 1) * 495], batch=165)
        assert summary.failed == 0
        for data, _ in poison[chunk * 5 : (chunk + 1) * 5]:
            kinesis.put_record(StreamName=tweets.stream, Data=data, PartitionKey=prefix)
    try:
        eventually(lambda: len(tweets.stored(prefix)) >= len(good), "every tweet stored")
    except AssertionError as error:
        said = [
            line[:600]
            for name, line in function_logs.lines
            if name == tweets.consumer
            and any(w in line for w in ("rror", "imed out", "localcloud", "WARN", "failed"))
        ][-15:]
        said.append(str([m for m in tweets.failure_messages() if "data" not in m]))
        dynamodb = tweets.client("dynamodb")
        total = dynamodb.scan(TableName=tweets.table, Select="COUNT")
        probe = dynamodb.get_item(TableName=tweets.table, Key={"id": {"S": good[0]["id"]}})
        raise AssertionError(
            f"{error}; stored {len(tweets.stored(prefix))}; table {total}; probe {probe}; "
            f"the consumer's last log lines: {said}"
        ) from None
    expected = expected_aggregates(good)
    eventually(lambda: tweets.aggregates(prefix) == expected, "the aggregates to settle")
    failures: list[dict[str, Any]] = []

    def ours() -> bool:
        failures.extend(
            m
            for m in tweets.failure_messages()
            if prefix.encode() in base64.b64decode(m.get("data", ""))
        )
        return len(failures) >= len(poison)

    eventually(ours, "the poison records on the failure queue")
    return Burst(prefix, good, poison, failures)


def test_every_good_tweet_is_stored_exactly_once_and_the_aggregates_are_exact(
    tweets: Tweets, burst: Burst
) -> None:
    # GIVEN 2,000 records, 1% of them poison, through the API and the stream
    # THEN each good tweet is stored once, no poison record is stored
    assert tweets.stored(burst.prefix) == Counter(t["id"] for t in burst.good)
    # AND every count equals the count made from what was sent
    assert tweets.aggregates(burst.prefix) == expected_aggregates(burst.good)


def test_every_poison_record_is_on_the_failure_queue_with_its_reason(burst: Burst) -> None:
    by_data = {base64.b64decode(m["data"]): m for m in burst.failures}
    assert len(by_data) == len(burst.poison)
    for data, reason in burst.poison:
        message = by_data[data]
        assert reason in message["reason"], message
        assert message["shardId"].startswith("shardId-")
        assert message["sequenceNumber"]


def test_the_archive_holds_every_good_tweet_compressed_under_a_date_prefix(
    tweets: Tweets, burst: Burst
) -> None:
    # WHEN Firehose's buffers are delivered (the local cloud's way of not waiting 60 s)
    DELIVERY.flush()
    s3 = tweets.client("s3")
    today = datetime.datetime.now(datetime.UTC)
    prefix = f"tweets/year={today:%Y}/month={today:%m}/day={today:%d}/"
    archived: set[str] = set()
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=tweets.bucket, Prefix=prefix):
        for entry in page.get("Contents", []):
            # THEN objects are GZIP, under the day's partition, holding the raw records
            assert entry["Key"].endswith(".gz")
            body = gzip.decompress(
                s3.get_object(Bucket=tweets.bucket, Key=entry["Key"])["Body"].read()
            )
            archived.update(re.findall(rb'"id": "([^"]+)"', body.replace(b'"id":"', b'"id": "')))
    ids = {i.decode() for i in archived}
    assert {t["id"] for t in burst.good} <= ids


def _stream_records(tweets: Tweets, prefix: str) -> list[dict[str, Any]]:
    kinesis = tweets.client("kinesis")
    shard = kinesis.list_shards(StreamName=tweets.stream)["Shards"][0]["ShardId"]
    iterator = kinesis.get_shard_iterator(
        StreamName=tweets.stream, ShardId=shard, ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    records: list[dict[str, Any]] = []
    while iterator:
        page = kinesis.get_records(ShardIterator=iterator, Limit=10000)
        records += [
            {**r, "ShardId": shard} for r in page["Records"] if prefix.encode() in r["Data"]
        ]
        if not page["Records"]:
            break
        iterator = page.get("NextShardIterator")
    return records


def test_a_replayed_batch_changes_nothing(tweets: Tweets, burst: Burst) -> None:
    # GIVEN the burst settled
    before_stored = tweets.stored(burst.prefix)
    before = tweets.aggregates(burst.prefix)
    # WHEN a batch of its records is delivered to the consumer again, as Lambda would
    records = _stream_records(tweets, burst.prefix)[300:800]
    event = {
        "Records": [
            {
                "kinesis": {
                    "kinesisSchemaVersion": "1.0",
                    "partitionKey": r["PartitionKey"],
                    "sequenceNumber": r["SequenceNumber"],
                    "data": base64.b64encode(r["Data"]).decode(),
                    "approximateArrivalTimestamp": r["ApproximateArrivalTimestamp"].timestamp(),
                },
                "eventSource": "aws:kinesis",
                "eventVersion": "1.0",
                "eventID": f"{r['ShardId']}:{r['SequenceNumber']}",
                "eventName": "aws:kinesis:record",
                "awsRegion": "us-east-1",
                "eventSourceARN": "arn:aws:kinesis:us-east-1:123456789012:stream/x",
            }
            for r in records
        ]
    }
    answer = tweets.client("lambda").invoke(
        FunctionName=tweets.consumer, Payload=json.dumps(event).encode()
    )
    assert "FunctionError" not in answer
    assert json.loads(answer["Payload"].read()) == {"batchItemFailures": []}
    # THEN nothing changed
    assert tweets.stored(burst.prefix) == before_stored
    assert tweets.aggregates(burst.prefix) == before
    # (its poison records were set aside again: take them off the queue)
    tweets.failure_messages()


def test_the_api_refuses_a_bad_tweet_with_a_400_naming_the_field(tweets: Tweets) -> None:
    key = {"x-api-key": tweets.key}
    now = datetime.datetime.now(datetime.UTC).isoformat()
    wrong_type = request(
        "POST",
        f"{tweets.api}tweets",
        json_body={"id": "z1", "user": 42, "text": "hola", "created_at": now},
        headers=key,
    )
    assert wrong_type.status == 400
    assert "at /user" in wrong_type.json()["message"]
    missing = request("POST", f"{tweets.api}tweets", json_body={"id": "z2"}, headers=key)
    assert missing.status == 400
    assert '["user","text","created_at"]' in missing.json()["message"]
    too_long = request(
        "POST",
        f"{tweets.api}tweets/batch",
        json_body={
            "tweets": [
                {"id": "z3", "user": "ana", "text": "ok", "created_at": now},
                {"id": "z4", "user": "ana", "text": "x" * 281, "created_at": now},
            ]
        },
        headers=key,
    )
    assert too_long.status == 400
    assert "at /tweets/1/text" in too_long.json()["message"]
    keyless = request(
        "POST",
        f"{tweets.api}tweets",
        json_body={"id": "z5", "user": "ana", "text": "hola", "created_at": now},
    )
    assert keyless.status == 403


def test_the_read_api_answers_recent_tweets_a_users_tweets_and_top_hashtags(
    tweets: Tweets, burst: Burst
) -> None:
    key = {"x-api-key": tweets.key}
    recent = request("GET", f"{tweets.api}tweets/recent?limit=5", headers=key)
    assert recent.status == 200
    assert len(recent.json()["tweets"]) == 5
    user = Counter(t["user"] for t in burst.good).most_common(1)[0][0]
    mine = request("GET", f"{tweets.api}users/{user}/tweets?limit=3", headers=key).json()
    assert mine["tweetCount"] == sum(t["user"] == user for t in burst.good)
    assert [t["user"] for t in mine["tweets"]] == [user] * 3
    top = request("GET", f"{tweets.api}hashtags/top?window=10&limit=100", headers=key)
    assert top.status == 200
    counted = {h["hashtag"]: h["count"] for h in top.json()["hashtags"]}
    ours = {tag: n for tag, n in counted.items() if tag.startswith(burst.prefix)}
    assert ours
    bad = request("GET", f"{tweets.api}hashtags/top?window=0", headers=key)
    assert bad.status == 400
    assert bad.json()["field"] == "window"


def test_a_worker_killed_mid_batch_loses_nothing_and_counts_nothing_twice(
    tweets: Tweets, function_logs: FunctionLogs
) -> None:
    # GIVEN a burst of tweets on its way through the consumer
    prefix = "k" + uuid.uuid4().hex[:5]
    sent = synthetic_tweets(2000, seed=5, prefix=prefix, spread_s=60)
    summary = Producer(tweets.api, tweets.key).send(sent)
    assert summary.failed == 0
    seen = len(function_logs.lines)
    runtime = tweets.cloud.runtime

    # WHEN the consumer's worker process is killed while it handles a batch
    def died_in_an_invocation() -> bool:
        return any(
            name == tweets.consumer and "Runtime exited" in line
            for name, line in function_logs.lines[seen:]
        )

    def killed_mid_batch() -> bool:
        # A kill between invocations only ends an idle worker: then try again, once the
        # runtime could have said the invocation died (so no batch is killed twice).
        pids = runtime.worker_pids(tweets.consumer)
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        if not pids:
            return False
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline and not died_in_an_invocation():
            time.sleep(0.05)
        return died_in_an_invocation()

    eventually(killed_mid_batch, "a kill during an invocation", wait_s=60)
    # THEN the mapping delivers the batch again: every tweet is stored once and every count
    # is exact
    eventually(lambda: len(tweets.stored(prefix)) >= len(sent), "every tweet stored")
    expected = expected_aggregates(sent)
    eventually(lambda: tweets.aggregates(prefix) == expected, "the aggregates to settle")
    assert tweets.stored(prefix) == Counter(t["id"] for t in sent)
