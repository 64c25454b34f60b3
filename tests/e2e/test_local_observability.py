"""Logs and metrics, as CloudWatch has them: after a few calls of the deployed functions
(directly, and through the REST API), the emulator's CloudWatch Logs and CloudWatch answer what
``aws logs tail`` and ``aws cloudwatch get-metric-data`` would show in AWS.

The calls are made once for the module; metrics are compared with what the session's earlier
tests left (before/after), since every test shares the one local cloud.
"""

from __future__ import annotations

import base64
import datetime
import json
import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from typing import Any

import pytest

from localcloud.cloud import LocalCloud

from ._cloudwatch import Metric, log_events, metric_values
from ._http import Answer, request
from .conftest import RestApi

HELLO_STACK = "HelloWorld-dev"
STREAM_NAME = re.compile(r"^\d{4}/\d{2}/\d{2}/\[\$LATEST\][0-9a-f]{32}$")


@dataclass(frozen=True)
class Traffic:
    """What the module's calls were, and the metrics before and after them."""

    started_ms: int
    hello_function: str
    hello_config: dict[str, Any]
    hello_request_ids: dict[str, str]  # "ada", "grace", "bad" -> Lambda request id
    items_function: str
    items_config: dict[str, Any]
    api_id: str
    api_name: str
    answers: dict[str, Answer]  # "listed" (200), "no_key" (403), "invalid" (400)
    before: dict[str, float]
    after: dict[str, float]

    def delta(self, key: str) -> float:
        return self.after[key] - self.before[key]


def lambda_request_id(answer: dict[str, Any]) -> str:
    tail = base64.b64decode(answer["LogResult"]).decode()
    found = re.search(r"START RequestId: (\S+)", tail)
    assert found, tail
    return found.group(1)


def tracked_metrics(traffic_names: dict[str, str]) -> dict[str, Metric]:
    hello = {"FunctionName": traffic_names["hello"]}
    items = {"FunctionName": traffic_names["items"]}
    api = {"ApiName": traffic_names["api"], "Stage": "v1"}
    service = {"service": traffic_names["service"]}
    return {
        "hello_invocations": Metric("AWS/Lambda", "Invocations", hello),
        "hello_errors": Metric("AWS/Lambda", "Errors", hello),
        "hello_durations": Metric("AWS/Lambda", "Duration", hello, "SampleCount"),
        "hello_max_duration": Metric("AWS/Lambda", "Duration", hello, "Maximum"),
        "hello_concurrency": Metric("AWS/Lambda", "ConcurrentExecutions", hello, "Maximum"),
        "items_invocations": Metric("AWS/Lambda", "Invocations", items),
        "items_errors": Metric("AWS/Lambda", "Errors", items),
        "api_count": Metric("AWS/ApiGateway", "Count", api),
        "api_4xx": Metric("AWS/ApiGateway", "4XXError", api),
        "api_5xx": Metric("AWS/ApiGateway", "5XXError", api),
        "api_latencies": Metric("AWS/ApiGateway", "Latency", api, "SampleCount"),
        "api_integration_latencies": Metric(
            "AWS/ApiGateway", "IntegrationLatency", api, "SampleCount"
        ),
        "greetings": Metric(traffic_names["namespace"], "Greetings", service),
    }


