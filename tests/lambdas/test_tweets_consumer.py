"""The tweets consumer on moto: partial failures, poison records, redelivery, the restart from the
lowest failed record, UnprocessedItems retried, a worker that dies mid-batch. Every test checks
the tables against counts made from what was sent: each good tweet stored once, every hashtag
per minute and every user counted exactly once."""

from __future__ import annotations

import base64
import datetime
import json
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from lambda_harness import FAKE_AWS, REGION, FakeLambdaContext, fresh_module
from moto import mock_aws
from tweets.aggregates import hashtag_key, user_key
from tweets.batch import BatchCommitter, FailureQueue
from tweets.tables import AggregatesTable, Backoff, TweetsTable

TWEETS, AGGREGATES, SHARD = "tweets-test", "aggregates-test", "shardId-000000000000"
STREAM_ARN = f"arn:aws:kinesis:{REGION}:123456789012:stream/tweets"
NOW = datetime.datetime(2026, 12, 2, 14, 30, tzinfo=datetime.UTC)


def tweet(n: int, *, user: str | None = None, tags: tuple[str, ...] = ()) -> dict[str, Any]:
    tags = tags or (f"tag{n % 3}", "all")
    return {
        "id": f"t{n}",
        "user": user or f"user{n % 4}",
        "text": f"tweet {n} " + " ".join(f"#{t}" for t in tags) + " @someone",
        "created_at": (NOW + datetime.timedelta(seconds=20 * n)).isoformat(),
    }


@dataclass
class Shard:
    """Records as Kinesis holds them, and the events Lambda makes of them."""

    records: list[dict[str, Any]] = field(default_factory=list)

    def put(self, data: bytes | dict[str, Any], partition_key: str = "p") -> str:
        raw = json.dumps(data).encode() if isinstance(data, dict) else data
        sequence = str(49_000_000_000_000_000_000_000_000_000_000 + len(self.records) * 7)
        self.records.append(
            {
                "kinesis": {
                    "kinesisSchemaVersion": "1.0",
                    "partitionKey": partition_key,
                    "sequenceNumber": sequence,
                    "data": base64.b64encode(raw).decode(),
                    "approximateArrivalTimestamp": 1_764_000_000.0,
                },
                "eventSource": "aws:kinesis",
                "eventVersion": "1.0",
                "eventID": f"{SHARD}:{sequence}",
                "eventName": "aws:kinesis:record",
                "invokeIdentityArn": "arn:aws:iam::123456789012:role/consumer",
                "awsRegion": REGION,
                "eventSourceARN": STREAM_ARN,
            }
        )
        return sequence

    def event(self, start: int = 0, end: int | None = None) -> dict[str, Any]:
        return {"Records": self.records[start:end]}

    def index_of(self, sequence: str) -> int:
        return next(
            i for i, r in enumerate(self.records) if r["kinesis"]["sequenceNumber"] == sequence
        )


class FaultyClient:
    """A real (moto) client whose calls a test may intercept: ``faults[name](kwargs, call)``
    answers instead of the client (``call`` reaches the real one)."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.faults: dict[str, Callable[[dict[str, Any], Callable[..., Any]], Any]] = {}
        self.calls: Counter[str] = Counter()

    def __getattr__(self, name: str) -> Any:
        real = getattr(self._client, name)

        def call(**kwargs: Any) -> Any:
            self.calls[name] += 1
            fault = self.faults.get(name)
            return fault(kwargs, real) if fault else real(**kwargs)

        return call


@dataclass
class World:
    consumer: ModuleType
    dynamodb: FaultyClient
    sqs: Any
    queue_url: str
    sleeps: list[float]

    def deliver(self, event: dict[str, Any]) -> list[str]:
        """The consumer's answer: the sequence numbers it reports failed."""
        answer = self.consumer.lambda_handler(event, FakeLambdaContext())
        return [f["itemIdentifier"] for f in answer["batchItemFailures"]]

    def stored_ids(self) -> Counter[str]:
        items = self.dynamodb.scan(TableName=TWEETS)["Items"]
        return Counter(item["id"]["S"] for item in items)

    def aggregates(self) -> dict[tuple[str, str], int]:
        items = self.dynamodb.scan(TableName=AGGREGATES)["Items"]
        return {(i["pk"]["S"], i["sk"]["S"]): int(i["count"]["N"]) for i in items}

    def failure_messages(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        while True:
            batch = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10)
            messages = batch.get("Messages", [])
            if not messages:
                return found
            for message in messages:
                found.append(json.loads(message["Body"]))
                self.sqs.delete_message(
                    QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"]
                )


