"""Event source mappings as Lambda's pollers run them: SQS, Kinesis and DynamoDB streams.

Each test deploys a small handwritten template (a source, a function with inline code, a
mapping) into an emulator of this module's own, with a Lambda runtime and the poller
running, and checks what the function received and what is left in the sources. The
function appends every event it gets to a file (``LOG_PATH``), so a test sees each batch
exactly as it was delivered; records whose id starts with ``poison`` make it fail.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from localcloud.awslambda.runtime import LambdaRuntime
from localcloud.cloudwatch.recorder import CloudWatchRecorder
from localcloud.cloudwatch.service_metrics import LambdaMetrics
from localcloud.emulator import ACCOUNT_ID, Emulator
from localcloud.event_sources.poller import EventSourcePoller

from ._cloudwatch import statistics
from ._moto_fixtures import LAMBDA_TRUST_POLICY, Stacks, unique

REGION = "us-east-1"

HANDLER = textwrap.dedent(
    """
    import base64
    import json
    import os


    def _id(record):
        if "body" in record:
            body = record["body"]
            return json.loads(body)["id"] if body.startswith("{") else body
        if "kinesis" in record:
            return base64.b64decode(record["kinesis"]["data"]).decode()
        return record["dynamodb"]["NewImage"]["id"]["S"]


    def _key(record):
        if "messageId" in record:
            return record["messageId"]
        if "kinesis" in record:
            return record["kinesis"]["sequenceNumber"]
        return record["dynamodb"]["SequenceNumber"]


    def handler(event, context):
        records = event["Records"]
        ids = [_id(r) for r in records]
        poisoned = [r for r, i in zip(records, ids) if i.startswith("poison")]
        with open(os.environ["LOG_PATH"], "a") as log:
            log.write(json.dumps({"ids": ids, "ok": not poisoned, "event": event}) + "\\n")
        if poisoned and os.environ.get("MODE") == "partial":
            return {"batchItemFailures": [{"itemIdentifier": _key(r)} for r in poisoned]}
        if poisoned:
            raise ValueError("poison records: " + ", ".join(_id(r) for r in poisoned))
        return {"batchItemFailures": []}
    """
)


@pytest.fixture(scope="module")
def cloudwatch(emulator: Emulator) -> Iterator[CloudWatchRecorder]:
    with CloudWatchRecorder(region=REGION) as recorder:
        yield recorder


@pytest.fixture(scope="module")
def poller(
    emulator: Emulator, tmp_path_factory: pytest.TempPathFactory, cloudwatch: CloudWatchRecorder
) -> Iterator[None]:
    logs: list[tuple[str, str]] = []
    runtime = LambdaRuntime(
        endpoint=emulator.endpoint,
        region=REGION,
        log=lambda name, line: logs.append((name, line)),
        workdir=tmp_path_factory.mktemp("lambda"),
    )
    with EventSourcePoller(
        runtime.invoke_function,
        emulator.endpoint,
        REGION,
        log=runtime.log,
        metrics=LambdaMetrics(cloudwatch),
    ):
        yield
    runtime.close()


@pytest.fixture
def sqs(emulator: Emulator) -> Any:
    return emulator.client("sqs")


@pytest.fixture
def kinesis(emulator: Emulator) -> Any:
    return emulator.client("kinesis")


# ---------------------------------------------------------------------------------------
# helpers


class Invocations:
    """What the function wrote to its log file, one entry per invocation."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def all(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        return [json.loads(line) for line in self.path.read_text().splitlines()]

    def batches(self) -> list[list[str]]:
        return [entry["ids"] for entry in self.all()]


