"""`make local`'s command, run as a user runs it: outputs file, endpoint table, Ctrl-C; and the
prod stage, whose keys, web ACLs and cross-region lookup the local cloud must take in stride."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3

from tests.conftest import Assembly

from ._http import request
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
            "HelloWorld-dev", "RestMicroservice-dev", "RegistrationWorkflow-dev", "LocalCloud",
        }  # fmt: skip
        assert outputs["LocalCloud"]["AwsEndpointUrl"].startswith("http://localhost:")
        api = outputs["RestMicroservice-dev"]["ApiUrl"]
        assert api.startswith("http://localhost:")
        # AND the API it names is being served
        assert request("GET", f"{api}items").status == 403
    printed, _ = process.communicate(timeout=30)
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
            "CdnFirewall-prod", "HelloWorld-prod", "RestMicroservice-prod",
            "RegistrationWorkflow-prod", "LocalCloud",
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
        [distribution] = cloudfront.list_distributions()["DistributionList"]["Items"]
        assert distribution["WebACLId"] == outputs["CdnFirewall-prod"]["WebAclArn"]
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
    process.communicate(timeout=30)
    assert process.returncode == 0
