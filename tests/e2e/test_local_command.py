"""`make local`'s command, run as a user runs it: outputs file, endpoint table, Ctrl-C and
SIGTERM, a taken port, no worker outliving it however it ends; and the prod stage, whose keys,
web ACLs and cross-region lookup the local cloud must take in stride."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
import pytest

from localcloud.cognito import srp
from tests.conftest import Assembly

from ._http import request
from ._moto_fixtures import LAMBDA_ROLE, python_function
from .conftest import free_port

REPO = Path(__file__).resolve().parents[2]


@contextmanager
def local_command(assembly: Path, outputs_file: Path) -> Iterator[tuple[Any, dict[str, Any]]]:
    """``python -m localcloud`` on a synthesized assembly, until its outputs file appears;
    yields the process and the outputs, and stops it with Ctrl-C afterwards."""
    process = subprocess.Popen(
        [sys.executable, "-m", "localcloud", "--no-synth", "--cdk-out", str(assembly),
         "--port", str(free_port()), "--http-port", str(free_port()),
         "--outputs-file", str(outputs_file)],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 90
        while not outputs_file.exists():
            assert process.poll() is None, process.stdout.read() if process.stdout else ""
            assert time.monotonic() < deadline, "no local-outputs.json after 90 s"
            time.sleep(0.1)
        yield process, json.loads(outputs_file.read_text())
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)


def test_local_command_deploys_serves_writes_outputs_and_stops_on_ctrl_c(
    dev: Assembly, tmp_path: Path
) -> None:
    # GIVEN a synthesized assembly WHEN `python -m localcloud` starts on it
    outputs_file = tmp_path / "local-outputs.json"
    with local_command(dev.outdir, outputs_file) as (process, outputs):
        # THEN the outputs file has every stack's outputs, local URLs and the emulator endpoint
        assert set(outputs) == {
            "HelloWorld-dev", "RestMicroservice-dev", "WebApp-dev", "EventDriven-dev",
            "RegistrationWorkflow-dev", "StreamProcessing-dev", "ImageProcessing-dev", "LocalCloud",
        }  # fmt: skip
        assert outputs["LocalCloud"]["AwsEndpointUrl"].startswith("http://localhost:")
        api = outputs["RestMicroservice-dev"]["ApiUrl"]
        assert api.startswith("http://localhost:")
        # AND the API it names is being served
        assert request("GET", f"{api}items").status == 403
        # AND a sign-up's confirmation code, which no e-mail brings, is printed
        web = outputs["WebApp-dev"]
        boto3.client(
            "cognito-idp", endpoint_url=outputs["LocalCloud"]["AwsEndpointUrl"],
            region_name="us-east-1", aws_access_key_id="local", aws_secret_access_key="local",
        ).sign_up(
            ClientId=web["UserPoolClientId"], Username="ada@example.com",
            Password="Correct-Horse-42!",
            UserAttributes=[{"Name": "email", "Value": "ada@example.com"}],
        )  # fmt: skip
    printed, _ = process.communicate(timeout=30)
    assert re.search(
        rf"Cognito \({web['UserPoolId']}\): sign-up code for ada@example.com is \d{{6}}", printed
    )
    # AND Ctrl-C stops it cleanly, leaving the outputs file for the user
    assert process.returncode == 0, printed
    assert "Ready in" in printed
    assert "ApiUrl" in printed
    assert "key value:" in printed
    assert outputs_file.exists()


def test_local_command_runs_the_prod_stage(prod: Assembly, tmp_path: Path) -> None:
    # GIVEN the prod assembly: a key per stack, web ACLs, the CdnFirewall stack in us-east-1 and
    # the stacks' deploy-time lookup of its ACL
    with local_command(prod.outdir, tmp_path / "local-outputs.json") as (process, outputs):
        # THEN every stack deploys, the firewall first
        assert list(outputs) == [
            "CdnFirewall-prod", "HelloWorld-prod", "RestMicroservice-prod", "WebApp-prod",
            "EventDriven-prod", "RegistrationWorkflow-prod", "StreamProcessing-prod",
            "ImageProcessing-prod", "LocalCloud",
        ]  # fmt: skip
        assert ":global/webacl/" in outputs["CdnFirewall-prod"]["WebAclArn"]
        # AND the REST microservice works behind its key, on its key-encrypted table
        rest = outputs["RestMicroservice-prod"]
        endpoint = outputs["LocalCloud"]["AwsEndpointUrl"]
        apigateway = boto3.client(
            "apigateway", endpoint_url=endpoint, region_name="us-east-1",
            aws_access_key_id="local", aws_secret_access_key="local",
        )  # fmt: skip
        key = apigateway.get_api_key(apiKey=rest["ApiKeyId"], includeValue=True)["value"]
        created = request(
            "POST",
            f"{rest['ApiUrl']}items",
            json_body={"name": "Lamp", "price": 25},
            headers={"x-api-key": key},
        )
        assert created.status == 201, created.body
        # AND the distribution carries the ACL the lookup read from the firewall's parameter
        cloudfront = boto3.client(
            "cloudfront", endpoint_url=endpoint, region_name="us-east-1",
            aws_access_key_id="local", aws_secret_access_key="local",
        )  # fmt: skip
        distributions = cloudfront.list_distributions()["DistributionList"]["Items"]
        assert len(distributions) == 4  # the two sites, the images CDN and its page
        for distribution in distributions:
            assert distribution["WebACLId"] == outputs["CdnFirewall-prod"]["WebAclArn"]
        # AND the web application's prod client signs people in with SRP, and only SRP
        web = outputs["WebApp-prod"]
        cognito = boto3.client(
            "cognito-idp", endpoint_url=endpoint, region_name="us-east-1",
            aws_access_key_id="local", aws_secret_access_key="local",
        )  # fmt: skip
        email, password = "ada@example.com", "Correct-Horse-42!"
        cognito.sign_up(
            ClientId=web["UserPoolClientId"], Username=email, Password=password,
            UserAttributes=[{"Name": "email", "Value": email}],
        )  # fmt: skip
        # (the code is printed by the local cloud, a separate process here)
        cognito.admin_confirm_sign_up(UserPoolId=web["UserPoolId"], Username=email)
        with pytest.raises(cognito.exceptions.InvalidParameterException):
            cognito.initiate_auth(
                ClientId=web["UserPoolClientId"], AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": email, "PASSWORD": password},
            )  # fmt: skip
        client = srp.ClientSession.start()
        challenge = cognito.initiate_auth(
            ClientId=web["UserPoolClientId"], AuthFlow="USER_SRP_AUTH",
            AuthParameters={"USERNAME": email, "SRP_A": client.srp_a},
        )  # fmt: skip
        tokens = cognito.respond_to_auth_challenge(
            ClientId=web["UserPoolClientId"], ChallengeName="PASSWORD_VERIFIER",
            ChallengeResponses=client.answer(
                pool_id=web["UserPoolId"], password=password,
                parameters=challenge["ChallengeParameters"],
            ),
        )["AuthenticationResult"]  # fmt: skip
        note = request(
            "POST",
            f"{web['WebApiUrl']}notes",
            json_body={"title": "prod"},
            headers={"Authorization": tokens["AccessToken"]},
        )
        assert note.status == 201, note.body
        # AND a registration runs through prod's key-encrypted state machine to its end
        registrations = outputs["RegistrationWorkflow-prod"]
        value = apigateway.get_api_key(apiKey=registrations["ApiKeyId"], includeValue=True)
        headers = {"x-api-key": value["value"]}
        url = f"{registrations['RegistrationsApiUrl']}registrations"
        accepted = request(
            "POST",
            url,
            json_body={
                "dni": "00000023T", "email": "ana@example.com", "name": "Ana",
                "card": {"number": "4111111111111111", "expiry": "12/35"},
            },
            headers=headers,
        )  # fmt: skip
        assert accepted.status == 202, accepted.body
        followed = f"{url}/{accepted.json()['id']}"
        deadline = time.monotonic() + 60
        while (state := request("GET", followed, headers=headers).json())["status"] == "RUNNING":
            assert time.monotonic() < deadline, state
            time.sleep(0.05)
        assert state["status"] == "SUCCEEDED", state
        # AND an order goes through the shop's key-encrypted tables, queues and topic (prod has
        # no demo catalogue: the test adds its product)
        shop = outputs["EventDriven-prod"]
        boto3.client(
            "dynamodb", endpoint_url=endpoint, region_name="us-east-1",
            aws_access_key_id="local", aws_secret_access_key="local",
        ).put_item(
            TableName=shop["ProductsTableName"],
            Item={"productId": {"S": "lamp"}, "name": {"S": "Lamp"},
                  "priceCents": {"N": "2500"}, "stock": {"N": "3"}},
        )  # fmt: skip
        shop_key = {"x-api-key": apigateway.get_api_key(
            apiKey=shop["ApiKeyId"], includeValue=True)["value"]}  # fmt: skip
        placed = request(
            "POST",
            f"{shop['OrdersApiUrl']}orders",
            json_body={"items": [{"productId": "lamp", "quantity": 1}], "customerEmail": "a@b.co"},
            headers=shop_key,
        )
        assert placed.status == 202, placed.body
        order_url = f"{shop['OrdersApiUrl']}orders/{placed.json()['orderId']}"
        deadline = time.monotonic() + 60
        while request("GET", order_url, headers=shop_key).json()["status"] != "CONFIRMED":
            assert time.monotonic() < deadline, request("GET", order_url, headers=shop_key).body
            time.sleep(0.1)
    process.communicate(timeout=30)
    assert process.returncode == 0


# ---------------------------------------------------------------------------------------
# a taken port, SIGTERM, and a local cloud killed outright

# Sleeps as told; with "child", first starts a process of its own (which must not outlive the
# local cloud either).
SLEEPER = """
import os
import subprocess
import time