def expected(tweets: list[dict[str, Any]]) -> dict[tuple[str, str], int]:
    """The aggregates, counted from what was sent."""
    counts: Counter[tuple[str, str]] = Counter()
    for t in tweets:
        counts[user_key(t["user"])] += 1
        minute = datetime.datetime.fromisoformat(t["created_at"]).strftime("%Y-%m-%dT%H:%M")
        for tag in {w[1:].lower() for w in t["text"].split() if w.startswith("#")}:
            counts[hashtag_key(minute, tag)] += 1
    return dict(counts)


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    for name, value in FAKE_AWS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("TWEETS_TABLE", TWEETS)
    monkeypatch.setenv("AGGREGATES_TABLE", AGGREGATES)
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "tweets-consumer")
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "Test")
    monkeypatch.setenv("POWERTOOLS_LOG_LEVEL", "ERROR")
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        dynamodb.create_table(
            TableName=TWEETS,
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        dynamodb.create_table(
            TableName=AGGREGATES,
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        sqs = boto3.client("sqs", region_name=REGION)
        queue_url = sqs.create_queue(QueueName="failures")["QueueUrl"]
        monkeypatch.setenv("FAILURE_QUEUE_URL", queue_url)
        consumer = fresh_module("tweets.consumer")
        faulty = FaultyClient(dynamodb)
        sleeps: list[float] = []
        consumer.committer = BatchCommitter(
            tweets=TweetsTable(
                TWEETS, faulty, backoff=Backoff(sleep=sleeps.append, jitter=lambda: 0.5)
            ),
            aggregates=AggregatesTable(AGGREGATES, faulty, window_ttl=datetime.timedelta(days=7)),
            failures=FailureQueue(queue_url, sqs),
        )
        yield World(consumer, faulty, sqs, queue_url, sleeps)


# -- a batch -------------------------------------------------------------------------------


def test_a_batch_stores_every_tweet_once_and_counts_each_aggregate_exactly(world: World) -> None:
    # GIVEN 60 tweets over three minutes by four users
    shard, sent = Shard(), [tweet(n) for n in range(60)]
    for t in sent:
        shard.put(t, t["user"])
    # WHEN one batch delivers them
    failed = world.deliver(shard.event())
    # THEN nothing failed, each tweet is stored once, and the aggregates are the counts of
    # what was sent
    assert failed == []
    assert world.stored_ids() == Counter(t["id"] for t in sent)
    assert world.aggregates() == expected(sent)
    # AND each aggregate key cost one update: tweets went in requests of 25
    assert world.dynamodb.calls["batch_write_item"] == 3
    assert world.dynamodb.calls["update_item"] == len(expected(sent))


def test_hashtags_and_mentions_are_parsed_from_the_text(world: World) -> None:
    shard = Shard()
    shard.put(
        {
            "id": "h1",
            "user": "ana",
            "text": "Hola #Serverless y #serverless con @bob y @carla #AWS",
            "created_at": "2026-12-02T14:30:05+01:00",
        }
    )
    assert world.deliver(shard.event()) == []
    item = world.dynamodb.get_item(TableName=TWEETS, Key={"id": {"S": "h1"}})["Item"]
    assert sorted(item["hashtags"]["SS"]) == ["aws", "serverless"]
    assert sorted(item["mentions"]["SS"]) == ["bob", "carla"]
    # created_at's minute in UTC keys the window
    assert world.aggregates()[hashtag_key("2026-12-02T13:30", "aws")] == 1


# -- poison --------------------------------------------------------------------------------

POISON = [
    (b"not json at all", "record is not JSON", None),
    (json.dumps({"id": "p2", "user": "ana", "text": "hi"}).encode(), "created_at", "created_at"),
    (
        json.dumps({"id": "p3", "user": 7, "text": "hi", "created_at": NOW.isoformat()}).encode(),
        "tweet.user must be string",
        "user",
    ),
    (
        json.dumps(
            {"id": "p4", "user": "ana", "text": "x" * 281, "created_at": NOW.isoformat()}
        ).encode(),
        "tweet.text must be shorter than or equal to 280 characters",
        "text",
    ),
    (
        json.dumps(
            {"id": "p5", "user": "ana", "text": "hi", "created_at": "2026-13-45T99:00:00Z"}
        ).encode(),
        "tweet.created_at is not a valid date",
        "created_at",
    ),
    (b'{"id": "p6", "pad": "' + b"y" * 5000 + b'"}', "bytes; a tweet is at most 4096", None),
]


def test_poison_records_go_to_the_failure_queue_with_their_reason_and_the_rest_commit(
    world: World,
) -> None:
    # GIVEN good tweets with poison records between them
    shard, good = Shard(), [tweet(n) for n in range(10)]
    for i, t in enumerate(good):
        shard.put(t, t["user"])
        if i < len(POISON):
            shard.put(POISON[i][0])
    # WHEN the batch is delivered
    failed = world.deliver(shard.event())
    # THEN no record is reported failed (poison never blocks the shard), the good tweets are
    # stored and counted, and each poison record is on the failure queue with its reason and
    # field, its position in the stream and its data for a replay
    assert failed == []
    assert world.stored_ids() == Counter(t["id"] for t in good)
    assert world.aggregates() == expected(good)
    messages = world.failure_messages()
    assert len(messages) == len(POISON)
    for (data, reason, field_name), message in zip(POISON, messages, strict=True):
        assert reason in message["reason"]
        assert message["field"] == field_name
        assert base64.b64decode(message["data"]) == data
        assert message["shardId"] == SHARD
        assert message["streamArn"] == STREAM_ARN
        assert shard.records[shard.index_of(message["sequenceNumber"])]["kinesis"]["data"]


def test_a_poison_record_that_cannot_be_set_aside_fails_and_comes_again(world: World) -> None:
    # GIVEN the failure queue refuses messages
    shard = Shard()
    shard.put(tweet(1))
    poison = shard.put(b"garbage")
    shard.put(tweet(2))
    world.consumer.committer.failures = FailureQueue("https://nowhere.invalid/queue", world.sqs)
    # WHEN the batch is delivered
    failed = world.deliver(shard.event())
    # THEN the poison record is reported (Lambda delivers again from it), tweet 1 is counted,
    # tweet 2 (after it) is stored but not yet counted: its redelivery will count it
    assert failed == [poison]
    assert world.aggregates() == expected([tweet(1)])
    assert world.stored_ids() == Counter({"t1": 1, "t2": 1})


# -- redelivery ------------------------------------------------------------------------------


def test_a_redelivered_batch_changes_nothing(world: World) -> None:
    shard, sent = Shard(), [tweet(n) for n in range(40)]
    for t in sent:
        shard.put(t, t["user"])
    assert world.deliver(shard.event()) == []
    # WHEN the same batch comes again, and then both of its bisected halves
    assert world.deliver(shard.event()) == []
    assert world.deliver(shard.event(0, 20)) == []
    assert world.deliver(shard.event(20)) == []
    # THEN every tweet is stored once and every count is still exact
    assert world.stored_ids() == Counter(t["id"] for t in sent)
    assert world.aggregates() == expected(sent)


def test_the_restart_from_the_lowest_failed_record_counts_nothing_twice(world: World) -> None:
    # GIVEN tweet t7's write is refused (UnprocessedItems, every time) in the first delivery
    shard, sent = Shard(), [tweet(n) for n in range(30)]
    for t in sent:
        shard.put(t, t["user"])

    def refuse_t7(kwargs: dict[str, Any], call: Callable[..., Any]) -> Any:
        requests = kwargs["RequestItems"][TWEETS]
        kept = [r for r in requests if r["PutRequest"]["Item"]["id"]["S"] != "t7"]
        refused = [r for r in requests if r["PutRequest"]["Item"]["id"]["S"] == "t7"]
        if kept:
            call(RequestItems={TWEETS: kept})
        return {"UnprocessedItems": {TWEETS: refused} if refused else {}}

    world.dynamodb.faults["batch_write_item"] = refuse_t7
    # WHEN the batch is delivered
    failed = world.deliver(shard.event())
    # THEN t7 is reported, and only the tweets before it are counted so far
    assert failed == [shard.records[7]["kinesis"]["sequenceNumber"]]
    assert world.aggregates() == expected(sent[:7])
    # AND (the fault gone) Lambda's restart from t7 redelivers t7..t29, already stored and
    # some aggregates touched: every count ends exact
    del world.dynamodb.faults["batch_write_item"]
    assert world.deliver(shard.event(7)) == []
    assert world.stored_ids() == Counter(t["id"] for t in sent)
    assert world.aggregates() == expected(sent)


def test_an_aggregate_update_that_fails_reports_its_first_record_and_is_redone_once(
    world: World,
) -> None:
    # GIVEN the update of one hashtag window is throttled past the SDK's retries
    shard, sent = Shard(), [tweet(n) for n in range(12)]
    for t in sent:
        shard.put(t, t["user"])
    victim = hashtag_key("2026-12-02T14:31", "tag0")

    def throttle_victim(kwargs: dict[str, Any], call: Callable[..., Any]) -> Any:
        if (kwargs["Key"]["pk"]["S"], kwargs["Key"]["sk"]["S"]) == victim:
            raise ClientError(
                {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow"}},
                "UpdateItem",
            )
        return call(**kwargs)

    world.dynamodb.faults["update_item"] = throttle_victim
    failed = world.deliver(shard.event())
    # THEN the first record of that key is reported: tweet 3 (14:31:00)
    assert failed == [shard.records[3]["kinesis"]["sequenceNumber"]]
    assert victim not in world.aggregates()
    # WHEN Lambda restarts from it, the fault gone
    del world.dynamodb.faults["update_item"]
    assert world.deliver(shard.event(3)) == []
    # THEN every count is exact: the keys already updated by tweets 3..11 were not added again
    assert world.aggregates() == expected(sent)


# The simulated death unwinds through Powertools' metrics decorator, which flushes nothing.
@pytest.mark.filterwarnings("ignore:No application metrics to publish:UserWarning")
def test_a_worker_that_dies_mid_batch_loses_nothing_and_counts_nothing_twice(
    world: World,
) -> None:
    # GIVEN the function dies after a few aggregate updates (the process is gone: an error)
    shard, sent = Shard(), [tweet(n) for n in range(50)]
    for t in sent:
        shard.put(t, t["user"])
    done = Counter[str]()

    def die_after_five(kwargs: dict[str, Any], call: Callable[..., Any]) -> Any:
        done["updates"] += 1
        if done["updates"] > 5:
            raise SystemExit("worker killed")
        return call(**kwargs)

    world.dynamodb.faults["update_item"] = die_after_five
    with pytest.raises(SystemExit):
        world.deliver(shard.event())
    partial = world.aggregates()
    assert 0 < len(partial) < len(expected(sent))
    # WHEN Lambda retries the batch (split in two by bisect-on-error, then whole again)
    del world.dynamodb.faults["update_item"]
    assert world.deliver(shard.event(0, 25)) == []
    assert world.deliver(shard.event(25)) == []
    assert world.deliver(shard.event()) == []
    # THEN every good tweet is stored once and counted once
    assert world.stored_ids() == Counter(t["id"] for t in sent)
    assert world.aggregates() == expected(sent)


# -- UnprocessedItems ----------------------------------------------------------------------


def test_unprocessed_items_are_sent_again_with_backoff_and_jitter(world: World) -> None:
    # GIVEN DynamoDB leaves half of each request unprocessed, three times
    shard, sent = Shard(), [tweet(n) for n in range(25)]
    for t in sent:
        shard.put(t, t["user"])
    refusals = Counter[str]()

    def half_unprocessed(kwargs: dict[str, Any], call: Callable[..., Any]) -> Any:
        requests = kwargs["RequestItems"][TWEETS]
        if refusals["n"] < 3 and len(requests) > 1:
            refusals["n"] += 1
            half = len(requests) // 2
            call(RequestItems={TWEETS: requests[:half]})
            return {"UnprocessedItems": {TWEETS: requests[half:]}}
        return call(**kwargs)

    world.dynamodb.faults["batch_write_item"] = half_unprocessed
    # WHEN the batch is delivered
    assert world.deliver(shard.event()) == []
    # THEN the leftovers were sent again until all were written, waiting a jittered,
    # growing time between attempts (jitter fixed at half here: 0.025, 0.05, 0.1 s)
    assert world.dynamodb.calls["batch_write_item"] == 4
    assert world.sleeps == [0.025, 0.05, 0.1]
    assert world.stored_ids() == Counter(t["id"] for t in sent)
    assert world.aggregates() == expected(sent)


def test_items_never_processed_fail_their_records_after_the_last_attempt(world: World) -> None:
    shard = Shard()
    first = shard.put(tweet(1))
    shard.put(tweet(2))

    def never(kwargs: dict[str, Any], call: Callable[..., Any]) -> Any:
        return {"UnprocessedItems": kwargs["RequestItems"]}

    world.dynamodb.faults["batch_write_item"] = never
    failed = world.deliver(shard.event())
    assert failed == [first, shard.records[1]["kinesis"]["sequenceNumber"]]
    assert world.dynamodb.calls["batch_write_item"] == 8
    assert len(world.sleeps) == 7
    assert max(world.sleeps) <= 2.0
    assert world.aggregates() == {}
