"""Latency of the local cloud: ``GET /items/{id}`` through the local API Gateway, Lambda and
DynamoDB, and how long ``make local`` takes to be ready (set-up already done).

Prints the cold request (median of the first one and ``COLD_STARTS`` more, each after an
``UpdateFunctionConfiguration`` that gives the function new execution environments, as in
Lambda), warm p50/p99 over ``REQUESTS`` keep-alive requests, and the median start-up of
``python -m localcloud`` (until local-outputs.json appears) over ``STARTS`` runs. Last line:
``cold_ms=... p50_ms=... p99_ms=... startup_s=...``.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._measure import free_port, silent_cloud
from localcloud.__main__ import api_key_values
from localcloud.cloud import LocalCloud
from localcloud.synth import synthesize

REPO = Path(__file__).resolve().parents[1]
REQUESTS = int(os.environ.get("REQUESTS", "1000"))
STARTS = int(os.environ.get("STARTS", "3"))
COLD_STARTS = int(os.environ.get("COLD_STARTS", "5"))


def measure_requests(scratch: Path) -> tuple[float, float, float]:
    synthesize(REPO, scratch)
    with silent_cloud(scratch) as cloud:
        return get_latencies(cloud)


def get_latencies(
    cloud: LocalCloud, requests: int = REQUESTS, cold_starts: int = COLD_STARTS
) -> tuple[float, float, float]:
    """The cold ``GET /items/{id}`` (the median of the first request and ``cold_starts`` more,
    each in new execution environments after an ``UpdateFunctionConfiguration``) and the warm
    p50 and p99 of ``requests`` more, in ms, over one keep-alive connection."""
    outputs = next(o for o in cloud.local_outputs().values() if "ApiUrl" in o)
    key = api_key_values(cloud)[outputs["ApiKeyId"]]
    # Written straight to DynamoDB: the first API request is then the cold start.
    item_id = str(uuid.uuid4())
    cloud.emulator.client("dynamodb").put_item(
        TableName=outputs["TableName"],
        Item={
            "id": {"S": item_id}, "name": {"S": "Lamp"}, "tags": {"L": []},
            "version": {"N": "1"}, "createdAt": {"S": "2026-01-01T00:00:00.000Z"},
            "updatedAt": {"S": "2026-01-01T00:00:00.000Z"},
        },
    )  # fmt: skip
    url = urllib.parse.urlsplit(f"{outputs['ApiUrl']}items/{item_id}")
    connection = http.client.HTTPConnection(url.hostname or "localhost", url.port)

    def get() -> float:
        start = time.perf_counter()
        connection.request("GET", url.path, headers={"x-api-key": key})
        response = connection.getresponse()
        response.read()
        assert response.status == 200, response.status
        return (time.perf_counter() - start) * 1000

    colds = [get()]
    samples = sorted(get() for _ in range(requests))
    lambda_client = cloud.emulator.client("lambda")
    [function] = [
        f["FunctionName"]
        for f in lambda_client.list_functions()["Functions"]
        if f["Handler"] == "items.handler.lambda_handler"
    ]
    for round_ in range(cold_starts):
        variables = lambda_client.get_function_configuration(FunctionName=function)["Environment"][
            "Variables"
        ]
        lambda_client.update_function_configuration(
            FunctionName=function,
            Environment={"Variables": {**variables, "BENCH_ROUND": str(round_)}},
        )
        colds.append(get())
    connection.close()
    p50 = statistics.median(samples)
    p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))]
    return statistics.median(colds), p50, p99


def measure_startup(scratch: Path) -> float:
    outputs = scratch / "local-outputs.json"
    outputs.unlink(missing_ok=True)
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "localcloud", "--port", str(free_port()),
         "--http-port", str(free_port()),
         "--cdk-out", str(scratch / "cdk.out"), "--outputs-file", str(outputs)],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        while not outputs.exists():
            if process.poll() is not None:
                raise RuntimeError("python -m localcloud exited before it was ready")
            time.sleep(0.05)
        return time.perf_counter() - start
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        cold, p50, p99 = measure_requests(Path(scratch) / "requests")
        startups = [measure_startup(Path(scratch)) for _ in range(STARTS)]
    startup = statistics.median(startups)
    print(
        f"GET /items/{{id}} through the local API: cold {cold:.1f} ms (median of {COLD_STARTS + 1})"
    )
    print(f"warm over {REQUESTS} keep-alive requests: p50 {p50:.2f} ms, p99 {p99:.2f} ms")
    print(f"make local ready (synth + deploy + serve), median of {STARTS}: {startup:.1f} s")
    print(json.dumps({"startups_s": [round(s, 2) for s in startups]}))
    print(f"cold_ms={cold:.0f} p50_ms={p50:.2f} p99_ms={p99:.2f} startup_s={startup:.1f}")


if __name__ == "__main__":
    main()
