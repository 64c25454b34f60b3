"""moto's Kinesis shard numbering under concurrent producers (``event_sources/moto_gaps.py``):
records put at once by many requests each keep their own sequence number, and every one of
them can be read back."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from localcloud.emulator import Emulator
from localcloud.event_sources.moto_gaps import stream_read

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
