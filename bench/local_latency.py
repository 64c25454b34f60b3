"""Latency of the local cloud: ``GET /items/{id}`` through the local API Gateway, Lambda and
DynamoDB, how long ``make local`` takes to be ready (set-up already done), and how long watch
mode takes to reload a change.

Prints the cold request (median of the first one and ``COLD_STARTS`` more, each after an
``UpdateFunctionConfiguration`` that gives the function new execution environments, as in
Lambda), warm p50/p99 over ``REQUESTS`` keep-alive requests, the median start-up of
``python -m localcloud`` (until local-outputs.json appears) over ``STARTS`` runs, and, on a
scratch copy of the project watched as ``make local`` watches it, the median over ``RELOADS``
edits of: a handler edit until an invocation answers with the new code (``reload_code_ms``:
detection, hot swap, the new worker's cold start) and a stack edit until the stack is updated
(``reload_stack_s``: detection, synthesis, change set). Last line: ``cold_ms=... p50_ms=...
p99_ms=... startup_s=... reload_code_ms=... reload_stack_s=...``.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
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
from localcloud.__main__ import CODE_DIRS, STACK_PATHS, api_key_values
from localcloud.cloud import LocalCloud
from localcloud.synth import synthesize
from localcloud.watch import Watcher

REPO = Path(__file__).resolve().parents[1]
REQUESTS = int(os.environ.get("REQUESTS", "1000"))
STARTS = int(os.environ.get("STARTS", "3"))
COLD_STARTS = int(os.environ.get("COLD_STARTS", "5"))
RELOADS = int(os.environ.get("RELOADS", "3"))
# What the reload measurements edit in the scratch copy (each toggles between the two texts).
HANDLER_EDIT = (
    "lambdas/hello_world/handler.py",
    'f"Hello, {name.strip()}!"',
    'f"Hi, {name.strip()}!"',
)
STACK_EDIT = (
    "stacks/__init__.py",
    "Hello World tutorial function",
    "Hello World tutorial (edited)",
)


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


def _project_copy(target: Path) -> Path:
    """The project's app, stacks, handlers and site, to edit without touching the checkout;
    its virtualenv and bundling cache are the checkout's."""
    target.mkdir(parents=True)
    for name in ("app.py", "cdk.json", "stacks", "lambdas", "web"):
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, target / name)
    for name in (".venv", ".cache"):
        (target / name).symlink_to(REPO / name)
    return target


def _toggle(project: Path, edit: tuple[str, str, str], round_: int) -> None:
    path = project / edit[0]
    old, new = (edit[1], edit[2]) if round_ % 2 == 0 else (edit[2], edit[1])
    text = path.read_text()
    if old not in text:
        raise RuntimeError(f"{path} no longer holds {old!r}: update HANDLER_EDIT/STACK_EDIT")
    path.write_text(text.replace(old, new))


def measure_reloads(scratch: Path) -> tuple[list[float], list[float]]:
    """Watch mode on a copy of the project: handler edits (ms) and stack edits (s)."""
    project = _project_copy(scratch / "project")
    synthesize(project, project / "cdk.out")
    reports: list[str] = []
    with silent_cloud(project / "cdk.out") as cloud:
        watcher = Watcher(
            cloud.deployer,
            project=project,
            code_dirs=[project / name for name in CODE_DIRS],
            stack_paths=[project / name for name in STACK_PATHS],
            report=reports.append,
        ).start()
        function = cloud.outputs["HelloWorld-dev"]["FunctionName"]
        lambda_client = cloud.emulator.client("lambda")

        def greeting() -> str:
            answer = lambda_client.invoke(FunctionName=function, Payload=b'{"name": "Ada"}')
            return str(json.loads(answer["Payload"].read())["message"])

        code_ms: list[float] = []
        for round_ in range(RELOADS):
            expected = "Hi, Ada!" if round_ % 2 == 0 else "Hello, Ada!"
            greeting()  # warm
            _toggle(project, HANDLER_EDIT, round_)
            started = time.perf_counter()
            while greeting() != expected:
                pass
            code_ms.append((time.perf_counter() - started) * 1000)
        stack_s: list[float] = []
        for round_ in range(RELOADS):
            done = len(reports)
            _toggle(project, STACK_EDIT, round_)
            started = time.perf_counter()
            while not any("updated stack HelloWorld-dev" in line for line in reports[done:]):
                if any("not updated" in line or "failed" in line for line in reports[done:]):
                    raise RuntimeError("\n".join(reports[done:]))
                time.sleep(0.01)
            stack_s.append(time.perf_counter() - started)
        watcher.stop()
    return code_ms, stack_s


def reloads_in_a_new_process() -> tuple[list[float], list[float]]:
    """moto's state is per process, and the latency run's stacks are in this one's."""
    done = subprocess.run(
        [sys.executable, __file__, "--reloads"], check=True, capture_output=True, text=True
    )
    measured = json.loads(done.stdout.splitlines()[-1])
    return measured["code_ms"], measured["stack_s"]


def main() -> None:
    if sys.argv[1:] == ["--reloads"]:
        with tempfile.TemporaryDirectory() as scratch:
            code_ms, stack_s = measure_reloads(Path(scratch))
        print(json.dumps({"code_ms": code_ms, "stack_s": stack_s}))
        return
    with tempfile.TemporaryDirectory() as scratch:
        cold, p50, p99 = measure_requests(Path(scratch) / "requests")
        startups = [measure_startup(Path(scratch)) for _ in range(STARTS)]
    code_ms, stack_s = reloads_in_a_new_process()
    startup = statistics.median(startups)
    reload_code, reload_stack = statistics.median(code_ms), statistics.median(stack_s)
    print(
        f"GET /items/{{id}} through the local API: cold {cold:.1f} ms (median of {COLD_STARTS + 1})"
    )
    print(f"warm over {REQUESTS} keep-alive requests: p50 {p50:.2f} ms, p99 {p99:.2f} ms")
    print(f"make local ready (synth + deploy + serve), median of {STARTS}: {startup:.1f} s")
    print(f"watch mode, median of {RELOADS}: handler edit to new answer {reload_code:.0f} ms,")
    print(f"  stack edit to updated stack {reload_stack:.1f} s")
    print(
        json.dumps(
            {
                "startups_s": [round(s, 2) for s in startups],
                "reload_code_ms": [round(ms) for ms in code_ms],
                "reload_stack_s": [round(s, 2) for s in stack_s],
            }
        )
    )
    print(
        f"cold_ms={cold:.0f} p50_ms={p50:.2f} p99_ms={p99:.2f} startup_s={startup:.1f}"
        f" reload_code_ms={reload_code:.0f} reload_stack_s={reload_stack:.1f}"
    )


if __name__ == "__main__":
    main()