def handler(event, context):
    if event.get("child"):
        subprocess.Popen(["sleep", "600"])
    time.sleep(event.get("sleep_s", 0))
    return os.getpid()
"""


def tiny_assembly(folder: Path) -> Path:
    """A cloud assembly with one stack holding one function, as `cdk synth` writes one."""
    template = {
        "Resources": {"Role": LAMBDA_ROLE, "Sleeper": python_function(SLEEPER, Timeout=900)},
        "Outputs": {"FunctionName": {"Value": {"Ref": "Sleeper"}}},
    }
    folder.mkdir()
    (folder / "Tiny.template.json").write_text(json.dumps(template))
    manifest = {
        "version": "48.0.0",
        "artifacts": {
            "Tiny": {
                "type": "aws:cloudformation:stack",
                "properties": {"templateFile": "Tiny.template.json"},
            }
        },
    }
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


def start_local_cloud(cdk_out: Path, outputs_file: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "localcloud", "--no-synth", "--cdk-out", str(cdk_out),
         "--port", str(free_port()), "--http-port", str(free_port()),
         "--outputs-file", str(outputs_file)],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


def eventually(condition: Callable[[], Any], what: str, timeout_s: float = 60) -> Any:
    deadline = time.monotonic() + timeout_s
    while not (found := condition()):
        assert time.monotonic() < deadline, f"still waiting for {what}"
        time.sleep(0.05)
    return found


def ready_outputs(process: subprocess.Popen[str], outputs_file: Path) -> dict[str, Any]:
    def ready() -> bool:
        assert process.poll() is None, process.stdout.read() if process.stdout else ""
        return outputs_file.exists()

    eventually(ready, "local-outputs.json")
    return dict(json.loads(outputs_file.read_text()))


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:  # ended meanwhile
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def running(pid: int) -> bool:
    """Alive and not a zombie (an ended orphan waits for its new parent to reap it)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.parametrize("option", ["--port", "--http-port"])
