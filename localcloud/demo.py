"""``make demo``: start the local cloud, exercise every deployed architecture once with real
requests, say what happened, and exit 0 only if everything behaved."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .__main__ import PROJECT, api_key_values
from .cloud import LocalCloud
from .synth import synthesize


@dataclass
class Http:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def http(method: str, url: str, body: Any = None, headers: dict[str, str] | None = None) -> Http:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return Http(response.status, dict(response.headers), response.read())
    except urllib.error.HTTPError as error:
        return Http(error.code, dict(error.headers), error.read())


@dataclass
class Report:
    failures: list[str] = field(default_factory=list)

    def section(self, title: str) -> None:
        print(f"\n== {title}")

    def check(self, what: str, ok: bool, detail: str = "") -> None:
        print(f"  {'ok ' if ok else 'FAIL'} {what}" + (f": {detail}" if detail else ""))
        if not ok:
            self.failures.append(what)


def _outputs_with(outputs: dict[str, dict[str, str]], *keys: str) -> dict[str, str] | None:
    return next((o for o in outputs.values() if all(k in o for k in keys)), None)


def demo_hello_world(cloud: LocalCloud, outputs: dict[str, dict[str, str]], report: Report) -> None:
    stack = _outputs_with(outputs, "FunctionName")
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


def _said(response: Http) -> str:
    return f"{response.status} {response.body.decode(errors='replace')[:160]}"


def demo_rest_microservice(
    cloud: LocalCloud, outputs: dict[str, dict[str, str]], report: Report
) -> None:
    stack = _outputs_with(outputs, "ApiUrl", "ApiKeyId", "TableName", "UiUrl")
    if stack is None:
        return
    report.section("REST microservice: API Gateway -> Lambda -> DynamoDB, and its UI")
    api, ui = stack["ApiUrl"], stack["UiUrl"]
    key = {"x-api-key": api_key_values(cloud)[stack["ApiKeyId"]]}

    refused = http("POST", f"{api}items", {"name": "Lamp"})
    report.check("POST /items without an API key is refused", refused.status == 403, _said(refused))
    created = http("POST", f"{api}items", {"name": "Lamp", "price": 25}, key)
    report.check("POST /items creates an item", created.status == 201, _said(created))
    if created.status != 201:
        return
    item = f"{api}items/{created.json()['id']}"
    invalid = http("POST", f"{api}items", {"name": ""}, key)
    report.check("a bad body is a 400 naming the field", invalid.status == 400, _said(invalid))
    read = http("GET", item, headers=key)
    report.check("GET /items/{id} reads it back", read.status == 200, _said(read))
    updated = http("PUT", item, {"name": "Desk lamp", "price": 30, "version": 1}, key)
    report.check(
        "PUT with the current version updates it",
        updated.status == 200 and updated.json()["version"] == 2,
        _said(updated),
    )
    stale = http("PUT", item, {"name": "Old lamp", "version": 1}, key)
    report.check("PUT with a stale version is a conflict", stale.status == 409, _said(stale))
    listed = http("GET", f"{api}items?limit=10", headers=key)
    names = (
        [entry["name"] for entry in listed.json().get("items", [])] if listed.status == 200 else []
    )
    report.check("GET /items lists it", "Desk lamp" in names, f"{listed.status} {names}")
    count = cloud.emulator.client("dynamodb").scan(TableName=stack["TableName"])["Count"]
    report.check("boto3 sees it in DynamoDB", count >= 1, f"{count} item(s) in the table")
    deleted = http("DELETE", item, headers=key)
    report.check("DELETE /items/{id} removes it", deleted.status == 204, _said(deleted))
    gone = http("GET", item, headers=key)
    report.check("GET after DELETE is 404", gone.status == 404, _said(gone))

    page = http("GET", ui)
    csp = page.headers.get("Content-Security-Policy", "")
    report.check(
        "the UI is served with its security headers",
        page.status == 200 and "default-src 'none'" in csp,
        f"{page.status} {ui}",
    )
    config = http("GET", f"{ui}config.json")
    report.check(
        "the UI's config.json points at the local API",
        config.status == 200 and config.json().get("apiUrl") == api,
        _said(config),
    )


DEMOS = (demo_hello_world, demo_rest_microservice)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m localcloud.demo", description=__doc__)
    parser.add_argument("--port", type=int, default=4576)
    parser.add_argument("--http-port", type=int, default=4577)
    args = parser.parse_args(argv)
    report = Report()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="cdk.out.demo.") as scratch:
        print("Synthesizing and starting the local cloud ...", flush=True)
        synthesize(PROJECT, Path(scratch))
        local = LocalCloud(
            Path(scratch),
            port=args.port,
            http_port=args.http_port,
            progress=lambda message: print(f"  ... {message}", flush=True),
            # The demo says what happened itself; function logs stay out of the way.
            function_log=lambda function, line: None,
        )
        with local as cloud:
            outputs = cloud.local_outputs()
            print(f"ready in {time.perf_counter() - started:.1f} s")
            for demo in DEMOS:
                try:
                    demo(cloud, outputs, report)
                except Exception as error:  # report it and go on with the next architecture
                    report.check(demo.__name__, False, f"{type(error).__name__}: {error}")
    if report.failures:
        print(f"\n{len(report.failures)} check(s) failed: {', '.join(report.failures)}")
        return 1
    print("\nEvery architecture behaved as designed.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
