"""What the Lambda runtime writes to CloudWatch: each function's output and Lambda's own lines
in its log group, a log stream per execution environment, in the function's log format, and
its AWS/Lambda metrics. Small handwritten functions, run by a runtime of this module's own."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from localcloud.awslambda.runtime import FunctionSpec, InvokeResult, LambdaRuntime
from localcloud.cloudwatch.recorder import CloudWatchRecorder
from localcloud.emulator import ACCOUNT_ID, Emulator

from ._cloudwatch import log_events, statistics
from ._moto_fixtures import unique, zip_bytes

LEVELS = ("DEBUG", "INFO", "WARNING")
STREAM_NAME = re.compile(r"^\d{4}/\d{2}/\d{2}/\[\$LATEST\][0-9a-f]{32}$")
REPORT = re.compile(
    r"^REPORT RequestId: (?P<id>\S+)\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms\t"
    r"Memory Size: 256 MB\tMax Memory Used: \d+ MB(?P<init>\tInit Duration: \d+\.\d\d ms)?$"
)

CODE = zip_bytes(
    {
        "chatty.py": (
            "import json, os\n"
            "print('cold start')\n"
            "def handler(event, context):\n"
            "    print('hello')\n"
            "    for level in ('DEBUG', 'INFO', 'WARNING'):\n"
            "        print(json.dumps({'level': level, 'message': level.lower()}))\n"
            "    names = ('AWS_LAMBDA_LOG_FORMAT', 'AWS_LAMBDA_LOG_LEVEL',\n"
            "             'AWS_LAMBDA_LOG_GROUP_NAME', 'AWS_LAMBDA_LOG_STREAM_NAME')\n"
            "    return {name: os.environ.get(name) for name in names}\n"
        ),
        # Runs until the file named by the event exists (after saying it started).
        "blocks.py": (
            "import os, time\n"
            "def handler(event, context):\n"
            "    if 'started' in event:\n"
            "        open(event['started'], 'w').close()\n"
            "    while 'release' in event and not os.path.exists(event['release']):\n"
            "        time.sleep(0.01)\n"
            "    return os.environ['AWS_LAMBDA_LOG_STREAM_NAME']\n"
        ),
        "fails.py": "def handler(event, context):\n    raise ValueError('no')\n",
    }
)


def spec(handler: str, **overrides: Any) -> FunctionSpec:
    name = unique(handler.partition(".")[0])
    return FunctionSpec(
        name=name,
        arn=f"arn:aws:lambda:us-east-1:{ACCOUNT_ID}:function:{name}",
        handler=handler,
        code_zip=CODE,
        memory_mb=256,
        **overrides,
    )


@pytest.fixture(scope="module")
def recorder(emulator: Emulator) -> Iterator[CloudWatchRecorder]:
    with CloudWatchRecorder(region=emulator.region) as started:
        yield started


@pytest.fixture
def runtime(
    emulator: Emulator, recorder: CloudWatchRecorder, tmp_path: Path
) -> Iterator[LambdaRuntime]:
    with LambdaRuntime(
        endpoint=emulator.endpoint,
        region=emulator.region,
        log=lambda _name, _line: None,
        workdir=tmp_path,
        async_retry_delays_s=(0.0,),
        cloudwatch=recorder,
    ) as started:
        yield started


def messages(emulator: Emulator, group: str) -> dict[str, list[str]]:
    """The group's messages, per stream."""
    streams: dict[str, list[str]] = {}
    for event in log_events(emulator.client("logs"), group):
        streams.setdefault(event["logStreamName"], []).append(event["message"])
    return streams


def lambda_metrics(emulator: Emulator, function: FunctionSpec, name: str) -> dict[str, float]:
    return statistics(
        emulator.client("cloudwatch"), "AWS/Lambda", name, {"FunctionName": function.name}
    )


