"""The real CDK CLI (the project's pinned ``node_modules/.bin/cdk``) against the local cloud,
as ``python -m localcloud cdk`` runs it: deploy a new stack, see the diff of a changed handler,
deploy the change and run the new code, destroy.

One small app (``greeter_app/``: a function with a layer, a table). Each CLI call costs
seconds, so there are four, and the app is synthesized up front, as written and changed
(``greeter_apps``): the CLI then takes the assembly folder as ``--app`` instead of running the
app itself.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from localcloud import cdk_cli
from localcloud.cloud import LocalCloud
from localcloud.emulator import DEFAULT_REGION
from tests.conftest import Assembly

from ._greeter_app import STACK, GreeterApp

REPO = Path(__file__).resolve().parents[2]


def _environment() -> dict[str, str]:
    """This run's environment without AWS settings, with the repository's package."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["PYTHONPATH"] = str(REPO)
    return env


def cdk(app: GreeterApp, endpoint: str, command: str, *options: str, wrapped: bool = False) -> str:
    """The CDK CLI in the app's folder, on the app's assembly (``--app``); its output.

    ``wrapped``: through ``python -m localcloud cdk --endpoint ...``, as a user runs it;
    otherwise straight, with the environment the wrapper makes (``cdk_cli.cdk_environment``):
    a Python that imports the local cloud (and moto) costs seconds a call."""
    arguments = [command, "--app", str(app.cdk_out), *options]
    if wrapped:
        cli = [sys.executable, "-m", "localcloud", "cdk", "--endpoint", endpoint]
        env = _environment()
        env["PATH"] = f"{REPO / 'node_modules' / '.bin'}{os.pathsep}{env['PATH']}"
    else:
        cli = [cdk_cli.cdk_command(REPO)]
        env = cdk_cli.cdk_environment(_environment(), endpoint, DEFAULT_REGION)
    done = subprocess.run(
        [*cli, *arguments],
        cwd=app.root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    return output


def _invoke(cloud: LocalCloud, function: str) -> Any:
    answer = cloud.emulator.client("lambda").invoke(
        FunctionName=function, Payload=b'{"name": "Ada"}'
    )
    return json.loads(answer["Payload"].read())


def test_cdk_deploys_diffs_updates_and_destroys_a_stack_on_the_local_cloud(
    local_cloud: LocalCloud, greeter_apps: tuple[GreeterApp, GreeterApp]
) -> None:
    written, changed = greeter_apps
    endpoint = local_cloud.emulator.endpoint
    cloudformation = local_cloud.emulator.client("cloudformation")
    lambda_client = local_cloud.emulator.client("lambda")
    try:
        # GIVEN a stack deployed by `cdk deploy`
        cdk(written, endpoint, "deploy", "--require-approval", "never", wrapped=True)
        stack = cloudformation.describe_stacks(StackName=STACK)["Stacks"][0]
        function = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}["FunctionName"]
        assert _invoke(local_cloud, function)["message"] == "Hello, Ada!"
        configuration = lambda_client.get_function(FunctionName=function)["Configuration"]
        code_before = configuration["CodeSha256"]

        # WHEN its handler's greeting changes THEN `cdk diff` shows the function's new code
        diff = cdk(changed, endpoint, "diff")
        assert "[~] AWS::Lambda::Function Greeter" in diff
        assert ".S3Key" in diff
        assert "Number of stacks with differences: 1" in diff

        # WHEN the change is deployed THEN the stack is updated, the function runs the new code
        cdk(changed, endpoint, "deploy", "--require-approval", "never")
        stack = cloudformation.describe_stacks(StackName=STACK)["Stacks"][0]
        assert stack["StackStatus"] == "UPDATE_COMPLETE"
        configuration = lambda_client.get_function(FunctionName=function)["Configuration"]
        assert configuration["CodeSha256"] != code_before
        assert len(configuration["Layers"]) == 1
        assert _invoke(local_cloud, function) == {"message": "Howdy, Ada!", "style": "plain"}

        # WHEN `cdk destroy` runs THEN the stack and its function are gone
        cdk(changed, endpoint, "destroy", "--force")
        with pytest.raises(ClientError, match="does not exist"):
            cloudformation.describe_stacks(StackName=STACK)
        with pytest.raises(ClientError, match="ResourceNotFound"):
            lambda_client.get_function(FunctionName=function)
    finally:  # the watch mode tests deploy the same app
        cloudformation.delete_stack(StackName=STACK)


