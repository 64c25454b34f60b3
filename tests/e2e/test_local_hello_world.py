"""Hello World, invoked through the emulator's Lambda API as `aws lambda invoke` would."""

from __future__ import annotations

import json

from localcloud.cloud import LocalCloud

from .conftest import FunctionLogs


def test_invoke_returns_the_real_greeting(
    local_cloud: LocalCloud, outputs: dict[str, dict[str, str]], function_logs: FunctionLogs
) -> None:
    # GIVEN the deployed function WHEN it is invoked with the saved test event's shape
    name = outputs["HelloWorld-dev"]["FunctionName"]
    answer = local_cloud.emulator.client("lambda").invoke(
        FunctionName=name, Payload=json.dumps({"name": "Ada"}).encode()
    )
    # THEN the real handler answered, and its log line reached the console sink
    assert json.loads(answer["Payload"].read()) == {"message": "Hello, Ada!"}
    assert "FunctionError" not in answer
    assert any("greeted" in line for _, line in function_logs.lines)


def test_a_bad_event_comes_back_as_a_function_error(
    local_cloud: LocalCloud, outputs: dict[str, dict[str, str]]
) -> None:
    answer = local_cloud.emulator.client("lambda").invoke(
        FunctionName=outputs["HelloWorld-dev"]["FunctionName"], Payload=b'{"name": 42}'
    )
    error = json.loads(answer["Payload"].read())
    assert answer["FunctionError"] == "Unhandled"
    assert error["errorType"] == "InvalidGreetingRequest"
    assert "name must be a string" in error["errorMessage"]