def eventually(check: Callable[[], Any], timeout_s: float = 10.0) -> Any:
    """Polls ``check`` until it returns something truthy; fails after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"still {result!r} after {timeout_s} s")
        time.sleep(0.02)


def deploy(
    stacks: Stacks,
    tmp_path: Path,
    source: dict[str, Any],
    mapping: dict[str, Any] | None,
    *,
    mode: str = "all-or-nothing",
    outputs: dict[str, Any] | None = None,
) -> tuple[dict[str, str], Invocations]:
    """A stack with ``source`` (logical resources), the test function and, unless None, a
    mapping from ``mapping``'s properties (FunctionName filled in)."""
    log = tmp_path / f"invocations-{unique('log')}.jsonl"
    resources: dict[str, Any] = {
        "Role": {
            "Type": "AWS::IAM::Role",
            "Properties": {"AssumeRolePolicyDocument": LAMBDA_TRUST_POLICY},
        },
        "Function": {
            "Type": "AWS::Lambda::Function",
            "Properties": {
                "Code": {"ZipFile": HANDLER},
                "Handler": "index.handler",
                "Runtime": "python3.11",
                "Timeout": 10,
                "Role": {"Fn::GetAtt": ["Role", "Arn"]},
                "Environment": {"Variables": {"LOG_PATH": str(log), "MODE": mode}},
            },
        },
        **source,
    }
    all_outputs: dict[str, Any] = {
        "FunctionArn": {"Fn::GetAtt": ["Function", "Arn"]},
        "RoleArn": {"Fn::GetAtt": ["Role", "Arn"]},
        **(outputs or {}),
    }
    if mapping is not None:
        resources["Mapping"] = {
            "Type": "AWS::Lambda::EventSourceMapping",
            "Properties": {"FunctionName": {"Ref": "Function"}, **mapping},
        }
        all_outputs["MappingId"] = {"Ref": "Mapping"}
    return stacks.deploy(resources, all_outputs).outputs, Invocations(log)


def queue_counts(sqs: Any, url: str) -> tuple[int, int]:
    attributes = sqs.get_queue_attributes(
        QueueUrl=url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return (
        int(attributes["ApproximateNumberOfMessages"]),
        int(attributes["ApproximateNumberOfMessagesNotVisible"]),
    )


def bodies_of(sqs: Any, url: str, count: int) -> list[str]:
    """Waits for ``count`` messages on the queue; their bodies."""
    bodies: list[str] = []

    def enough() -> bool:
        answer = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)
        bodies.extend(m["Body"] for m in answer.get("Messages", []))
        return len(bodies) >= count

    eventually(enough)
    return bodies


def received(sqs: Any, url: str, count: int) -> list[dict[str, Any]]:
    """Waits for ``count`` messages on the queue; their bodies, parsed as JSON."""
    return [json.loads(body) for body in bodies_of(sqs, url, count)]


def redriven_queue() -> dict[str, Any]:
    """A queue with a 1 s visibility timeout that sends a message to ``Dead`` on its third
    receive (after two)."""
    return {
        "Queue": {
            "Type": "AWS::SQS::Queue",
            "Properties": {
                "VisibilityTimeout": 1,
                "RedrivePolicy": {
                    "deadLetterTargetArn": {"Fn::GetAtt": ["Dead", "Arn"]},
                    "maxReceiveCount": 2,
                },
            },
        }
    }


STREAM = {"Stream": {"Type": "AWS::Kinesis::Stream", "Properties": {"ShardCount": 1}}}
STREAM_ARN = {"StreamArn": {"Fn::GetAtt": ["Stream", "Arn"]}}
FAILED = {"Failed": {"Type": "AWS::SQS::Queue"}}
FAILED_OUTPUTS = {"FailedUrl": {"Ref": "Failed"}}


def put(kinesis: Any, stream_arn: str, ids: list[str]) -> list[str]:
    """Puts one record per id, in order; their sequence numbers."""
    return [
        kinesis.put_record(StreamARN=stream_arn, Data=i.encode(), PartitionKey="p")[
            "SequenceNumber"
        ]
        for i in ids
    ]