# ---------------------------------------------------------------------------------------
# the wrapper itself (a stand-in CLI: no Node process)


def test_the_wrapper_refuses_to_run_with_real_credentials_in_the_environment(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # GIVEN a shell with an AWS profile and a real access key WHEN the wrapper is asked to deploy
    environ = {"PATH": os.environ["PATH"], "AWS_PROFILE": "prod", "AWS_ACCESS_KEY_ID": "AKIA1"}
    code = cdk_cli.main(["--endpoint", "http://localhost:4566", "deploy"], environ=environ)
    # THEN it refuses, naming what it found and how to go on
    error = capsys.readouterr().err
    assert code == 2
    assert "AWS_PROFILE, AWS_ACCESS_KEY_ID" in error
    assert "--allow-real-credentials" in error


def test_the_wrapper_gives_the_cli_the_local_endpoint_and_only_local_credentials(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN the outputs file of a running local cloud, and a CLI that records what it gets
    (tmp_path / "local-outputs.json").write_text(
        json.dumps(
            {"LocalCloud": {"AwsEndpointUrl": "http://127.0.0.1:4999", "Region": "eu-west-1"}}
        )
    )
    cli = tmp_path / "node_modules" / ".bin" / "cdk"
    cli.parent.mkdir(parents=True)
    cli.write_text(f'#!/bin/sh\nenv > {tmp_path / "env"}\necho "$@" > {tmp_path / "args"}\n')
    cli.chmod(0o755)
    monkeypatch.chdir(tmp_path)
    # WHEN it runs, told to go on despite real credentials
    environ = {"PATH": os.environ["PATH"], "AWS_PROFILE": "prod", "AWS_SESSION_TOKEN": "token"}
    code = cdk_cli.main(["--allow-real-credentials", "diff", "--app", "cdk.out"], environ=environ)
    # THEN the CLI ran with the arguments given, against localhost, with local credentials only
    assert code == 0
    assert (tmp_path / "args").read_text().split() == ["diff", "--app", "cdk.out"]
    env = dict(
        line.split("=", 1) for line in (tmp_path / "env").read_text().splitlines() if "=" in line
    )
    assert env["AWS_ENDPOINT_URL"] == "http://localhost:4999"
    assert (env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]) == ("local", "local")
    assert env["AWS_REGION"] == "eu-west-1"
    assert env["AWS_CONFIG_FILE"] == env["AWS_SHARED_CREDENTIALS_FILE"] == os.devnull
    assert "AWS_PROFILE" not in env
    assert "AWS_SESSION_TOKEN" not in env


def test_the_wrapper_needs_a_running_local_cloud(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert cdk_cli.main(["deploy"], environ={"PATH": os.environ["PATH"]}) == 2
    assert "start the local cloud first (make local)" in capsys.readouterr().err


def test_the_local_cloud_synthesizes_with_the_context_the_cli_gives_the_app(dev: Assembly) -> None:
    # GIVEN the assembly synthesized as `make local` does (localcloud.synth)
    template = dev.template_json("RestMicroservice")
    # THEN it has what `cdk synth` adds: path and asset metadata, the version report, so the
    # CLI's diff against what `make local` deployed is empty (a REST API's deployment id
    # depends on the metadata)
    function = next(
        r for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::Function"
    )
    assert function["Metadata"]["aws:cdk:path"].startswith("RestMicroservice/")
    assert function["Metadata"]["aws:asset:path"].startswith("asset.")
    assert template["Resources"]["CDKMetadata"]["Type"] == "AWS::CDK::Metadata"
