"""Hello World's demo step: the seed's tutorial function, invoked as ``aws lambda invoke`` does."""

from __future__ import annotations

import json

from localcloud.cloud import LocalCloud

from .checks import Report, outputs_with


def run(cloud: LocalCloud, outputs: dict[str, dict[str, str]], report: Report) -> None:
    stack = outputs_with(outputs, "FunctionName")
    if stack is None:
        return
    report.section("Hello World: the seed's tutorial function, invoked like `aws lambda invoke`")
    client = cloud.emulator.client("lambda")
    answer = client.invoke(FunctionName=stack["FunctionName"], Payload=b'{"name": "Ada"}')
    payload = json.loads(answer["Payload"].read())
    report.check("invoke with {'name': 'Ada'}", payload == {"message": "Hello, Ada!"}, str(payload))
    answer = client.invoke(FunctionName=stack["FunctionName"], Payload=b'{"name": 42}')
    error = json.loads(answer["Payload"].read())
    report.check(
        "a bad event comes back as a function error",
        answer.get("FunctionError") == "Unhandled" and "name must be" in error["errorMessage"],
        f"{error.get('errorType')}: {error.get('errorMessage')}",
    )