@pytest.fixture(scope="module")
def traffic(
    local_cloud: LocalCloud, outputs: dict[str, dict[str, str]], rest_api: RestApi
) -> Traffic:
    lambda_ = local_cloud.emulator.client("lambda")
    hello = outputs[HELLO_STACK]["FunctionName"]
    hello_config = lambda_.get_function_configuration(FunctionName=hello)
    items = next(
        f
        for f in lambda_.list_functions()["Functions"]
        if f["Handler"] == "items.handler.lambda_handler"
    )
    api_id = rest_api.url.rstrip("/").split("/")[-2]
    api_name = local_cloud.emulator.client("apigateway").get_rest_api(restApiId=api_id)["name"]
    names = {
        "hello": hello,
        "items": items["FunctionName"],
        "api": api_name,
        "service": hello_config["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"],
        "namespace": hello_config["Environment"]["Variables"]["POWERTOOLS_METRICS_NAMESPACE"],
    }
    # GIVEN what earlier tests left, written out
    assert local_cloud.flush_cloudwatch()
    cloudwatch = local_cloud.emulator.client("cloudwatch")
    before = metric_values(cloudwatch, tracked_metrics(names))
    started_ms = int(time.time() * 1000)

    # WHEN the function is invoked directly: twice well, once with a bad event
    request_ids = {}
    for key, name in (("ada", "Ada"), ("grace", "Grace"), ("bad", 42)):
        answer = lambda_.invoke(
            FunctionName=hello, Payload=json.dumps({"name": name}).encode(), LogType="Tail"
        )
        assert ("FunctionError" in answer) == (key == "bad")
        request_ids[key] = lambda_request_id(answer)
    # AND the API is called: with its key, without one, and with an invalid body
    keyed = {"x-api-key": rest_api.key}
    answers = {
        "listed": request("GET", f"{rest_api.url}items", headers=keyed),
        "no_key": request("GET", f"{rest_api.url}items"),
        "invalid": request("POST", f"{rest_api.url}items", json_body={"price": -1}, headers=keyed),
    }
    assert [a.status for a in answers.values()] == [200, 403, 400]
    assert local_cloud.flush_cloudwatch()
    return Traffic(
        started_ms=started_ms,
        hello_function=hello,
        hello_config=hello_config,
        hello_request_ids=request_ids,
        items_function=items["FunctionName"],
        items_config=items,
        api_id=api_id,
        api_name=api_name,
        answers=answers,
        before=before,
        after=metric_values(cloudwatch, tracked_metrics(names)),
    )


