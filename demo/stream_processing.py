"""The stream processing demo step: a burst of synthetic tweets through ``POST /tweets/batch``
(API Gateway -> Kinesis), the consumer storing and counting them, a poison record set aside,
and the top hashtags read back through the API."""

from __future__ import annotations

import datetime
import time

from localcloud.__main__ import api_key_values
from localcloud.cloud import LocalCloud

from .checks import Report, http, outputs_with, said
from .stream_load import Producer, synthetic_tweets

BURST = 1000
WAIT_S = 60.0


def run(cloud: LocalCloud, outputs: dict[str, dict[str, str]], report: Report) -> None:
    stack = outputs_with(outputs, "TweetsApiUrl", "ApiKeyId", "StreamName", "FailureQueueUrl")
    if stack is None:
        return
    report.section("Stream processing: tweets -> API Gateway -> Kinesis -> Lambda -> DynamoDB")
    api = stack["TweetsApiUrl"]
    key = {"x-api-key": api_key_values(cloud)[stack["ApiKeyId"]]}
    now = datetime.datetime.now(datetime.UTC).isoformat()

    invalid = http(
        "POST", f"{api}tweets", {"id": "d1", "user": 7, "text": "x", "created_at": now}, key
    )
    report.check(
        "a bad tweet is a 400 naming the field",
        invalid.status == 400 and b"/user" in invalid.body,
        said(invalid),
    )
    tweets = synthetic_tweets(BURST, seed=int(time.time()))
    prefix = tweets[0]["id"].split("-")[0]
    started = time.perf_counter()
    # One request at a time: the stream then holds the burst in order, so once the last
    # tweet is counted every earlier one is too (a shard's records are processed in order).
    summary = Producer(api, key["x-api-key"], concurrency=1).send(tweets, batch=250)
    report.check(
        f"a burst of {BURST} tweets is accepted ({summary.per_second:.0f} tweets/s into Kinesis)",
        summary.failed == 0 and summary.sent == BURST,
        summary.line(),
    )
    kinesis = cloud.emulator.client("kinesis")
    kinesis.put_record(StreamName=stack["StreamName"], Data=b"{not a tweet", PartitionKey=prefix)

    last = tweets[-1]["user"]
    # (a cloud that ran the demo before counted this user's earlier tweets too)
    expected_last = sum(t["user"] == last for t in tweets)
    deadline = time.monotonic() + WAIT_S
    counted = 0
    while time.monotonic() < deadline:
        answer = http("GET", f"{api}users/{last}/tweets?limit=1", headers=key)
        counted = answer.json().get("tweetCount", 0) if answer.status == 200 else 0
        if counted >= expected_last:
            break
        time.sleep(0.2)
    report.check(
        f"the consumer stored and counted the burst in {time.perf_counter() - started:.1f} s",
        counted >= expected_last,
        f"{last} has {counted} of {expected_last} tweets counted",
    )
    top = http("GET", f"{api}hashtags/top?window=5&limit=5", headers=key)
    ok = top.status == 200 and bool(top.json().get("hashtags"))
    report.check("GET /hashtags/top answers the last 5 minutes' top hashtags", ok, said(top))
    if ok:
        for entry in top.json()["hashtags"]:
            print(f"      #{entry['hashtag']:<24} {entry['count']:>5}")
    sqs = cloud.emulator.client("sqs")
    found = False
    for _ in range(20):
        for message in sqs.receive_message(
            QueueUrl=stack["FailureQueueUrl"], MaxNumberOfMessages=10
        ).get("Messages", []):
            found = found or "record is not JSON" in message["Body"]
        if found:
            break
        time.sleep(0.2)
    report.check("the poison record is on the failure queue with its reason", found)