def deploy_disabled_stream_mapping(
    stacks: Stacks, tmp_path: Path, *, batch_size: int
) -> tuple[dict[str, str], Invocations]:
    """A Kinesis stream and a disabled mapping from its oldest record (``enable`` starts it)."""
    mapping = {
        "EventSourceArn": {"Fn::GetAtt": ["Stream", "Arn"]},
        "StartingPosition": "TRIM_HORIZON",
        "BatchSize": batch_size,
        "Enabled": False,
    }
    return deploy(stacks, tmp_path, STREAM, mapping, outputs=STREAM_ARN)


def enable(emulator: Emulator, mapping_id: str) -> None:
    emulator.client("lambda").update_event_source_mapping(UUID=mapping_id, Enabled=True)


# ---------------------------------------------------------------------------------------
# SQS


@pytest.mark.usefixtures("poller")
def test_sqs_batch_within_the_window_is_delivered_once_and_deleted(
    stacks: Stacks, sqs: Any, tmp_path: Path
) -> None:
    # GIVEN a queue mapped with batch size 10, a 1 s batching window and a filter for orders
    outputs, invocations = deploy(
        stacks,
        tmp_path,
        {"Queue": {"Type": "AWS::SQS::Queue"}},
        {
            "EventSourceArn": {"Fn::GetAtt": ["Queue", "Arn"]},
            "BatchSize": 10,
            "MaximumBatchingWindowInSeconds": 1,
            "FilterCriteria": {"Filters": [{"Pattern": json.dumps({"body": {"kind": ["order"]}})}]},
        },
        outputs={"QueueUrl": {"Ref": "Queue"}, "QueueArn": {"Fn::GetAtt": ["Queue", "Arn"]}},
    )
    url = outputs["QueueUrl"]
    # WHEN three orders and one spam message are sent one by one, the first with an attribute
    bodies = [json.dumps({"id": i, "kind": "order"}) for i in ("o1", "o2", "o3")]
    sqs.send_message(
        QueueUrl=url,
        MessageBody=bodies[0],
        MessageAttributes={"tenant": {"DataType": "String", "StringValue": "acme"}},
    )
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"id": "s1", "kind": "spam"}))
    for body in bodies[1:]:
        sqs.send_message(QueueUrl=url, MessageBody=body)
    # THEN the queue empties: the orders were processed and deleted, and the spam message,
    # rejected by the filter, deleted without an invocation
    eventually(invocations.all)
    eventually(lambda: queue_counts(sqs, url) == (0, 0))
    # AND the orders arrived together, in one invocation, shaped as Lambda's SQS event
    [entry] = invocations.all()
    assert entry["ids"] == ["o1", "o2", "o3"]
    first = entry["event"]["Records"][0]
    assert first["body"] == bodies[0]
    assert first["md5OfBody"] == hashlib.md5(bodies[0].encode()).hexdigest()
    assert first["eventSource"] == "aws:sqs"
    assert first["eventSourceARN"] == outputs["QueueArn"]
    assert first["awsRegion"] == REGION
    assert first["attributes"]["ApproximateReceiveCount"] == "1"
    assert {"SentTimestamp", "SenderId", "ApproximateFirstReceiveTimestamp"} <= set(
        first["attributes"]
    )
    assert first["messageAttributes"] == {
        "tenant": {
            "stringValue": "acme",
            "stringListValues": [],
            "binaryListValues": [],
            "dataType": "String",
        }
    }
    assert {"messageId", "receiptHandle", "md5OfMessageAttributes"} <= set(first)


