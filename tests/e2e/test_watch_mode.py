"""Watch mode (``localcloud/watch.py``) on a running local cloud: a handler change reaches the
function's next invocation without synthesis, a stack change updates the stack in place and
keeps its data. On the small greeter app (``greeter_app/``), copied where the test edits it,
watched in the background as ``make local`` watches the project."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from localcloud.cloud import LocalCloud
from localcloud.deployer import Deployer, read_assembly
from localcloud.watch import Watcher, function_code

from ._greeter_app import STACK, GreeterApp


@dataclass
class Watched:
    app: GreeterApp
    cloud: LocalCloud
    outputs: dict[str, str]
    reports: list[str]

    def invoke(self) -> Any:
        answer = self.cloud.emulator.client("lambda").invoke(
            FunctionName=self.outputs["FunctionName"], Payload=b'{"name": "Ada"}'
        )
        return json.loads(answer["Payload"].read())

    def wait_for_report(self, text: str) -> str:
        """The watcher's report line that contains ``text`` (a deadline, not a timing)."""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            found = [line for line in self.reports if text in line]
            if found:
                return found[-1]
            time.sleep(0.05)
        raise AssertionError(f"no report with {text!r}; reports: {self.reports}")


@pytest.fixture(scope="module")
def watched(
    local_cloud: LocalCloud,
    greeter_apps: tuple[GreeterApp, GreeterApp],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Watched]:
    """The greeter app deployed into the session's local cloud, its folders watched."""
    app = greeter_apps[0].copy(tmp_path_factory.mktemp("watched") / "app")
    deployer = Deployer(local_cloud.emulator, app.cdk_out)
    (stack,) = read_assembly(app.cdk_out)
    outputs = deployer.deploy_stack(stack)
    reports: list[str] = []
    watcher = Watcher(
        deployer,
        project=app.root,
        code_dirs=[app.root / "lambdas"],
        stack_paths=[app.root / "stacks", app.root / "app.py"],
        report=reports.append,
        interval_s=0.05,
    ).start()
    yield Watched(app, local_cloud, outputs, reports)
    watcher.stop()
    local_cloud.emulator.client("cloudformation").delete_stack(StackName=STACK)


def _template_stamp(cdk_out: Path) -> float:
    return (cdk_out / f"{STACK}.template.json").stat().st_mtime


def test_the_functions_of_a_handler_package_are_found_through_the_synthesized_assets(
    watched: Watched,
) -> None:
    # GIVEN the synthesized app WHEN its functions' code assets are read
    found = function_code(watched.app.cdk_out)
    # THEN the greeter function is the one whose asset folder holds the greeter package
    assert [(f.stack_name, f.logical_id[:7]) for f in found] == [(STACK, "Greeter")]
    assert (found[0].asset_dir / "greeter" / "handler.py").is_file()


def test_a_handler_change_reaches_the_next_invocation_in_new_workers(watched: Watched) -> None:
    # GIVEN the function answering from a warm worker
    assert watched.invoke()["message"] == "Hello, Ada!"
    workers = set(watched.cloud.runtime.worker_pids(watched.outputs["FunctionName"]))
    synthesized = _template_stamp(watched.app.cdk_out)
    # WHEN its handler's greeting is edited
    watched.app.replace(watched.app.handler, 'GREETING = "Hello"', 'GREETING = "Howdy"')
    report = watched.wait_for_report("reloaded lambdas/greeter/")
    # THEN the next invocation runs the new code, in a new worker, and nothing was synthesized
    assert watched.invoke()["message"] == "Howdy, Ada!"
    assert workers
    assert not workers & set(watched.cloud.runtime.worker_pids(watched.outputs["FunctionName"]))
    assert _template_stamp(watched.app.cdk_out) == synthesized
    assert watched.outputs["FunctionName"] in report


def test_a_stack_change_updates_the_stack_in_place_and_keeps_its_data(watched: Watched) -> None:
    # GIVEN an item in the stack's table
    dynamodb = watched.cloud.emulator.client("dynamodb")
    table = watched.outputs["TableName"]
    dynamodb.put_item(TableName=table, Item={"name": {"S": "Ada"}})
    assert watched.invoke()["style"] == "plain"
    # WHEN the stack's code changes the function's environment
    watched.app.replace(
        watched.app.stack, '"GREETING_STYLE": "plain"', '"GREETING_STYLE": "formal"'
    )
    watched.wait_for_report(f"updated stack {STACK}")
    # THEN the stack was updated in place: the same function runs with the new setting
    stack = watched.cloud.emulator.client("cloudformation").describe_stacks(StackName=STACK)
    assert stack["Stacks"][0]["StackStatus"] == "UPDATE_COMPLETE"
    assert watched.invoke()["style"] == "formal"
    # AND the table is the same one, with its item
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Stacks"][0]["Outputs"]}
    assert outputs == watched.outputs
    assert dynamodb.get_item(TableName=table, Key={"name": {"S": "Ada"}})["Item"]
