"""Stream processing: the consumer alone, and the whole path on the local cloud.

1. The consumer's handler (Powertools' batch processor, parsing, folding, writes) on one batch of
   ``RECORDS`` (10,000) synthetic tweets, its DynamoDB and SQS clients replaced by stubs that
   count requests and answer at once; beside it, in the same run, the one-write-per-record
   baseline of the old AWS reference (a put per tweet, an update per aggregate per tweet).
   Medians of ``ROUNDS`` (3) runs. The batched write requests must stay within
   ceil(n/25) + one per distinct aggregate key.
2. End to end on the local cloud: ``E2E_TWEETS`` (4,000) tweets from the load generator through
   ``POST /tweets/batch`` as fast as the API takes them, until the last one's aggregate is
   visible (one shard keeps order: every earlier tweet is then stored and counted); and the lag
   from a tweet's PutRecords answer to its aggregate being readable, over ``PROBES`` (60)
   tweets of users of their own sent at ``PROBE_RATE`` (200/s) among background traffic.
   Also printed: what one DynamoDB UpdateItem costs in moto here, the evidence for where the
   end-to-end time goes.

Last line: ``records_per_s= write_requests= baseline_write_requests= e2e_tweets_per_s=
lag_p50_ms= lag_p99_ms=``.
"""

from __future__ import annotations

import base64
import json
import math
import os
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "lambdas")]

RECORDS = int(os.environ.get("RECORDS", "10000"))
ROUNDS = int(os.environ.get("ROUNDS", "3"))
E2E_TWEETS = int(os.environ.get("E2E_TWEETS", "4000"))
PROBES = int(os.environ.get("PROBES", "60"))
PROBE_RATE = float(os.environ.get("PROBE_RATE", "200"))
SHARD = "shardId-000000000000"

for name, value in {
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "TWEETS_TABLE": "tweets",
    "AGGREGATES_TABLE": "aggregates",
    "FAILURE_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/failures",
    "POWERTOOLS_SERVICE_NAME": "tweets-consumer",
    "POWERTOOLS_METRICS_NAMESPACE": "Bench",
    "POWERTOOLS_LOG_LEVEL": "ERROR",
    "POWERTOOLS_METRICS_DISABLED": "true",
}.items():
    os.environ.setdefault(name, value)

from tweets import consumer  # noqa: E402
from tweets.aggregates import fold, hashtag_key, user_key  # noqa: E402
from tweets.batch import BatchCommitter, FailureQueue  # noqa: E402
from tweets.models import parse_tweet  # noqa: E402
from tweets.tables import AggregatesTable, TweetsTable  # noqa: E402

from demo.stream_load import Producer, synthetic_tweets  # noqa: E402