@pytest.mark.usefixtures("poller")
def test_sqs_function_error_leaves_the_batch_for_redelivery_and_the_redrive_policy(
    stacks: Stacks, sqs: Any, tmp_path: Path
) -> None:
    # GIVEN a queue (1 s visibility, to a dead-letter queue after 2 receives) mapped to a
    # function that fails any batch holding a poison message
    outputs, invocations = deploy(
        stacks,
        tmp_path,
        {"Dead": {"Type": "AWS::SQS::Queue"}, **redriven_queue()},
        {"EventSourceArn": {"Fn::GetAtt": ["Queue", "Arn"]}, "BatchSize": 10},
        outputs={"QueueUrl": {"Ref": "Queue"}, "DeadUrl": {"Ref": "Dead"}},
    )
    # WHEN a good and a poison message are sent together
    sqs.send_message_batch(
        QueueUrl=outputs["QueueUrl"],
        Entries=[{"Id": i, "MessageBody": i} for i in ("good-1", "poison-1")],
    )
    # THEN nothing is deleted: both come back after the visibility timeout, and after their
    # second receive the queue's redrive policy moves both to the dead-letter queue
    assert sorted(bodies_of(sqs, outputs["DeadUrl"], 2)) == ["good-1", "poison-1"]
    assert queue_counts(sqs, outputs["QueueUrl"]) == (0, 0)
    # AND each was delivered twice, the second time with ApproximateReceiveCount 2
    counts: dict[str, list[str]] = {}
    for entry in invocations.all():
        assert not entry["ok"]
        for record in entry["event"]["Records"]:
            counts.setdefault(record["body"], []).append(
                record["attributes"]["ApproximateReceiveCount"]
            )
    assert counts == {"good-1": ["1", "2"], "poison-1": ["1", "2"]}


@pytest.mark.usefixtures("poller")
def test_sqs_partial_batch_failure_leaves_exactly_the_failed_message(
    stacks: Stacks, sqs: Any, tmp_path: Path
) -> None:
    # GIVEN a queue (1 s visibility, to a dead-letter queue after 2 receives) mapped with
    # ReportBatchItemFailures to a function that reports poison messages as failed
    outputs, invocations = deploy(
        stacks,
        tmp_path,
        {"Dead": {"Type": "AWS::SQS::Queue"}, **redriven_queue()},
        {
            "EventSourceArn": {"Fn::GetAtt": ["Queue", "Arn"]},
            "BatchSize": 10,
            "FunctionResponseTypes": ["ReportBatchItemFailures"],
        },
        mode="partial",
        outputs={"QueueUrl": {"Ref": "Queue"}, "DeadUrl": {"Ref": "Dead"}},
    )
    # WHEN a batch with one poison message among good ones is sent
    sqs.send_message_batch(
        QueueUrl=outputs["QueueUrl"],
        Entries=[{"Id": i, "MessageBody": i} for i in ("good-1", "poison-1", "good-2")],
    )
    # THEN only the poison message stays: redelivered after the visibility timeout, then moved
    # to the dead-letter queue by the queue's redrive policy
    assert bodies_of(sqs, outputs["DeadUrl"], 1) == ["poison-1"]
    assert queue_counts(sqs, outputs["QueueUrl"]) == (0, 0)
    # AND each good message was delivered once, the poison one twice (the second time alone)
    batches = invocations.batches()
    delivered = sorted(i for batch in batches for i in batch)
    assert delivered == ["good-1", "good-2", "poison-1", "poison-1"]
    assert batches[-1] == ["poison-1"]
    redelivered = invocations.all()[-1]["event"]["Records"][0]
    assert redelivered["attributes"]["ApproximateReceiveCount"] == "2"


# ---------------------------------------------------------------------------------------
# Kinesis


