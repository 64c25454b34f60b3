"""Watch mode (``localcloud/watch.py``) on a running local cloud: a handler change reaches the
function's next invocation without synthesis, a stack change updates the stack in place and
keeps its data. On the small greeter app (``greeter_app/``), copied where the test edits it,
watched in the background as ``make local`` watches the project."""

from __future__ import annotations

import io
import json
import shutil
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from localcloud.cloud import LocalCloud
from localcloud.deployer import Deployer, read_assembly
from localcloud.watch import Watcher, code_zip, function_code, handler_packages
from tests.conftest import REPO, Assembly

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


# ---------------------------------------------------------------------------------------
# the project's own functions, which bundle lambdas/shared/ beside their handler package


def _project_lambdas(target: Path) -> Path:
    """A copy of the project's handler packages, to edit without touching the checkout."""
    return Path(
        shutil.copytree(REPO / "lambdas", target, ignore=shutil.ignore_patterns("__pycache__"))
    )


def _append(path: Path, line: str) -> None:
    path.write_text(path.read_text() + line + "\n")


def test_a_shared_package_edit_reloads_every_function_that_bundles_it(
    local_cloud: LocalCloud, dev: Assembly, tmp_path: Path
) -> None:
    # GIVEN the dev stacks running, and their handler packages watched as make local does
    lambdas = _project_lambdas(tmp_path / "lambdas")
    watcher = Watcher(local_cloud.deployer, project=tmp_path, code_dirs=[lambdas], stack_paths=[])
    cloudformation = local_cloud.emulator.client("cloudformation")
    lambda_client = local_cloud.emulator.client("lambda")

    def code_hashes() -> dict[str, tuple[bool, str]]:
        """Every function of the assembly: (bundles lambdas/shared/, its code hash)."""
        found = {}
        for function in function_code(dev.outdir):
            name = cloudformation.describe_stack_resource(
                StackName=function.stack_name, LogicalResourceId=function.logical_id
            )["StackResourceDetail"]["PhysicalResourceId"]
            code = lambda_client.get_function(FunctionName=name)["Configuration"]["CodeSha256"]
            found[name] = (function.bundles("shared"), code)
        return found

    before = code_hashes()
    # WHEN a module of lambdas/shared/ is edited (a comment: the functions behave the same)
    _append(lambdas / "shared" / "ids.py", "# edited while watched")
    (report,) = watcher.poll()
    # THEN every function that bundles the shared package got new code, and no other did
    after = code_hashes()
    sharing = {name for name, (bundles, _) in before.items() if bundles}
    changed = {name for name in before if before[name][1] != after[name][1]}
    assert len(sharing) >= 5  # items, notes, the registrations API and its checks
    assert changed == sharing
    assert report.startswith("reloaded lambdas/shared/ into ")
    assert all(name in report for name in sharing)


def test_a_swapped_asset_takes_every_package_it_bundles_from_the_project(
    dev: Assembly, tmp_path: Path
) -> None:
    # GIVEN the items function's synthesized asset (items/ with shared/ beside it), and the
    # project's items handler and a shared module both edited since synthesis
    (items,) = [f for f in function_code(dev.outdir) if f.bundles("items")]
    lambdas = _project_lambdas(tmp_path / "lambdas")
    _append(lambdas / "items" / "handler.py", "# items edited")
    _append(lambdas / "shared" / "ids.py", "# shared edited")
    current = handler_packages([lambdas])
    # WHEN the code to swap in is built from what the asset bundles
    bundled = {name: path for name, path in current.items() if items.bundles(name)}
    archive = zipfile.ZipFile(io.BytesIO(code_zip(items.asset_dir, bundled)))
    # THEN both edits are in it (one swap does not undo the other), and nothing else was added
    assert set(bundled) == {"items", "shared"}
    assert archive.read("items/handler.py").decode().endswith("# items edited\n")
    assert archive.read("shared/ids.py").decode().endswith("# shared edited\n")
    assert {Path(n).parts[0] for n in archive.namelist()} == {
        p.name for p in items.asset_dir.iterdir()
    }