class CountingStub:
    """DynamoDB and SQS as a stub: every call counted, answered at once, nothing unprocessed."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        def call(**_: Any) -> dict[str, Any]:
            with self._lock:
                self.calls[name] += 1
            return {}

        return call

    @property
    def writes(self) -> int:
        return sum(self.calls[n] for n in ("batch_write_item", "update_item", "put_item"))


class _Context:
    function_name = "tweets-consumer"
    function_version = "$LATEST"
    memory_limit_in_mb = 1024
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:tweets-consumer"
    aws_request_id = "bench"
    log_group_name = log_stream_name = "bench"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def kinesis_event(tweets: list[dict[str, Any]]) -> dict[str, Any]:
    records = []
    for n, tweet in enumerate(tweets):
        sequence = str(49_600_000_000_000_000_000_000_000_000_000_000 + n)
        records.append(
            {
                "kinesis": {
                    "kinesisSchemaVersion": "1.0",
                    "partitionKey": tweet["user"],
                    "sequenceNumber": sequence,
                    "data": base64.b64encode(json.dumps(tweet).encode()).decode(),
                    "approximateArrivalTimestamp": time.time(),
                },
                "eventSource": "aws:kinesis",
                "eventVersion": "1.0",
                "eventID": f"{SHARD}:{sequence}",
                "eventName": "aws:kinesis:record",
                "awsRegion": "us-east-1",
                "eventSourceARN": "arn:aws:kinesis:us-east-1:123456789012:stream/tweets",
            }
        )
    return {"Records": records}


def batched_run(event: dict[str, Any]) -> tuple[float, CountingStub]:
    stub = CountingStub()
    consumer.committer = BatchCommitter(
        tweets=TweetsTable("tweets", stub),
        aggregates=AggregatesTable("aggregates", stub),
        failures=FailureQueue("failures", stub),
    )
    started = time.perf_counter()
    answer = consumer.lambda_handler(event, _Context())
    elapsed = time.perf_counter() - started
    assert answer == {"batchItemFailures": []}, answer
    return elapsed, stub


def baseline_run(event: dict[str, Any]) -> tuple[float, CountingStub]:
    """The old reference's way: each record written on its own, each aggregate updated once
    per record that touches it."""
    stub = CountingStub()
    started = time.perf_counter()
    for record in event["Records"]:
        tweet = parse_tweet(base64.b64decode(record["kinesis"]["data"]))
        stub.put_item(TableName="tweets", Item=tweet.item())
        for key in (user_key(tweet.user), *(hashtag_key(tweet.minute, t) for t in tweet.hashtags)):
            stub.update_item(
                TableName="aggregates",
                Key={"pk": {"S": key[0]}, "sk": {"S": key[1]}},
                UpdateExpression="ADD #count :one",
                ExpressionAttributeNames={"#count": "count"},
                ExpressionAttributeValues={":one": {"N": "1"}},
            )
    return time.perf_counter() - started, stub


def consumer_figures() -> dict[str, Any]:
    tweets = synthetic_tweets(RECORDS, seed=3, spread_s=300)
    event = kinesis_event(tweets)
    distinct_keys = len(
        fold((n, parse_tweet(json.dumps(t).encode())) for n, t in enumerate(tweets))
    )
    batched: list[float] = []
    baseline: list[float] = []
    for _ in range(ROUNDS):
        elapsed, stub = batched_run(event)
        batched.append(elapsed)
        elapsed_base, base_stub = baseline_run(event)
        baseline.append(elapsed_base)
    bound = math.ceil(RECORDS / 25) + distinct_keys
    print(
        f"consumer, {RECORDS} records in one batch ({distinct_keys} distinct aggregate keys): "
        f"median {statistics.median(batched) * 1000:.0f} ms; "
        f"{stub.writes} write requests ({stub.calls['batch_write_item']} BatchWriteItem + "
        f"{stub.calls['update_item']} UpdateItem; bound ceil(n/25)+keys = {bound})"
    )
    print(
        f"baseline, one write per record: median {statistics.median(baseline) * 1000:.0f} ms; "
        f"{base_stub.writes} write requests"
    )
    assert stub.writes <= bound, (stub.writes, bound)
    return {
        "records_per_s": round(RECORDS / statistics.median(batched)),
        "write_requests": stub.writes,
        "baseline_write_requests": base_stub.writes,
        "baseline_records_per_s": round(RECORDS / statistics.median(baseline)),
    }


# ---------------------------------------------------------------------------------------
# end to end


def _aggregate_count(dynamodb: Any, table: str, user: str) -> int:
    pk, sk = user_key(user)
    item = dynamodb.get_item(
        TableName=table, Key={"pk": {"S": pk}, "sk": {"S": sk}}, ConsistentRead=True
    ).get("Item")
    return int(item["count"]["N"]) if item else 0


def _wait_visible(dynamodb: Any, table: str, user: str, deadline: float) -> float:
    while time.monotonic() < deadline:
        if _aggregate_count(dynamodb, table, user) >= 1:
            return time.time()
        time.sleep(0.005)
    raise TimeoutError(f"the aggregate of {user} never showed")


def moto_update_cost_ms(dynamodb: Any, table: str) -> float:
    started = time.perf_counter()
    for n in range(200):
        dynamodb.update_item(
            TableName=table,
            Key={"pk": {"S": f"bench#{n}"}, "sk": {"S": "x"}},
            UpdateExpression="ADD #c :n SET #m = :l",
            ConditionExpression="attribute_not_exists(#m) OR #m < :f",
            ExpressionAttributeNames={"#c": "count", "#m": "seq#bench"},
            ExpressionAttributeValues={":n": {"N": "1"}, ":l": {"S": "2"}, ":f": {"S": "1"}},
        )
    return (time.perf_counter() - started) / 200 * 1000


def e2e_figures() -> dict[str, Any]:
    from bench._measure import silent_cloud  # noqa: PLC0415
    from localcloud.__main__ import api_key_values  # noqa: PLC0415
    from localcloud.synth import synthesize  # noqa: PLC0415

    with tempfile.TemporaryDirectory() as scratch:
        synthesize(REPO, Path(scratch))
        cloud = silent_cloud(Path(scratch))
        cloud.start()
        try:
            outputs = cloud.local_outputs()["StreamProcessing-dev"]
            key = api_key_values(cloud)[outputs["ApiKeyId"]]
            producer = Producer(outputs["TweetsApiUrl"], key)
            dynamodb = cloud.emulator.client("dynamodb")
            table = outputs["AggregatesTableName"]
            # Warm-up: the functions' first invocations.
            producer.send(synthetic_tweets(200, seed=1, prefix="w"))
            time.sleep(3)

            # Throughput: a burst; the last tweet (a user of its own) shows when all are done.
            burst = synthetic_tweets(E2E_TWEETS, seed=2, prefix="e")
            burst[-1]["user"] = "elastuser"
            started = time.time()
            summary = producer.send(burst)
            api_s = time.time() - started
            done = _wait_visible(dynamodb, table, "elastuser", time.monotonic() + 600)
            e2e = E2E_TWEETS / (done - started)
            print(
                f"e2e: {E2E_TWEETS} tweets, API accepted them in {api_s:.2f} s "
                f"({summary.per_second:.0f} tweets/s into Kinesis, "
                f"{summary.throttled_retried} throttled and retried), all stored and counted "
                f"after {done - started:.2f} s: {e2e:.0f} tweets/s"
            )
            time.sleep(2)

            # Lag: probes (one tweet each, users of their own) among background traffic.
            background = synthetic_tweets(PROBES * 5, seed=4, prefix="g")
            probes = synthetic_tweets(PROBES, seed=5, prefix="p")
            for n, probe in enumerate(probes):
                probe["user"] = f"probe{n}"
            lags: list[float] = []
            for n, probe in enumerate(probes):
                producer.send([probe, *background[n * 5 : n * 5 + 5]])
                put_at = time.time()
                visible = _wait_visible(dynamodb, table, probe["user"], time.monotonic() + 60)
                lags.append((visible - put_at) * 1000)
                time.sleep(max(0.0, 1 / PROBE_RATE))
            lags.sort()
            p50 = statistics.median(lags)
            p99 = lags[min(len(lags) - 1, math.ceil(0.99 * len(lags)) - 1)]
            print(f"lag PutRecords -> aggregate visible: p50 {p50:.0f} ms, p99 {p99:.0f} ms")
            cost = moto_update_cost_ms(dynamodb, table)
            print(f"moto here: one conditional UpdateItem costs {cost:.1f} ms (sequentially)")
            return {
                "e2e_tweets_per_s": round(e2e),
                "lag_p50_ms": round(p50),
                "lag_p99_ms": round(p99),
                "moto_update_ms": round(cost, 1),
            }
        finally:
            cloud.stop()


def main() -> None:
    figures = consumer_figures()
    if os.environ.get("SKIP_E2E") != "1":
        figures.update(e2e_figures())
    print(" ".join(f"{name}={value}" for name, value in figures.items()))


if __name__ == "__main__":
    main()
