"""The CloudWatch recorder: what services queue is written to the emulator's CloudWatch Logs
and CloudWatch, within the APIs' limits, by a background thread."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from localcloud.cloudwatch.recorder import CloudWatchRecorder, LogEvent, log_batches
from localcloud.emulator import Emulator

from ._cloudwatch import log_events, statistics
from ._moto_fixtures import unique

# CloudWatch Logs' limits (PutLogEvents): per call, and per event with its 26 bytes.
MAX_BATCH_EVENTS = 10_000
MAX_BATCH_BYTES = 1_048_576
MAX_EVENT_BYTES = 262_144 - 26


@pytest.fixture(scope="module")
def recorder(emulator: Emulator) -> Iterator[CloudWatchRecorder]:
    with CloudWatchRecorder(region=emulator.region) as started:
        yield started


def test_a_burst_larger_than_one_put_log_events_call_is_written_whole(
    recorder: CloudWatchRecorder, emulator: Emulator
) -> None:
    # GIVEN more events than one PutLogEvents call takes (10,000 events, 1 MB), in one stream
    group = unique("/burst")
    messages = [f"line {i:05d} " + "x" * 120 for i in range(12_000)]
    # WHEN they are queued at once and flushed
    for message in messages:
        recorder.log(group, "stream", message)
    assert recorder.flush()
    # THEN every one of them is in the stream, in order
    stored = log_events(emulator.client("logs"), group)
    assert [event["message"] for event in stored] == messages


def test_put_log_events_batches_keep_within_cloudwatch_logs_limits() -> None:
    # GIVEN events of one stream beyond one call's count and size (moto enforces neither)
    count = 12_010
    events = [LogEvent("g", "s", i, "x" * (10 if i < 12_000 else 200_000)) for i in range(count)]
    # WHEN they are cut into PutLogEvents batches
    batches = list(log_batches(events))
    # THEN no batch has more than 10,000 events or 1 MB (26 bytes of overhead each), and
    # together they hold every event, in order
    assert all(len(batch) <= MAX_BATCH_EVENTS for batch in batches)
    assert all(
        sum(len(e["message"].encode()) + 26 for e in batch) <= MAX_BATCH_BYTES for batch in batches
    )
    assert [e["timestamp"] for batch in batches for e in batch] == list(range(count))


def test_an_oversized_event_is_truncated_to_cloudwatchs_limit(
    recorder: CloudWatchRecorder, emulator: Emulator
) -> None:
    # GIVEN an event larger than CloudWatch Logs takes (256 KB with its overhead)
    group = unique("/oversized")
    # WHEN it is recorded
    recorder.log(group, "stream", "é" * 200_000)
    assert recorder.flush()
    # THEN what is stored is cut at the limit, on a character boundary
    (stored,) = log_events(emulator.client("logs"), group)
    assert MAX_EVENT_BYTES - 1 <= len(stored["message"].encode()) <= MAX_EVENT_BYTES
    assert set(stored["message"]) == {"é"}


def test_a_deleted_log_group_is_made_again(
    recorder: CloudWatchRecorder, emulator: Emulator
) -> None:
    # GIVEN a log group the recorder wrote to, deleted since (its stack went away)
    logs = emulator.client("logs")
    group = unique("/deleted")
    recorder.log(group, "stream", "before")
    assert recorder.flush()
    logs.delete_log_group(logGroupName=group)
    # WHEN the recorder writes to it again
    recorder.log(group, "stream", "after")
    assert recorder.flush()
    # THEN the group is there again, with the new event
    assert [event["message"] for event in log_events(logs, group)] == ["after"]


def test_samples_of_a_second_are_added_up(recorder: CloudWatchRecorder, emulator: Emulator) -> None:
    # GIVEN samples of one metric within a second, and one with other dimensions
    namespace = unique("Orders")
    now = time.time()
    for value in (1, 2, 3, 10):
        recorder.metric(namespace, "Latency", value, dimensions=(("route", "/b"),), timestamp=now)
    recorder.metric(namespace, "Latency", 99, dimensions=(("route", "/a"),), timestamp=now)
    # WHEN they are written
    assert recorder.flush()
    # THEN CloudWatch has their statistics, each dimension set on its own
    cloudwatch = emulator.client("cloudwatch")
    assert statistics(cloudwatch, namespace, "Latency", {"route": "/b"}) == {
        "SampleCount": 4,
        "Sum": 16,
        "Minimum": 1,
        "Maximum": 10,
    }
    assert statistics(cloudwatch, namespace, "Latency", {"route": "/a"})["Sum"] == 99
