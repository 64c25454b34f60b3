"""Helpers for the moto gap tests: deploy a handwritten template into the emulator and wait."""

from __future__ import annotations

import contextlib
import io
import json
import time
import uuid
import zipfile
from dataclasses import dataclass
from typing import Any

from localcloud.emulator import Emulator

_TERMINAL_TIMEOUT_S = 10.0


def unique(prefix: str) -> str:
    """A name no other test (nor the session's local cloud, which shares moto's state)
    uses."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def zip_bytes(files: dict[str, str | bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, body in files.items():
            archive.writestr(name, body)
    return buffer.getvalue()


def _wait(cloudformation: Any, stack_name: str) -> dict[str, Any]:
    deadline = time.monotonic() + _TERMINAL_TIMEOUT_S
    while True:
        stack: dict[str, Any] = cloudformation.describe_stacks(StackName=stack_name)["Stacks"][0]
        if not stack["StackStatus"].endswith("_IN_PROGRESS"):
            return stack
        if time.monotonic() > deadline:
            raise TimeoutError(f"{stack_name} still {stack['StackStatus']}")
        time.sleep(0.05)


def failure_reasons(cloudformation: Any, stack_name: str) -> list[str]:
    """The reasons of the stack's FAILED events, newest first."""
    events = cloudformation.describe_stack_events(StackName=stack_name)["StackEvents"]
    return [
        e.get("ResourceStatusReason", "") for e in events if e["ResourceStatus"].endswith("FAILED")
    ]


@dataclass(frozen=True)
class Deployed:
    name: str
    outputs: dict[str, str]
    physical_ids: dict[str, str]