@pytest.mark.usefixtures("poller")
def test_kinesis_records_arrive_in_order_in_batches_of_batch_size(
    stacks: Stacks, kinesis: Any, emulator: Emulator, tmp_path: Path
) -> None:
    # GIVEN a disabled mapping from the oldest record with batch size 3, and 7 records
    outputs, invocations = deploy_disabled_stream_mapping(stacks, tmp_path, batch_size=3)
    ids = [f"r{i}" for i in range(7)]
    numbers = put(kinesis, outputs["StreamArn"], ids)
    time.sleep(0.1)
    assert invocations.all() == []
    # WHEN the mapping is enabled
    enable(emulator, outputs["MappingId"])
    # THEN the records come in order, three at a time, as Lambda's Kinesis event
    eventually(lambda: len(invocations.all()) == 3)
    assert invocations.batches() == [ids[0:3], ids[3:6], ids[6:]]
    record = invocations.all()[0]["event"]["Records"][0]
    shard = "shardId-000000000000"
    assert record["kinesis"]["kinesisSchemaVersion"] == "1.0"
    assert record["kinesis"]["partitionKey"] == "p"
    assert record["kinesis"]["sequenceNumber"] == numbers[0]
    assert base64.b64decode(record["kinesis"]["data"]) == b"r0"
    assert isinstance(record["kinesis"]["approximateArrivalTimestamp"], float)
    assert record["eventSource"] == "aws:kinesis"
    assert record["eventName"] == "aws:kinesis:record"
    assert record["eventID"] == f"{shard}:{numbers[0]}"
    assert record["eventSourceARN"] == outputs["StreamArn"]
    assert record["invokeIdentityArn"] == outputs["RoleArn"]
    assert record["awsRegion"] == REGION


@pytest.mark.usefixtures("poller")
def test_kinesis_records_put_within_the_window_arrive_in_one_batch(
    stacks: Stacks, kinesis: Any, tmp_path: Path
) -> None:
    # GIVEN a mapping of the newest records with batch size 10 and a 1 s batching window
    outputs, invocations = deploy(
        stacks,
        tmp_path,
        STREAM,
        {
            "EventSourceArn": {"Fn::GetAtt": ["Stream", "Arn"]},
            "StartingPosition": "TRIM_HORIZON",
            "BatchSize": 10,
            "MaximumBatchingWindowInSeconds": 1,
        },
        outputs=STREAM_ARN,
    )
    # WHEN four records are put one by one, a tenth of a second apart
    ids = [f"w{i}" for i in range(4)]
    for record_id in ids:
        put(kinesis, outputs["StreamArn"], [record_id])
        time.sleep(0.1)
    # THEN the poller waited for the window instead of sending the first alone: one batch
    eventually(invocations.all)
    time.sleep(0.5)
    assert invocations.batches() == [ids]


@pytest.mark.usefixtures("poller")
def test_stream_batches_record_their_iterator_age(
    stacks: Stacks, kinesis: Any, emulator: Emulator, cloudwatch: CloudWatchRecorder, tmp_path: Path
) -> None:
    # GIVEN four records that waited at least 200 ms behind a disabled mapping (batch size 2)
    outputs, invocations = deploy_disabled_stream_mapping(stacks, tmp_path, batch_size=2)
    put(kinesis, outputs["StreamArn"], ["a", "b", "c", "d"])
    time.sleep(0.2)
    # WHEN the mapping is enabled and both batches are delivered
    enable(emulator, outputs["MappingId"])
    eventually(lambda: len(invocations.all()) == 2)

    # THEN each batch recorded the age of its last record as the function's IteratorAge
    # (whichever poller in this process delivered it: the session's local cloud polls too,
    # and its recorder writes on its own schedule)
    def iterator_age() -> dict[str, float]:
        assert cloudwatch.flush()
        return statistics(
            emulator.client("cloudwatch"),
            "AWS/Lambda",
            "IteratorAge",
            {"FunctionName": outputs["FunctionArn"].split(":")[-1]},
        )

    eventually(lambda: iterator_age()["SampleCount"] == 2)
    assert iterator_age()["Minimum"] >= 200


@pytest.mark.usefixtures("poller")
def test_latest_starts_after_what_the_stream_held_when_the_mapping_was_made(
    stacks: Stacks, kinesis: Any, emulator: Emulator, tmp_path: Path
) -> None:
    # GIVEN a stream that already holds a record, and a function
    outputs, invocations = deploy(stacks, tmp_path, STREAM, None, outputs=STREAM_ARN)
    put(kinesis, outputs["StreamArn"], ["before"])
    # WHEN a mapping from LATEST is made through the Lambda API and a record follows
    mapping = emulator.client("lambda").create_event_source_mapping(
        FunctionName=outputs["FunctionArn"],
        EventSourceArn=outputs["StreamArn"],
        StartingPosition="LATEST",
    )
    try:
        put(kinesis, outputs["StreamArn"], ["after"])
        # THEN only the later record is delivered
        eventually(invocations.all)
        time.sleep(0.1)
        assert invocations.batches() == [["after"]]
    finally:
        emulator.client("lambda").delete_event_source_mapping(UUID=mapping["UUID"])