def records(events: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    """Lambda's JSON platform records of one type, by request id."""
    found = {}
    for event in events:
        if event["message"].startswith('{"time"'):
            document = json.loads(event["message"])
            if document["type"] == kind:
                found[document["record"]["requestId"]] = document["record"]
    return found


# ---------------------------------------------------------------------------------------
# logs


def test_function_output_and_reports_go_to_its_log_group(
    local_cloud: LocalCloud, traffic: Traffic
) -> None:
    # GIVEN the function's log group, as its LoggingConfig names it (JSON format)
    config = traffic.hello_config["LoggingConfig"]
    assert config["LogFormat"] == "JSON"
    # WHEN its events since the calls are read, as `aws logs tail` reads them
    events = log_events(local_cloud.emulator.client("logs"), config["LogGroup"], traffic.started_ms)
    messages = [event["message"] for event in events]
    # THEN the handler's own log lines are there
    assert any('"greeting":"Hello, Ada!"' in m for m in messages)
    assert any(m.startswith("[ERROR] InvalidGreetingRequest:") for m in messages)
    # AND Lambda's platform.start and platform.report for every invocation, in JSON
    starts = records(events, "platform.start")
    reports = records(events, "platform.report")
    for request_id in traffic.hello_request_ids.values():
        assert starts[request_id]["version"] == "$LATEST"
        metrics = reports[request_id]["metrics"]
        assert metrics["durationMs"] > 0
        assert metrics["billedDurationMs"] >= 1
        assert metrics["memorySizeMB"] == traffic.hello_config["MemorySize"]
        assert metrics["maxMemoryUsedMB"] > 0
    assert reports[traffic.hello_request_ids["ada"]]["status"] == "success"
    failed = reports[traffic.hello_request_ids["bad"]]
    assert (failed["status"], failed["errorType"]) == ("error", "InvalidGreetingRequest")
    # AND every stream is named as Lambda names an execution environment's stream
    assert all(STREAM_NAME.match(event["logStreamName"]) for event in events)


def test_a_stream_reads_start_output_report_in_order(
    local_cloud: LocalCloud, traffic: Traffic
) -> None:
    # GIVEN the stream that holds Ada's invocation
    group = traffic.hello_config["LoggingConfig"]["LogGroup"]
    request_id = traffic.hello_request_ids["ada"]
    stream = next(
        event["logStreamName"]
        for event in log_events(local_cloud.emulator.client("logs"), group, traffic.started_ms)
        if request_id in event["message"]
    )
    # WHEN it is read with get-log-events
    messages = [
        event["message"]
        for event in local_cloud.emulator.client("logs").get_log_events(
            logGroupName=group, logStreamName=stream, startFromHead=True
        )["events"]
    ]
    # THEN the invocation's start, its output and its report come in that order
    start = messages.index(next(m for m in messages if request_id in m and "platform.start" in m))
    greeted = messages.index(next(m for m in messages if request_id in m and "Hello, Ada!" in m))
    report = messages.index(next(m for m in messages if request_id in m and "platform.report" in m))
    assert start < greeted < report


def test_a_function_called_through_the_api_logs_too(
    local_cloud: LocalCloud, traffic: Traffic
) -> None:
    # GIVEN the items function, called once through the API WHEN its log group is read
    group = traffic.items_config["LoggingConfig"]["LogGroup"]
    events = log_events(local_cloud.emulator.client("logs"), group, traffic.started_ms)
    # THEN it holds that invocation's report
    assert len(records(events, "platform.report")) == 1


# ---------------------------------------------------------------------------------------
# metrics


def test_invocations_duration_and_errors_are_recorded(traffic: Traffic) -> None:
    # THEN AWS/Lambda counted the three invocations, the bad event as an error
    assert traffic.delta("hello_invocations") == 3
    assert traffic.delta("hello_errors") == 1
    assert traffic.delta("hello_durations") == 3
    assert traffic.after["hello_max_duration"] > 0
    assert traffic.after["hello_concurrency"] >= 1
    # AND the items function ran once: a request without a key or with an invalid body
    # never reaches it
    assert (traffic.delta("items_invocations"), traffic.delta("items_errors")) == (1, 0)


def test_the_apis_count_errors_and_latency_are_recorded(traffic: Traffic) -> None:
    # THEN AWS/ApiGateway counted the three requests, two of them 4XX, none 5XX
    assert traffic.delta("api_count") == 3
    assert traffic.delta("api_4xx") == 2
    assert traffic.delta("api_5xx") == 0
    assert traffic.delta("api_latencies") == 3
    # AND an integration latency for the one request that reached the function
    assert traffic.delta("api_integration_latencies") == 1


def test_powertools_metrics_become_custom_metrics(traffic: Traffic) -> None:
    # THEN each greeting's embedded-metric line became one Greetings datapoint in the
    # function's namespace, with Powertools' service dimension
    assert traffic.delta("greetings") == 2


# ---------------------------------------------------------------------------------------
# access logs


def test_access_log_lines_follow_the_stages_format(
    local_cloud: LocalCloud, traffic: Traffic, rest_api: RestApi
) -> None:
    # GIVEN the stage's access-log destination and format
    stage = local_cloud.emulator.client("apigateway").get_stage(
        restApiId=traffic.api_id, stageName="v1"
    )
    settings = stage["accessLogSettings"]
    group = settings["destinationArn"].split(":log-group:", 1)[1].removesuffix(":*")
    # WHEN its events since the calls are read
    lines = {}
    for event in log_events(local_cloud.emulator.client("logs"), group, traffic.started_ms):
        line = json.loads(event["message"])
        lines[line["requestId"]] = line
    # THEN each request has one line with the format's fields, filled from the request
    listed, no_key, invalid = (
        lines[traffic.answers[key].headers["x-amzn-RequestId"]]
        for key in ("listed", "no_key", "invalid")
    )
    assert set(listed) == set(json.loads(settings["format"]))
    assert listed["status"] == "200"
    assert listed["httpMethod"] == "GET"
    assert listed["resourcePath"] == "/items"
    assert listed["protocol"] == "HTTP/1.1"
    assert listed["ip"] == "127.0.0.1"
    assert listed["responseLength"] == str(len(traffic.answers["listed"].body))
    assert listed["integrationLatency"].isdigit()
    assert listed["error"] == "-"
    key_id = local_cloud.local_outputs()["RestMicroservice-dev"]["ApiKeyId"]
    assert listed["apiKeyId"] == key_id
    assert re.fullmatch(r"\d{2}/\w{3}/\d{4}:\d{2}:\d{2}:\d{2} \+0000", listed["requestTime"])
    # AND API Gateway's own refusals are logged with their error and no integration
    assert (no_key["status"], no_key["error"], no_key["apiKeyId"]) == ("403", "Forbidden", "-")
    assert no_key["integrationLatency"] == "-"
    assert (invalid["status"], invalid["error"]) == ("400", "Invalid request body")
    assert rest_api.key not in json.dumps(list(lines.values()))


# ---------------------------------------------------------------------------------------
# the real AWS CLI


def aws_clis() -> list[str]:
    """Every AWS CLI on this machine: the first `aws` on PATH (pip's v1 here) and Debian's v2
    (`make test` installs it as root), whose `logs tail` is the command the issue names."""
    found = [shutil.which("aws"), "/usr/bin/aws" if os.access("/usr/bin/aws", os.X_OK) else None]
    return list(dict.fromkeys(os.path.realpath(cli) for cli in found if cli))


def cli_environment(local_cloud: LocalCloud) -> dict[str, str]:
    """The AWS CLI pointed at the emulator, with local credentials."""
    return {
        **os.environ,
        "AWS_ENDPOINT_URL": local_cloud.emulator.endpoint,
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_DEFAULT_REGION": local_cloud.emulator.region,
    }


@pytest.mark.skipif(not aws_clis(), reason="the AWS CLI is not installed")
@pytest.mark.parametrize("cli", aws_clis() or ["aws"])
def test_the_aws_cli_reads_the_functions_logs(
    local_cloud: LocalCloud, traffic: Traffic, cli: str
) -> None:
    # GIVEN the AWS CLI pointed at the emulator
    env = cli_environment(local_cloud)
    group = traffic.hello_config["LoggingConfig"]["LogGroup"]
    version = subprocess.run(
        [cli, "--version"], check=True, env=env, capture_output=True, text=True
    )
    # WHEN it reads the function's log group (`logs tail` is AWS CLI v2's; v1 filters)
    if version.stdout.startswith("aws-cli/2") or version.stderr.startswith("aws-cli/2"):
        command = [cli, "logs", "tail", group, "--since", "1h"]
    else:
        command = [cli, "logs", "filter-log-events", "--log-group-name", group]
    command += ["--endpoint-url", local_cloud.emulator.endpoint]
    shown = subprocess.run(
        command, check=False, env=env, capture_output=True, text=True, timeout=120
    )
    # THEN it shows the invocation's report
    assert shown.returncode == 0, shown.stderr
    assert traffic.hello_request_ids["ada"] in shown.stdout
    assert "platform.report" in shown.stdout


@pytest.mark.skipif(not aws_clis(), reason="the AWS CLI is not installed")
@pytest.mark.parametrize("cli", aws_clis() or ["aws"])
def test_the_aws_cli_reads_the_functions_metrics(
    local_cloud: LocalCloud, traffic: Traffic, cli: str
) -> None:
    # GIVEN the AWS CLI pointed at the emulator, and the module's three direct invocations
    now = datetime.datetime.now(datetime.UTC)
    query = [
        {
            "Id": f"m{index}",
            "MetricStat": {
                "Metric": {
                    "Namespace": "AWS/Lambda",
                    "MetricName": name,
                    "Dimensions": [{"Name": "FunctionName", "Value": traffic.hello_function}],
                },
                "Period": 3600 * 4,
                "Stat": stat,
            },
        }
        for index, (name, stat) in enumerate(
            (("Invocations", "Sum"), ("Errors", "Sum"), ("Duration", "SampleCount"))
        )
    ]
    # WHEN it asks for the hello function's Invocations, Errors and Duration
    shown = subprocess.run(
        [
            cli,
            "cloudwatch",
            "get-metric-data",
            "--output",
            "json",
            "--metric-data-queries",
            json.dumps(query),
            "--start-time",
            (now - datetime.timedelta(hours=3)).isoformat(),
            "--end-time",
            (now + datetime.timedelta(minutes=5)).isoformat(),
            "--endpoint-url",
            local_cloud.emulator.endpoint,
        ],
        check=False,
        env=cli_environment(local_cloud),
        capture_output=True,
        text=True,
        timeout=120,
    )
    # THEN it answers them, the module's calls included (earlier tests may have added more)
    assert shown.returncode == 0, shown.stderr
    values = {r["Id"]: sum(r["Values"]) for r in json.loads(shown.stdout)["MetricDataResults"]}
    assert values["m0"] >= traffic.after["hello_invocations"] >= 3
    assert values["m1"] >= traffic.after["hello_errors"] >= 1
    assert values["m2"] >= traffic.after["hello_durations"] >= 3