def eventually(check: Callable[[], bool], timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, "never happened"
        time.sleep(0.02)


def test_text_logs_have_lambdas_start_end_and_report_lines(
    runtime: LambdaRuntime, recorder: CloudWatchRecorder, emulator: Emulator
) -> None:
    # GIVEN a function logging in Lambda's default text format
    chatty = spec("chatty.handler")
    # WHEN it is invoked twice (a cold start, then warm)
    first, second = runtime.invoke(chatty, {}), runtime.invoke(chatty, {})
    assert recorder.flush()
    # THEN its log group is /aws/lambda/<name>, with one stream for its one environment,
    # named as Lambda names it and as the function was told
    streams = messages(emulator, f"/aws/lambda/{chatty.name}")
    ((stream, lines),) = streams.items()
    assert STREAM_NAME.match(stream)
    assert first.json()["AWS_LAMBDA_LOG_STREAM_NAME"] == stream
    # AND the stream reads as Lambda writes it: init output, then per invocation START, the
    # output (nothing filtered in text), END and REPORT, Init Duration on the cold one only
    output = ["hello", *(json.dumps({"level": v, "message": v.lower()}) for v in LEVELS)]
    for request_id, block in ((first.request_id, lines[1:7]), (second.request_id, lines[8:])):
        assert block[0] == f"START RequestId: {request_id} Version: $LATEST"
        assert block[1:5] == output
        assert block[5] == f"END RequestId: {request_id}"
    assert lines[0] == "cold start"
    reports = [REPORT.match(lines[7]), REPORT.match(lines[-1])]
    assert [(m["id"], bool(m["init"])) if m else None for m in reports] == [
        (first.request_id, True),
        (second.request_id, False),
    ]


def test_json_logs_use_platform_records_and_the_application_log_level(
    runtime: LambdaRuntime, recorder: CloudWatchRecorder, emulator: Emulator
) -> None:
    # GIVEN a function logging JSON at INFO into a log group of its own
    group = unique("/orders/functions")
    chatty = spec(
        "chatty.handler", log_group=group, log_format="JSON", application_log_level="INFO"
    )
    # WHEN it is invoked
    result = runtime.invoke(chatty, {})
    assert recorder.flush()
    # THEN it was told the format and level, as Lambda tells its runtime
    told = result.json()
    assert (told["AWS_LAMBDA_LOG_FORMAT"], told["AWS_LAMBDA_LOG_LEVEL"]) == ("JSON", "INFO")
    assert told["AWS_LAMBDA_LOG_GROUP_NAME"] == group
    # AND its group holds platform.start and platform.report records around the output,
    # without the DEBUG line (plain text lines are kept)
    (lines,) = messages(emulator, group).values()
    assert lines[0] == "cold start"
    start, report = json.loads(lines[1]), json.loads(lines[-1])
    assert start["type"] == "platform.start"
    assert start["record"] == {"requestId": result.request_id, "version": "$LATEST"}
    assert lines[2:-1] == [
        "hello",
        *(json.dumps({"level": v, "message": v.lower()}) for v in LEVELS[1:]),
    ]
    assert report["type"] == "platform.report"
    assert report["record"]["requestId"] == result.request_id
    assert report["record"]["status"] == "success"
    assert set(report["record"]["metrics"]) == {
        "durationMs",
        "billedDurationMs",
        "memorySizeMB",
        "maxMemoryUsedMB",
        "initDurationMs",
    }


def test_each_execution_environment_writes_its_own_stream(
    runtime: LambdaRuntime, recorder: CloudWatchRecorder, emulator: Emulator, tmp_path: Path
) -> None:
    # GIVEN a function busy with one invocation
    blocks = spec("blocks.handler")
    started, release = tmp_path / "started", tmp_path / "release"
    busy: list[InvokeResult] = []
    first = threading.Thread(
        target=lambda: busy.append(
            runtime.invoke(blocks, {"started": str(started), "release": str(release)})
        )
    )
    first.start()
    eventually(started.exists)
    # WHEN a second invocation arrives meanwhile, and then the first ends
    second = runtime.invoke(blocks, {})
    release.touch()
    first.join()
    assert recorder.flush()
    # THEN each ran in its own environment, and each environment's stream holds its own
    streams = messages(emulator, f"/aws/lambda/{blocks.name}")
    assert set(streams) == {busy[0].json(), second.json()}
    for result in (busy[0], second):
        lines = streams[result.json()]
        assert lines[0] == f"START RequestId: {result.request_id} Version: $LATEST"
        assert lines[-1].startswith(f"REPORT RequestId: {result.request_id}\t")
    # AND ConcurrentExecutions saw both at once
    assert lambda_metrics(emulator, blocks, "ConcurrentExecutions")["Maximum"] == 2


def test_a_function_at_its_concurrency_limit_counts_a_throttle(
    runtime: LambdaRuntime, recorder: CloudWatchRecorder, emulator: Emulator, tmp_path: Path
) -> None:
    # GIVEN a function with reserved concurrency 1, busy with one invocation
    limited = spec("blocks.handler", max_workers=1)
    started, release = tmp_path / "started", tmp_path / "release"
    event = {"started": str(started), "release": str(release)}
    threads = [threading.Thread(target=runtime.invoke, args=(limited, event))]
    threads[0].start()
    eventually(started.exists)
    # WHEN a second invocation arrives
    threads.append(threading.Thread(target=runtime.invoke, args=(limited, {})))
    threads[1].start()

    # THEN it is counted as throttled (Lambda refuses it; the local runtime lets it wait)
    def throttled() -> bool:
        assert recorder.flush()
        return lambda_metrics(emulator, limited, "Throttles")["Sum"] == 1

    eventually(throttled)
    # AND once the first ends, it runs: two invocations, one throttle
    release.touch()
    for thread in threads:
        thread.join()
    assert recorder.flush()
    assert lambda_metrics(emulator, limited, "Invocations")["Sum"] == 2
    assert lambda_metrics(emulator, limited, "Throttles")["Sum"] == 1


def test_asynchronous_failures_record_event_age_and_dead_letter_errors(
    runtime: LambdaRuntime, recorder: CloudWatchRecorder, emulator: Emulator
) -> None:
    # GIVEN a failing function retried once, whose dead-letter queue does not exist
    fails = spec(
        "fails.handler",
        max_retry_attempts=1,
        dead_letter_arn=f"arn:aws:sqs:us-east-1:{ACCOUNT_ID}:{unique('missing')}",
    )
    # WHEN it is invoked asynchronously, and both attempts fail
    runtime.invoke(fails, {"order": 1}, "Event")
    assert runtime.join_async(30)
    assert recorder.flush()
    # THEN both attempts are invocations and errors, each with the event's age
    assert lambda_metrics(emulator, fails, "Invocations")["Sum"] == 2
    assert lambda_metrics(emulator, fails, "Errors")["Sum"] == 2
    age = lambda_metrics(emulator, fails, "AsyncEventAge")
    assert age["SampleCount"] == 2
    assert age["Minimum"] >= 0
    # AND the dead-letter queue it could not reach is a DeadLetterErrors datapoint
    assert lambda_metrics(emulator, fails, "DeadLetterErrors")["Sum"] == 1