def test_a_taken_port_stops_the_start_at_once_naming_the_port(tmp_path: Path, option: str) -> None:
    # GIVEN a program listening on the port the local cloud is told to use
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        ports = {"--port": free_port(), "--http-port": free_port(), option: port}
        # WHEN `python -m localcloud` starts (synthesizing first, as `make local` does)
        done = subprocess.run(
            [sys.executable, "-m", "localcloud", "--cdk-out", str(tmp_path / "cdk.out"),
             "--outputs-file", str(tmp_path / "local-outputs.json"),
             *(str(part) for pair in ports.items() for part in pair)],
            check=False, cwd=REPO, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
    # THEN it exits non-zero with a message naming the port, before synthesizing anything
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"port {port}" in done.stderr
    assert "already in use" in done.stderr
    assert "synthesizing" not in done.stdout
    assert not (tmp_path / "cdk.out").exists()
    assert not (tmp_path / "local-outputs.json").exists()


def test_sigterm_stops_the_local_cloud_cleanly(tmp_path: Path) -> None:
    # GIVEN a local cloud serving
    process = start_local_cloud(tiny_assembly(tmp_path / "cdk.out"), tmp_path / "out.json")
    try:
        ready_outputs(process, tmp_path / "out.json")
        # WHEN it gets SIGTERM (what `kill`, systemd and CI runners send)
        process.send_signal(signal.SIGTERM)
        printed, _ = process.communicate(timeout=60)
    finally:
        process.kill()
    # THEN it stops as on Ctrl-C
    assert process.returncode == 0, printed
    assert "Stopping the local cloud." in printed


def test_workers_end_with_the_local_cloud_even_when_it_is_killed(tmp_path: Path) -> None:
    # GIVEN a local cloud with two workers of one function: one busy for ten minutes (with a
    # process of its own), one idle
    process = start_local_cloud(tiny_assembly(tmp_path / "cdk.out"), tmp_path / "out.json")
    leftovers: list[int] = []
    try:
        outputs = ready_outputs(process, tmp_path / "out.json")
        client = boto3.client(
            "lambda",
            endpoint_url=outputs["LocalCloud"]["AwsEndpointUrl"],
            region_name=outputs["LocalCloud"]["Region"],
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )
        name = outputs["Tiny"]["FunctionName"]
        client.invoke(
            FunctionName=name, InvocationType="Event", Payload=b'{"sleep_s": 600, "child": true}'
        )
        busy = eventually(lambda: children(process.pid), "the busy worker")
        eventually(lambda: children(busy[0]), "the busy worker's own process")
        idle = json.loads(client.invoke(FunctionName=name, Payload=b"{}")["Payload"].read())
        workers = children(process.pid)
        assert sorted(workers) == sorted([busy[0], idle])
        leftovers = [*workers, *children(busy[0])]
        # WHEN the local cloud is killed outright, with no chance to clean up
        process.kill()
        process.wait(timeout=60)
        # THEN its workers, busy or idle, and what they started end too
        eventually(lambda: not any(running(pid) for pid in leftovers), "the workers to end")
    finally:
        process.kill()
        for pid in leftovers:  # only if the test failed: nothing is left otherwise
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