@pytest.mark.usefixtures("poller")
def test_bisect_isolates_a_poison_record_and_reports_it_on_failure(
    stacks: Stacks, kinesis: Any, sqs: Any, emulator: Emulator, tmp_path: Path
) -> None:
    # GIVEN a mapping with batch size 10 that bisects failed batches, retries once and sends
    # what it gives up to an on-failure queue; and 10 records, the 7th a poison record
    outputs, invocations = deploy(
        stacks,
        tmp_path,
        {**STREAM, **FAILED},
        {
            "EventSourceArn": {"Fn::GetAtt": ["Stream", "Arn"]},
            "StartingPosition": "TRIM_HORIZON",
            "BatchSize": 10,
            "BisectBatchOnFunctionError": True,
            "MaximumRetryAttempts": 1,
            "DestinationConfig": {"OnFailure": {"Destination": {"Fn::GetAtt": ["Failed", "Arn"]}}},
            "Enabled": False,
        },
        outputs={**STREAM_ARN, **FAILED_OUTPUTS},
    )
    ids = [f"r{i}" for i in range(10)]
    ids[6] = "poison-6"
    numbers = put(kinesis, outputs["StreamArn"], ids)
    # WHEN the mapping is enabled
    enable(emulator, outputs["MappingId"])
    # THEN the on-failure queue receives one record describing the poison record alone
    [failure] = received(sqs, outputs["FailedUrl"], 1)
    context = failure["requestContext"]
    assert context["condition"] == "RetryAttemptsExhausted"
    assert context["approximateInvokeCount"] == 2  # the first attempt and one retry
    assert context["functionArn"] == outputs["FunctionArn"]
    assert context["requestId"]
    assert failure["responseContext"]["functionError"] == "Unhandled"
    assert failure["version"] == "1.0"
    assert failure["timestamp"].endswith("Z")
    info = failure["KinesisBatchInfo"]
    assert info["shardId"] == "shardId-000000000000"
    assert info["startSequenceNumber"] == info["endSequenceNumber"] == numbers[6]
    assert info["batchSize"] == 1
    assert info["streamArn"] == outputs["StreamArn"]
    assert info["approximateArrivalOfFirstRecord"].endswith("Z")
    # AND every good record went through exactly once, in order, in successful invocations
    eventually(lambda: sum(len(e["ids"]) for e in invocations.all() if e["ok"]) >= 9)
    processed = [i for entry in invocations.all() if entry["ok"] for i in entry["ids"]]
    assert processed == [i for i in ids if i != "poison-6"]
    # AND the poison record, alone, was tried exactly twice
    assert invocations.batches().count(["poison-6"]) == 2


