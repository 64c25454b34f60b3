"""Gaps the stream processing stack met: moto's Kinesis shard numbering under concurrent
producers (``event_sources/moto_gaps.py``: records put at once by many requests each keep
their own sequence number, and every one can be read back), and ``AWS::Logs::LogStream`` in
CloudFormation (``cloudwatch/moto_gaps.py``)."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from localcloud.emulator import Emulator
from localcloud.event_sources.moto_gaps import stream_read

from ._moto_fixtures import Stacks

PRODUCERS = 8
BATCHES = 25
PER_BATCH = 20


def test_concurrent_put_records_lose_nothing_and_number_each_record_once(
    emulator: Emulator,
) -> None:
    # GIVEN a one-shard stream and eight producers, each with its own client (connection)
    name = f"gap-{uuid.uuid4().hex[:8]}"
    kinesis = emulator.client("kinesis")
    kinesis.create_stream(StreamName=name, ShardCount=1)
    arn = kinesis.describe_stream(StreamName=name)["StreamDescription"]["StreamARN"]

    def produce(producer: int) -> list[str]:
        client: Any = emulator.client("kinesis")
        numbers = []
        for batch in range(BATCHES):
            answer = client.put_records(
                StreamName=name,
                Records=[
                    {"Data": f"{producer}-{batch}-{n}".encode(), "PartitionKey": "k"}
                    for n in range(PER_BATCH)
                ],
            )
            assert answer["FailedRecordCount"] == 0
            numbers += [r["SequenceNumber"] for r in answer["Records"]]
        return numbers

    # WHEN they put 4,000 records at once
    with ThreadPoolExecutor(PRODUCERS) as pool:
        acknowledged = [n for numbers in pool.map(produce, range(PRODUCERS)) for n in numbers]
    # THEN every acknowledged record has a number of its own
    total = PRODUCERS * BATCHES * PER_BATCH
    assert len(set(acknowledged)) == total
    # AND the shard holds every record, in sequence order, as the poller reads it
    shard = kinesis.list_shards(StreamName=name)["Shards"][0]["ShardId"]
    read = stream_read(arn, shard, None, total + 10)
    assert len(read) == total
    assert len({record.data["Data"] for record in read}) == total
    kinesis.delete_stream(StreamName=name)


def test_a_log_stream_is_created_and_its_stack_resources_described(stacks: Stacks) -> None:
    # GIVEN a log group and a log stream (a type moto's CloudFormation skips), the stream
    # listed first
    deployed = stacks.deploy(
        {
            "AStream": {
                "Type": "AWS::Logs::LogStream",
                "Properties": {"LogGroupName": {"Ref": "Group"}},
            },
            "Group": {"Type": "AWS::Logs::LogGroup"},
        },
        {"GroupName": {"Ref": "Group"}, "StreamName": {"Ref": "AStream"}},
    )
    # THEN the stream is in its group under the name Ref gives
    logs = stacks.emulator.client("logs")
    streams = logs.describe_log_streams(logGroupName=deployed.outputs["GroupName"])["logStreams"]
    assert [s["logStreamName"] for s in streams] == [deployed.outputs["StreamName"]]
    # AND every resource of the stack can be described (a skipped one broke the lookup)
    cloudformation = stacks.emulator.client("cloudformation")
    for logical_id in ("AStream", "Group"):
        described = cloudformation.describe_stack_resource(
            StackName=deployed.name, LogicalResourceId=logical_id
        )["StackResourceDetail"]
        assert described["LogicalResourceId"] == logical_id