class Stacks:
    """Creates stacks in the emulator and deletes what is left of them at the end."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self.cloudformation = emulator.client("cloudformation")
        self.created: list[str] = []

    def deploy(self, resources: dict[str, Any], outputs: dict[str, Any] | None = None) -> Deployed:
        """Create a stack from ``resources`` (and ``Outputs``); fail unless CREATE_COMPLETE."""
        name = unique("moto-gap")
        template: dict[str, Any] = {"Resources": resources}
        if outputs:
            template["Outputs"] = {key: {"Value": value} for key, value in outputs.items()}
        self.cloudformation.create_stack(
            StackName=name, TemplateBody=json.dumps(template), Capabilities=["CAPABILITY_IAM"]
        )
        self.created.append(name)
        stack = _wait(self.cloudformation, name)
        assert stack["StackStatus"] == "CREATE_COMPLETE", failure_reasons(self.cloudformation, name)
        return Deployed(
            name=name,
            outputs={o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])},
            physical_ids={
                r["LogicalResourceId"]: r.get("PhysicalResourceId", "")
                for r in self.cloudformation.list_stack_resources(StackName=name)[
                    "StackResourceSummaries"
                ]
            },
        )

    def delete(self, name: str) -> None:
        self.cloudformation.delete_stack(StackName=name)
        deadline = time.monotonic() + _TERMINAL_TIMEOUT_S
        while time.monotonic() < deadline:
            live = [
                s
                for s in self.cloudformation.describe_stacks()["Stacks"]
                if s["StackName"] == name and s["StackStatus"] != "DELETE_COMPLETE"
            ]
            if not live:
                return
            assert live[0]["StackStatus"] != "DELETE_FAILED", live[0].get("StackStatusReason")
            time.sleep(0.05)
        raise TimeoutError(f"{name} not deleted")

    def delete_all(self) -> None:
        # Clean-up only: a failure here must not hide what the tests reported.
        for name in reversed(self.created):
            with contextlib.suppress(Exception):
                self.cloudformation.delete_stack(StackName=name)


LAMBDA_TRUST_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


LAMBDA_ROLE = {
    "Type": "AWS::IAM::Role",
    "Properties": {"AssumeRolePolicyDocument": LAMBDA_TRUST_POLICY},
}


def python_function(code: str, **properties: Any) -> dict[str, Any]:
    """A Python function whose code is ``index.py`` (``ZipFile``), with the role of a
    ``Role`` resource (:data:`LAMBDA_ROLE`)."""
    return {
        "Type": "AWS::Lambda::Function",
        "Properties": {
            "Code": {"ZipFile": code},
            "Handler": "index.handler",
            "Runtime": "python3.11",
            "Role": {"Fn::GetAtt": ["Role", "Arn"]},
            **properties,
        },
    }


def mock_rest_api(name: str, *, stage_first: bool = False) -> dict[str, Any]:
    """A REST API with one MOCK ``GET /items``, deployed to stage ``v1``; ``stage_first``
    lists the Stage before what it depends on, as nothing in CloudFormation forbids."""
    stage = {
        "Type": "AWS::ApiGateway::Stage",
        "Properties": {
            "RestApiId": {"Ref": "Api"},
            "DeploymentId": {"Ref": "Deployment"},
            "StageName": "v1",
        },
    }
    resources: dict[str, Any] = {
        "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": name}},
        "Items": {
            "Type": "AWS::ApiGateway::Resource",
            "Properties": {
                "RestApiId": {"Ref": "Api"},
                "ParentId": {"Fn::GetAtt": ["Api", "RootResourceId"]},
                "PathPart": "items",
            },
        },
        "GetItems": {
            "Type": "AWS::ApiGateway::Method",
            "Properties": {
                "RestApiId": {"Ref": "Api"},
                "ResourceId": {"Ref": "Items"},
                "HttpMethod": "GET",
                "AuthorizationType": "NONE",
                "Integration": {
                    "Type": "MOCK",
                    "RequestTemplates": {"application/json": '{"statusCode": 200}'},
                    "IntegrationResponses": [{"StatusCode": "200"}],
                },
                "MethodResponses": [{"StatusCode": "200"}],
            },
        },
        "Deployment": {
            "Type": "AWS::ApiGateway::Deployment",
            "DependsOn": ["GetItems"],
            "Properties": {"RestApiId": {"Ref": "Api"}},
        },
    }
    if stage_first:
        return {"Stage": stage, **resources}
    return {**resources, "Stage": stage}


def create_failing(stacks: Stacks, resources: dict[str, Any], outputs: dict[str, Any]) -> str:
    """Create a stack that must fail (CREATE_FAILED, not stuck in progress); its name. It is
    deleted at the end like the others."""
    name = unique("moto-gap-failing")
    template = {
        "Resources": resources,
        "Outputs": {key: {"Value": value} for key, value in outputs.items()},
    }
    stacks.cloudformation.create_stack(StackName=name, TemplateBody=json.dumps(template))
    stacks.created.append(name)
    assert _wait(stacks.cloudformation, name)["StackStatus"] == "CREATE_FAILED"
    return name


def api_resource(logical_id: str, parent: str | None, part: str) -> dict[str, Any]:
    """``{logical_id: AWS::ApiGateway::Resource}`` of the API ``Api``, under ``parent`` (a
    resource's logical id, or the root)."""
    parent_id = {"Ref": parent} if parent else {"Fn::GetAtt": ["Api", "RootResourceId"]}
    return {
        logical_id: {
            "Type": "AWS::ApiGateway::Resource",
            "Properties": {"RestApiId": {"Ref": "Api"}, "ParentId": parent_id, "PathPart": part},
        }
    }


def api_stage(methods: list[str], name: str = "v1", **variables: str) -> dict[str, Any]:
    """The ``Deployment`` of the API ``Api`` (after ``methods``) and its ``Stage``."""
    stage: dict[str, Any] = {
        "RestApiId": {"Ref": "Api"},
        "DeploymentId": {"Ref": "Deployment"},
        "StageName": name,
    }
    if variables:
        stage["Variables"] = variables
    return {
        "Deployment": {
            "Type": "AWS::ApiGateway::Deployment",
            "DependsOn": methods,
            "Properties": {"RestApiId": {"Ref": "Api"}},
        },
        "Stage": {"Type": "AWS::ApiGateway::Stage", "Properties": stage},
    }
