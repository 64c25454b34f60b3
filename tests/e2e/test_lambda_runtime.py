"""The Lambda executor: warm workers, Lambda's error shapes, timeouts, logs, moto's Lambda API.

Each test builds its own small function zips; nothing here needs the deployed assembly.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import importlib.metadata
import io
import json
import os
import sysconfig
import textwrap
import threading
import time
import uuid
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

from localcloud.awslambda.function_spec import LayerCode
from localcloud.awslambda.runtime import FunctionSpec, InvokeResult, LambdaRuntime
from localcloud.emulator import ACCOUNT_ID, Emulator

REGION = "us-east-1"

HANDLERS = {
    "echo.py": """
        import os

        INITS = 0
        INITS += 1  # module-level init: once per worker


        def handler(event, context):
            return {
                "event": event,
                "pid": os.getpid(),
                "inits": INITS,
                "request_id": context.aws_request_id,
                "function_name": context.function_name,
                "memory": context.memory_limit_in_mb,
                "remaining_ms": context.get_remaining_time_in_millis(),
            }
    """,
    "fails.py": """
        class OrderRejected(Exception):
            pass


        def handler(event, context):
            print("attempt", event.get("order"))
            raise OrderRejected("order 42 has no items")
    """,
    "sleeps.py": """
        import os
        import time


        def handler(event, context):
            time.sleep(event.get("sleep_s", 0))
            return {"pid": os.getpid()}
    """,
    "waits.py": """
        import os
        import time


        def handler(event, context):
            if event.get("gate"):  # until the test creates this file (30 s at most)
                print("waiting for the gate", flush=True)
                deadline = time.monotonic() + 30
                while not os.path.exists(event["gate"]) and time.monotonic() < deadline:
                    time.sleep(0.01)
            return {"pid": os.getpid()}
    """,
    "prints.py": """
        import logging
        import sys

        print("cold start")
        logging.getLogger().setLevel(logging.INFO)


        def handler(event, context):
            print("hello from stdout")
            print("hello from stderr", file=sys.stderr)
            logging.info("hello from logging")
            return None
    """,
    "reads_env.py": """
        import os
        import sys


        def handler(event, context):
            return {
                "env": {name: os.environ.get(name) for name in event["names"]},
                "cwd": os.getcwd(),
                "path0": sys.path[0],
            }
    """,
    "orders.py": """
        import os

        import boto3

        table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])


        def handler(event, context):
            table.put_item(Item={"id": event["id"], "total": event["total"]})
            return table.get_item(Key={"id": event["id"]})["Item"]
    """,
    "returns_set.py": """
        def handler(event, context):
            return {1, 2}
    """,
    "imports.py": """
        import importlib
        import sys


        def handler(event, context):
            modules = {name: importlib.import_module(name) for name in event["modules"]}
            return {
                "files": {name: module.__file__ for name, module in modules.items()},
                "path": sys.path,
            }
    """,
    "undeclared.py": """
        import yaml  # in the dev environment, in neither the asset nor a layer


        def handler(event, context):
            return yaml.safe_dump(event)
    """,
}


def zip_code(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, body in files.items():
            archive.writestr(name, textwrap.dedent(body).lstrip())
    return buffer.getvalue()


CODE = zip_code(HANDLERS)


def unique_name(handler: str) -> str:
    """A function name no other test uses (moto's state is shared by the whole process)."""
    module = handler.partition(".")[0]
    return f"{module.replace('_', '-')}-{uuid.uuid4().hex[:6]}"


def spec(handler: str, **overrides: Any) -> FunctionSpec:
    name = overrides.pop("name", unique_name(handler))
    return FunctionSpec(
        name=name,
        arn=f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{name}",
        handler=handler,
        code_zip=overrides.pop("code_zip", CODE),
        timeout_s=overrides.pop("timeout_s", 3.0),
        **overrides,
    )


def wait_for(condition: Callable[[], bool], timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "the condition never held"
        time.sleep(0.01)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A killed worker stays a zombie until reaped; the runtime reaps what it kills.
    return Path(f"/proc/{pid}").exists()


class Logs:
    def __init__(self) -> None:
        self.lines: list[tuple[str, str]] = []

    def __call__(self, function: str, line: str) -> None:
        self.lines.append((function, line))

    def of(self, function: str) -> list[str]:
        return [line for name, line in self.lines if name == function]


@pytest.fixture
def logs() -> Logs:
    return Logs()


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The module's own machine cache: its made-up layers stay out of the real one."""
    return tmp_path_factory.mktemp("cache")


@pytest.fixture
def runtime(
    emulator: Emulator, logs: Logs, tmp_path: Path, cache_dir: Path
) -> Iterator[LambdaRuntime]:
    runtime = LambdaRuntime(
        endpoint=emulator.endpoint,
        region=REGION,
        log=logs,
        workdir=tmp_path,
        async_retry_delays_s=(0.0,),
        cache_dir=cache_dir,
    )
    yield runtime
    runtime.close()


def body(result: InvokeResult) -> Any:
    return json.loads(result.payload)


# ---------------------------------------------------------------------------------------
# direct invocations


def test_payload_round_trip_with_lambda_context(runtime: LambdaRuntime) -> None:
    # GIVEN an echo function with 256 MB and a 60 s timeout
    echo = spec("echo.handler", memory_mb=256, timeout_s=60.0)

    # WHEN it is invoked with a JSON event
    result = runtime.invoke(echo, {"order": 42, "items": ["book"], "note": "ñandú"})

    # THEN the event comes back, with the context Lambda would pass
    answer = body(result)
    assert result.function_error is None
    assert answer["event"] == {"order": 42, "items": ["book"], "note": "ñandú"}
    assert answer["request_id"] == result.request_id
    assert answer["function_name"] == echo.name
    assert answer["memory"] == "256"
    assert 0 < answer["remaining_ms"] <= 60_000
    assert result.cold_start
    assert result.init_duration_ms is not None


def test_warm_invocations_reuse_the_worker(runtime: LambdaRuntime) -> None:
    # GIVEN a function invoked once (the cold start)
    echo = spec("echo.handler")
    first = body(runtime.invoke(echo, {}))

    # WHEN it is invoked again
    second = runtime.invoke(echo, {})

    # THEN the same worker answers, and the module-level init ran once
    assert body(second)["pid"] == first["pid"]
    assert body(second)["inits"] == 1
    assert not second.cold_start
    assert "Init Duration" not in second.log_tail


def test_concurrent_invocation_starts_a_second_worker(
    runtime: LambdaRuntime, logs: Logs, tmp_path: Path
) -> None:
    # GIVEN a function whose first invocation is still running: it waits for a gate
    waits = spec("waits.handler", timeout_s=60.0)
    gate = tmp_path / "gate"
    results: list[InvokeResult] = []
    busy = threading.Thread(
        target=lambda: results.append(runtime.invoke(waits, {"gate": str(gate)}))
    )
    busy.start()
    try:
        wait_for(lambda: "waiting for the gate" in logs.of(waits.name))
        # WHEN a second request arrives meanwhile
        second = runtime.invoke(waits, {})
    finally:
        gate.touch()
        busy.join()

    # THEN a second execution environment answered it
    assert body(second)["pid"] != body(results[0])["pid"]
    assert len(runtime.worker_pids(waits.name)) == 2


def test_unhandled_exception_comes_back_as_lambda_reports_it(runtime: LambdaRuntime) -> None:
    # GIVEN a function that raises
    fails = spec("fails.handler")

    # WHEN it is invoked
    result = runtime.invoke(fails, {"order": 42})

    # THEN Lambda's error document, flagged Unhandled, and the traceback in the log
    error = body(result)
    assert result.function_error == "Unhandled"
    assert error["errorType"] == "OrderRejected"
    assert error["errorMessage"] == "order 42 has no items"
    assert error["requestId"] == result.request_id
    assert any("fails.py" in frame for frame in error["stackTrace"])
    assert "[ERROR] OrderRejected: order 42 has no items" in result.log_tail


def test_handler_that_cannot_be_imported_or_found(runtime: LambdaRuntime) -> None:
    # GIVEN functions whose handler module or function does not exist
    missing_module = spec("shipping.handler")
    missing_function = spec("echo.ship")

    # WHEN they are invoked
    import_error = runtime.invoke(missing_module, {})
    not_found = runtime.invoke(missing_function, {})

    # THEN Lambda's init error shapes
    assert import_error.function_error == "Unhandled"
    assert body(import_error) == {
        "errorMessage": "Unable to import module 'shipping': No module named 'shipping'",
        "errorType": "Runtime.ImportModuleError",
        "requestId": "",
        "stackTrace": [],
    }
    assert not_found.function_error == "Unhandled"
    assert body(not_found)["errorType"] == "Runtime.HandlerNotFound"
    assert body(not_found)["errorMessage"] == "Handler 'ship' missing on module 'echo'"


def test_result_that_is_not_json(runtime: LambdaRuntime) -> None:
    # GIVEN a function that returns a set
    # WHEN it is invoked
    result = runtime.invoke(spec("returns_set.handler"), {})

    # THEN Lambda's marshalling error
    assert result.function_error == "Unhandled"
    assert body(result)["errorType"] == "Runtime.MarshalError"
    assert body(result)["errorMessage"].startswith("Unable to marshal response: Object of type set")


def test_timeout_kills_the_worker_and_the_next_invocation_recovers(
    runtime: LambdaRuntime,
) -> None:
    # GIVEN a function with a 1 s timeout, warm
    sleeps = spec("sleeps.handler", timeout_s=1.0)
    warm_pid = body(runtime.invoke(sleeps, {}))["pid"]

    # WHEN an invocation runs past the timeout
    timed_out = runtime.invoke(sleeps, {"sleep_s": 30})

    # THEN Lambda's timeout error, and that worker is gone
    assert timed_out.function_error == "Unhandled"
    message = f"RequestId: {timed_out.request_id} Error: Task timed out after 1.00 seconds"
    assert body(timed_out) == {"errorType": "Sandbox.Timedout", "errorMessage": message}
    assert f"{timed_out.request_id} Task timed out after 1.00 seconds" in timed_out.log_tail
    assert timed_out.duration_ms >= 1000
    assert not pid_alive(warm_pid)

    # AND the next invocation gets a fresh worker
    recovered = runtime.invoke(sleeps, {})
    assert recovered.function_error is None
    assert recovered.cold_start
    assert body(recovered)["pid"] != warm_pid


def test_function_output_streams_to_the_log_prefixed_by_name(
    emulator: Emulator, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a runtime with the default log sink and a function that prints
    prints = spec("prints.handler", name="greeter")
    with LambdaRuntime(endpoint=emulator.endpoint, region=REGION, workdir=tmp_path) as runtime:
        # WHEN it is invoked
        result = runtime.invoke(prints, {})

    # THEN every line, stdout, stderr and logging alike, reaches stderr with the name in front
    err = capfd.readouterr().err.splitlines()
    assert "[greeter] cold start" in err
    assert "[greeter] hello from stdout" in err
    assert "[greeter] hello from stderr" in err
    assert any(
        line.startswith("[greeter] [INFO]\t") and "hello from logging" in line for line in err
    )
    # AND the log tail is Lambda's: START, the output, END, REPORT
    tail = result.log_tail.splitlines()
    assert tail[0] == "cold start"
    assert tail[1] == f"START RequestId: {result.request_id} Version: $LATEST"
    assert tail[2:4] == ["hello from stdout", "hello from stderr"]
    assert tail[-2] == f"END RequestId: {result.request_id}"
    assert tail[-1].startswith(f"REPORT RequestId: {result.request_id}\tDuration: ")


def test_environment_is_the_functions_not_the_callers(
    runtime: LambdaRuntime, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN real-looking credentials in the caller's environment
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAREALKEY")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "real-session")
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    reads_env = spec("reads_env.handler", environment={"TABLE_NAME": "orders"}, memory_mb=512)
    names = [
        "TABLE_NAME",
        "AWS_ENDPOINT_URL",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_LOG_GROUP_NAME",
        "LAMBDA_TASK_ROOT",
        "_HANDLER",
        "PYTHONDONTWRITEBYTECODE",
    ]

    # WHEN the function reads its environment
    answer = body(runtime.invoke(reads_env, {"names": names}))

    # THEN it sees its own variables, Lambda's, the emulator, fake credentials and nothing else
    env = answer["env"]
    assert env["TABLE_NAME"] == "orders"
    assert env["AWS_ENDPOINT_URL"] == emulator.endpoint
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == REGION
    assert env["AWS_ACCESS_KEY_ID"] == env["AWS_SECRET_ACCESS_KEY"] == "local"
    assert env["AWS_SESSION_TOKEN"] is None
    assert env["PYTHONDONTWRITEBYTECODE"] is None
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == reads_env.name
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "512"
    assert env["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
    assert env["AWS_LAMBDA_LOG_GROUP_NAME"] == f"/aws/lambda/{reads_env.name}"
    assert env["_HANDLER"] == "reads_env.handler"
    # AND its code is the working directory and first on the import path, as in /var/task
    assert env["LAMBDA_TASK_ROOT"] == answer["cwd"] == answer["path0"]


def test_each_code_zip_is_extracted_once(runtime: LambdaRuntime, tmp_path: Path) -> None:
    # GIVEN two functions deployed from the same zip
    first, second = spec("reads_env.handler"), spec("reads_env.handler")

    # WHEN both run
    roots = {
        body(runtime.invoke(function, {"names": ["LAMBDA_TASK_ROOT"]}))["env"]["LAMBDA_TASK_ROOT"]
        for function in (first, second)
    }

    # THEN they share one extracted copy
    assert len(roots) == 1
    assert [p.name for p in (tmp_path / "code").iterdir()] == [Path(roots.pop()).name]


def test_new_configuration_gets_a_new_worker(runtime: LambdaRuntime) -> None:
    # GIVEN a warm function
    reads_env = spec("reads_env.handler", environment={"STAGE": "dev"})
    runtime.invoke(reads_env, {"names": []})
    [old_pid] = runtime.worker_pids(reads_env.name)

    # WHEN its environment changes (update-function-configuration)
    changed = dataclasses.replace(reads_env, environment={"STAGE": "prod"})
    answer = body(runtime.invoke(changed, {"names": ["STAGE"]}))

    # THEN the new environment runs in a new worker, and the old one is stopped
    assert answer["env"]["STAGE"] == "prod"
    assert runtime.worker_pids(reads_env.name) != [old_pid]
    assert not pid_alive(old_pid)


# ---------------------------------------------------------------------------------------
# what a handler can import: its code, its layers, the runtime's SDK


def layer(files: dict[str, str], sha: str | None = None) -> LayerCode:
    code = zip_code(files)
    return LayerCode(
        arn=f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:layer:deps:1",
        code_zip=code,
        code_sha=sha or hashlib.sha256(code).hexdigest(),
    )


def dist_info(name: str, version: str, tag: str) -> dict[str, str]:
    """The metadata pip writes for an installed wheel (the parts that matter here)."""
    folder = f"python/{name}-{version}.dist-info"
    return {
        f"{folder}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        f"{folder}/WHEEL": f"Wheel-Version: 1.0\nRoot-Is-Purelib: false\nTag: {tag}\n",
    }


def test_a_dependency_in_neither_the_asset_nor_a_layer_fails_to_import(
    runtime: LambdaRuntime,
) -> None:
    # GIVEN a handler importing yaml, which the dev environment has but the function does not
    undeclared = spec("undeclared.handler")
    # WHEN it is invoked
    result = runtime.invoke(undeclared, {"a": 1})
    # THEN the init fails as in Lambda, instead of finding the dev environment's copy
    assert result.function_error == "Unhandled"
    assert body(result) == {
        "errorMessage": "Unable to import module 'undeclared': No module named 'yaml'",
        "errorType": "Runtime.ImportModuleError",
        "requestId": "",
        "stackTrace": [],
    }


def test_the_import_path_is_the_code_the_layers_and_the_runtime_sdk(
    runtime: LambdaRuntime,
) -> None:
    # GIVEN a function with two layers: a package in python/, a module in the runtime's
    # python/lib/<runtime>/site-packages
    greetings = layer(
        {
            "python/greetings/__init__.py": "WORD = 'hola'\n",
            **dist_info("greetings", "1.0", "py3-none-any"),
        }
    )
    farewells = layer({"python/lib/python3.14/site-packages/farewells.py": "WORD = 'adios'\n"})
    imports = spec("imports.handler", runtime="python3.14", layers=(greetings, farewells))
    # WHEN it imports from each, and boto3
    result = runtime.invoke(imports, {"modules": ["greetings", "farewells", "boto3", "imports"]})
    # THEN each comes from where Lambda would find it: code, then layers in order, then the
    # runtime's SDK; nothing from the dev environment's site-packages
    assert result.function_error is None, result.payload
    answer = body(result)
    files, path = answer["files"], answer["path"]
    folder_of = {name: next(p for p in path if files[name].startswith(p + "/")) for name in files}
    order = [path.index(folder_of[name]) for name in ("imports", "greetings", "farewells", "boto3")]
    assert order == sorted(order)
    assert Path(folder_of["greetings"]).name == "python"
    assert folder_of["farewells"].endswith("python/lib/python3.14/site-packages")
    assert Path(folder_of["boto3"]).parent.name == "runtime-sdk"
    dev_environment = sysconfig.get_paths()["purelib"]
    assert [p for p in path if p.startswith(dev_environment)] == []


def test_compiled_layer_packages_load_as_host_builds(
    emulator: Emulator, tmp_path: Path, logs: Logs
) -> None:
    # GIVEN a layer built for Lambda's platform: PyYAML for arm64 and Python 3.14, whose
    # compiled code cannot load on this host (its stand-in fails to import)
    version = importlib.metadata.version("PyYAML")
    arm64_build = layer(
        {
            "python/yaml/__init__.py": "raise ImportError('built for aarch64')\n",
            **dist_info("PyYAML", version, "cp314-cp314-manylinux_2_28_aarch64"),
        }
    )
    undeclared = spec("undeclared.handler", runtime="python3.14", layers=(arm64_build,))
    cache = tmp_path / "cache"
    with LambdaRuntime(
        endpoint=emulator.endpoint,
        region=REGION,
        log=logs,
        workdir=tmp_path / "work",
        cache_dir=cache,
    ) as runtime:
        # WHEN the function imports it
        result = runtime.invoke(undeclared, {"a": 1})
    # THEN the same version, built for this host, was installed once into the cache and
    # loaded ahead of the layer's copy
    assert result.function_error is None, result.payload
    assert body(result) == "a: 1\n"
    [installed] = list((cache / "host-packages").iterdir())
    assert [p.name.lower() for p in installed.glob("*.dist-info")] == [
        f"pyyaml-{version}.dist-info"
    ]


def test_handler_calls_dynamodb_in_the_emulator(runtime: LambdaRuntime, emulator: Emulator) -> None:
    # GIVEN a table in the emulator and a function that writes to it with a module-level client
    table = f"orders-{uuid.uuid4().hex[:6]}"
    emulator.client("dynamodb").create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    orders = spec("orders.handler", environment={"TABLE_NAME": table})

    # WHEN it is invoked
    result = runtime.invoke(orders, {"id": "o-1", "total": 42})

    # THEN it read back its item (the Decimal marshalled as a number) and the item is there
    assert result.function_error is None, result.payload
    assert body(result) == {"id": "o-1", "total": 42.0}
    item = emulator.client("dynamodb").get_item(TableName=table, Key={"id": {"S": "o-1"}})
    assert item["Item"]["total"] == {"N": "42"}


def test_failed_event_invocation_is_retried_then_sent_to_the_dead_letter_queue(
    runtime: LambdaRuntime, emulator: Emulator, logs: Logs
) -> None:
    # GIVEN a failing function with a dead-letter queue
    sqs = emulator.client("sqs")
    queue_url = sqs.create_queue(QueueName=f"failed-orders-{uuid.uuid4().hex[:6]}")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    fails = spec("fails.handler", dead_letter_arn=queue_arn)

    # WHEN it is invoked asynchronously
    accepted = runtime.invoke(fails, {"order": 42}, "Event")

    # THEN the call returns at once with nothing
    assert accepted.payload == b""
    assert accepted.function_error is None
    # AND the function ran three times (two retries), then the event went to the queue
    assert runtime.join_async(timeout_s=10)
    assert logs.of(fails.name).count("attempt 42") == 3
    [message] = sqs.receive_message(
        QueueUrl=queue_url, MessageAttributeNames=["All"], WaitTimeSeconds=0
    )["Messages"]
    assert json.loads(message["Body"]) == {"order": 42}
    attributes = {k: v["StringValue"] for k, v in message["MessageAttributes"].items()}
    assert attributes == {
        "RequestID": accepted.request_id,
        "ErrorCode": "200",
        "ErrorMessage": "order 42 has no items",
    }


def test_close_stops_every_worker(emulator: Emulator, tmp_path: Path) -> None:
    # GIVEN a runtime with warm workers
    runtime = LambdaRuntime(
        endpoint=emulator.endpoint, region=REGION, log=Logs(), workdir=tmp_path / "work"
    )
    echo = spec("echo.handler")
    runtime.invoke(echo, {})
    pids = runtime.worker_pids(echo.name)

    # WHEN it closes
    runtime.close()

    # THEN no worker is left
    assert pids
    assert not any(pid_alive(pid) for pid in pids)


# ---------------------------------------------------------------------------------------
# through moto's Lambda API, as `aws lambda invoke` does


@pytest.fixture(scope="module")
def role_arn(emulator: Emulator) -> str:
    # moto's CreateFunction checks that the role exists.
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    role = emulator.client("iam").create_role(
        RoleName=f"lambda-runtime-test-{uuid.uuid4().hex[:6]}",
        AssumeRolePolicyDocument=json.dumps(trust),
    )
    return str(role["Role"]["Arn"])


@pytest.fixture
def lambda_client(emulator: Emulator, runtime: LambdaRuntime, role_arn: str) -> Iterator[Any]:
    runtime.install()
    client = boto3.client(
        "lambda",
        endpoint_url=emulator.endpoint,
        region_name=REGION,
        aws_access_key_id="local",
        aws_secret_access_key="local",
        config=Config(retries={"max_attempts": 1}),
    )
    client.role_arn = role_arn  # for create_function below
    yield client
    runtime.close()


def create_function(client: Any, handler: str) -> str:
    name = unique_name(handler)
    client.create_function(
        FunctionName=name,
        Runtime="python3.11",
        Role=client.role_arn,
        Handler=handler,
        Code={"ZipFile": CODE},
        Timeout=3,
    )
    return name


def test_invoke_api_runs_the_real_code(lambda_client: Any) -> None:
    # GIVEN a function created through the Lambda API
    name = create_function(lambda_client, "echo.handler")

    # WHEN it is invoked with the log tail requested
    response = lambda_client.invoke(FunctionName=name, Payload=b'{"order": 42}', LogType="Tail")

    # THEN the handler's real answer, and Lambda's log tail
    answer = json.loads(response["Payload"].read())
    assert response["StatusCode"] == 200
    assert "FunctionError" not in response
    assert answer["event"] == {"order": 42}
    assert answer["function_name"] == name
    assert "START RequestId: " in base64.b64decode(response["LogResult"]).decode()


def test_invoke_api_reports_function_errors(lambda_client: Any) -> None:
    # GIVEN a function that raises
    name = create_function(lambda_client, "fails.handler")

    # WHEN it is invoked
    response = lambda_client.invoke(FunctionName=name, Payload=b"{}")

    # THEN the FunctionError header and Lambda's error document
    assert response["FunctionError"] == "Unhandled"
    error = json.loads(response["Payload"].read())
    assert error["errorType"] == "OrderRejected"
    assert error["errorMessage"] == "order 42 has no items"


def test_event_invocation_is_accepted_and_runs_in_the_background(
    lambda_client: Any, runtime: LambdaRuntime, logs: Logs
) -> None:
    # GIVEN a function that prints
    name = create_function(lambda_client, "prints.handler")

    # WHEN it is invoked asynchronously
    response = lambda_client.invoke(FunctionName=name, InvocationType="Event", Payload=b"{}")

    # THEN 202 with an empty body, and the function runs anyway
    assert response["StatusCode"] == 202
    assert response["Payload"].read() == b""
    assert runtime.join_async(timeout_s=10)
    assert "hello from stdout" in logs.of(name)


def test_invoke_function_by_name_skips_http(lambda_client: Any, runtime: LambdaRuntime) -> None:
    # GIVEN a function created through the Lambda API
    name = create_function(lambda_client, "echo.handler")

    # WHEN the runtime invokes it directly, by name and by ARN
    by_name = runtime.invoke_function(name, {"via": "name"})
    arn = lambda_client.get_function(FunctionName=name)["Configuration"]["FunctionArn"]
    by_arn = runtime.invoke_function(arn, {"via": "arn"})

    # THEN both run the same warm worker
    assert body(by_name)["event"] == {"via": "name"}
    assert body(by_arn)["pid"] == body(by_name)["pid"]
    with pytest.raises(LookupError):
        runtime.invoke_function("no-such-function", {})