@pytest.mark.usefixtures("poller")
def test_retries_are_bounded_then_the_shard_moves_on(
    stacks: Stacks, kinesis: Any, sqs: Any, emulator: Emulator, tmp_path: Path
) -> None:
    # GIVEN a mapping with batch size 2, 2 retries, no bisection, and an SNS topic (with a
    # queue subscribed) as on-failure destination; a failing batch followed by a good record
    sns = emulator.client("sns")
    topic = sns.create_topic(Name=unique("on-failure"))["TopicArn"]
    inbox = sqs.create_queue(QueueName=unique("inbox"))["QueueUrl"]
    inbox_arn = sqs.get_queue_attributes(QueueUrl=inbox, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sns.subscribe(
        TopicArn=topic,
        Protocol="sqs",
        Endpoint=inbox_arn,
        Attributes={"RawMessageDelivery": "true"},
    )
    outputs, invocations = deploy(
        stacks,
        tmp_path,
        STREAM,
        {
            "EventSourceArn": {"Fn::GetAtt": ["Stream", "Arn"]},
            "StartingPosition": "TRIM_HORIZON",
            "BatchSize": 2,
            "MaximumRetryAttempts": 2,
            "DestinationConfig": {"OnFailure": {"Destination": topic}},
            "Enabled": False,
        },
        outputs=STREAM_ARN,
    )
    numbers = put(kinesis, outputs["StreamArn"], ["a", "poison-b", "c"])
    # WHEN the mapping is enabled
    enable(emulator, outputs["MappingId"])
    # THEN the failing batch is tried three times (once and two retries), then described
    # through SNS, and the next record is processed
    eventually(lambda: ["c"] in invocations.batches())
    assert invocations.batches() == [["a", "poison-b"]] * 3 + [["c"]]
    [failure] = received(sqs, inbox, 1)
    assert failure["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert failure["requestContext"]["approximateInvokeCount"] == 3
    info = failure["KinesisBatchInfo"]
    assert (info["startSequenceNumber"], info["endSequenceNumber"]) == (numbers[0], numbers[1])
    assert info["batchSize"] == 2


def iso_seconds(moment: str) -> float:
    """Seconds since the epoch of an ISO 8601 UTC time with milliseconds, as Lambda writes."""
    parsed = datetime.datetime.strptime(moment, "%Y-%m-%dT%H:%M:%S.%fZ")
    return parsed.replace(tzinfo=datetime.UTC).timestamp()


@pytest.mark.usefixtures("poller")
def test_records_older_than_the_maximum_age_are_given_up(
    stacks: Stacks, kinesis: Any, sqs: Any, tmp_path: Path
) -> None:
    # GIVEN a mapping retrying forever but keeping records at most 1 s (AWS's minimum is
    # 60 s; moto does not enforce it, which keeps this test fast)
    outputs, invocations = deploy(
        stacks,
        tmp_path,
        {**STREAM, **FAILED},
        {
            "EventSourceArn": {"Fn::GetAtt": ["Stream", "Arn"]},
            "StartingPosition": "TRIM_HORIZON",
            "BatchSize": 1,
            "MaximumRecordAgeInSeconds": 1,
            "DestinationConfig": {"OnFailure": {"Destination": {"Fn::GetAtt": ["Failed", "Arn"]}}},
        },
        outputs={**STREAM_ARN, **FAILED_OUTPUTS},
    )
    # WHEN a poison record is put
    put(kinesis, outputs["StreamArn"], ["poison-old"])
    # THEN it is retried until it is 1 s old, then described as expired
    [failure] = received(sqs, outputs["FailedUrl"], 1)
    assert failure["requestContext"]["condition"] == "RecordAgeExceeded"
    arrived = iso_seconds(failure["KinesisBatchInfo"]["approximateArrivalOfFirstRecord"])
    assert iso_seconds(failure["timestamp"]) - arrived >= 1.0
    assert failure["KinesisBatchInfo"]["batchSize"] == 1
    # AND a record put afterwards is processed
    put(kinesis, outputs["StreamArn"], ["fresh"])
    eventually(lambda: ["fresh"] in invocations.batches())
    # (how many tries fit in that second depends on the machine's load: the record counts
    # them, and the count matches the invocations seen)
    tries = invocations.batches().count(["poison-old"])
    assert tries >= 1
    assert failure["requestContext"]["approximateInvokeCount"] == tries


@pytest.mark.usefixtures("poller")
def test_partial_batch_response_resumes_from_the_first_failed_record(
    stacks: Stacks, kinesis: Any, sqs: Any, emulator: Emulator, tmp_path: Path
) -> None:
    # GIVEN a mapping with ReportBatchItemFailures and one retry, and four records, the third
    # a poison record the function reports as failed
    outputs, invocations = deploy(
        stacks,
        tmp_path,
        {**STREAM, **FAILED},
        {
            "EventSourceArn": {"Fn::GetAtt": ["Stream", "Arn"]},
            "StartingPosition": "TRIM_HORIZON",
            "BatchSize": 4,
            "MaximumRetryAttempts": 1,
            "FunctionResponseTypes": ["ReportBatchItemFailures"],
            "DestinationConfig": {"OnFailure": {"Destination": {"Fn::GetAtt": ["Failed", "Arn"]}}},
            "Enabled": False,
        },
        mode="partial",
        outputs={**STREAM_ARN, **FAILED_OUTPUTS},
    )
    numbers = put(kinesis, outputs["StreamArn"], ["a", "b", "poison-c", "d"])
    # WHEN the mapping is enabled
    enable(emulator, outputs["MappingId"])
    # THEN the retry starts at the failed record, and what still fails is described
    [failure] = received(sqs, outputs["FailedUrl"], 1)
    assert invocations.batches() == [["a", "b", "poison-c", "d"], ["poison-c", "d"]]
    info = failure["KinesisBatchInfo"]
    assert (info["startSequenceNumber"], info["endSequenceNumber"]) == (numbers[2], numbers[3])
    assert failure["requestContext"]["approximateInvokeCount"] == 2
    assert "functionError" not in failure["responseContext"]


# ---------------------------------------------------------------------------------------
# DynamoDB streams


@pytest.mark.usefixtures("poller")
def test_dynamodb_stream_inserts_reach_the_function_through_a_filter(
    stacks: Stacks, emulator: Emulator, tmp_path: Path
) -> None:
    # GIVEN a table with a stream, mapped from the oldest record with a filter on inserts
    outputs, invocations = deploy(
        stacks,
        tmp_path,
        {
            "Table": {
                "Type": "AWS::DynamoDB::Table",
                "Properties": {
                    "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
                    "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
                    "BillingMode": "PAY_PER_REQUEST",
                    "StreamSpecification": {"StreamViewType": "NEW_AND_OLD_IMAGES"},
                },
            }
        },
        {
            "EventSourceArn": {"Fn::GetAtt": ["Table", "StreamArn"]},
            "StartingPosition": "TRIM_HORIZON",
            "FilterCriteria": {"Filters": [{"Pattern": json.dumps({"eventName": ["INSERT"]})}]},
        },
        outputs={
            "TableName": {"Ref": "Table"},
            "StreamArn": {"Fn::GetAtt": ["Table", "StreamArn"]},
        },
    )
    dynamodb = emulator.client("dynamodb")
    # WHEN an item is inserted, changed, and another inserted
    table = outputs["TableName"]
    dynamodb.put_item(TableName=table, Item={"id": {"S": "i1"}, "n": {"N": "1"}})
    dynamodb.put_item(TableName=table, Item={"id": {"S": "i1"}, "n": {"N": "2"}})
    dynamodb.put_item(TableName=table, Item={"id": {"S": "i2"}, "n": {"N": "1"}})
    # THEN the function sees the two inserts, in order, as Lambda's DynamoDB stream event
    eventually(lambda: sum(len(b) for b in invocations.batches()) >= 2)
    time.sleep(0.1)
    records = [r for entry in invocations.all() for r in entry["event"]["Records"]]
    assert [r["dynamodb"]["NewImage"]["id"]["S"] for r in records] == ["i1", "i2"]
    first = records[0]
    assert first["eventName"] == "INSERT"
    assert first["eventSource"] == "aws:dynamodb"
    assert first["eventSourceARN"] == outputs["StreamArn"]
    assert first["awsRegion"] == REGION
    assert first["dynamodb"]["Keys"] == {"id": {"S": "i1"}}
    assert first["dynamodb"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert isinstance(first["dynamodb"]["ApproximateCreationDateTime"], int)
    assert first["dynamodb"]["SequenceNumber"].isdigit()
    assert ACCOUNT_ID in first["eventSourceARN"]
