"""One regression test per gap in moto's change sets and stack updates
(``localcloud/cloudformation/moto_gaps.py``, ``localcloud/awslambda/moto_gaps.py``): the calls
``cdk deploy``, ``cdk diff`` and watch mode make, on small handwritten templates, checked
through boto3 against the emulator."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from localcloud.cloud import LocalCloud
from localcloud.deployer import Deployer, DeploymentFailed, StackArtifact
from localcloud.emulator import ACCOUNT_ID, Emulator

from ._moto_fixtures import LAMBDA_ROLE, Stacks, unique, zip_bytes

CAPABILITIES = ["CAPABILITY_IAM"]
MISSING_LAYER = f"arn:aws:lambda:us-east-1:{ACCOUNT_ID}:layer:none:1"


@pytest.fixture
def cloudformation(emulator: Emulator) -> Any:
    return emulator.client("cloudformation")


@pytest.fixture
def code_bucket(emulator: Emulator) -> str:
    """A bucket with two versions of a function's code (``v1.zip``, ``v2.zip``, answering
    ``{"version": N}``) and of a layer's (``layer-1.zip``, ``layer-2.zip``)."""
    name = unique("change-set-code")
    s3 = emulator.client("s3")
    s3.create_bucket(Bucket=name)
    for version in (1, 2):
        handler = f"def handler(event, context):\n    return {{'version': {version}}}\n"
        s3.put_object(Bucket=name, Key=f"v{version}.zip", Body=zip_bytes({"index.py": handler}))
        layer = zip_bytes({"python/style.py": f"X = {version}"})
        s3.put_object(Bucket=name, Key=f"layer-{version}.zip", Body=layer)
    return name


@pytest.fixture
def stack_names(cloudformation: Any) -> Iterator[list[str]]:
    """Stacks a test makes through change sets; deleted afterwards."""
    names: list[str] = []
    yield names
    for name in names:
        cloudformation.delete_stack(StackName=name)


def _template(resources: dict[str, Any], **sections: Any) -> str:
    return json.dumps({"Resources": resources, **sections})


def _change_set(
    cloudformation: Any,
    stack: str,
    template: str,
    *,
    kind: str = "UPDATE",
    parameters: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Create a change set and describe it (moto makes it at once)."""
    created = cloudformation.create_change_set(
        StackName=stack,
        ChangeSetName="cdk-deploy-change-set",
        ChangeSetType=kind,
        TemplateBody=template,
        Parameters=parameters or [],
        Capabilities=CAPABILITIES,
    )
    described: dict[str, Any] = cloudformation.describe_change_set(ChangeSetName=created["Id"])
    return described


def _deploy(cloudformation: Any, stack: str, template: str, **options: Any) -> dict[str, Any]:
    """What `cdk deploy` does: a change set, executed; the stack as described afterwards."""
    change_set = _change_set(cloudformation, stack, template, **options)
    assert change_set["Status"] == "CREATE_COMPLETE", change_set.get("StatusReason")
    cloudformation.execute_change_set(ChangeSetName=change_set["ChangeSetId"])
    described: dict[str, Any] = cloudformation.describe_stacks(StackName=stack)["Stacks"][0]
    return described


def _outputs(stack: dict[str, Any]) -> dict[str, str]:
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


# ---------------------------------------------------------------------------------------
# looking change sets up


def test_deleting_a_change_set_that_is_not_there_succeeds_while_the_stack_exists(
    stacks: Stacks, cloudformation: Any
) -> None:
    # GIVEN a stack without change sets (the CDK CLI clears a leftover one before each deploy)
    deployed = stacks.deploy({"Queue": {"Type": "AWS::SQS::Queue"}})
    # WHEN a change set of that name is deleted THEN CloudFormation's answer is success
    cloudformation.delete_change_set(StackName=deployed.name, ChangeSetName="cdk-deploy-change-set")
    # AND for a stack that does not exist it is an error, not moto's HTML 500
    with pytest.raises(ClientError) as error:
        cloudformation.delete_change_set(StackName="no-such-stack", ChangeSetName="x")
    assert error.value.response["Error"]["Code"] == "ValidationError"


def test_describing_a_change_set_that_is_not_there_is_change_set_not_found(
    stacks: Stacks, cloudformation: Any
) -> None:
    deployed = stacks.deploy({"Queue": {"Type": "AWS::SQS::Queue"}})
    with pytest.raises(ClientError) as error:
        cloudformation.describe_change_set(StackName=deployed.name, ChangeSetName="missing")
    assert error.value.response["Error"]["Code"] == "ChangeSetNotFound"
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_change_sets_of_one_name_are_told_apart_by_stack(
    stacks: Stacks, cloudformation: Any
) -> None:
    # GIVEN two stacks, each with a change set named as the CDK CLI names every one
    first, second = (stacks.deploy({"Queue": {"Type": "AWS::SQS::Queue"}}) for _ in range(2))
    template = _template(
        {"Queue": {"Type": "AWS::SQS::Queue"}, "Topic": {"Type": "AWS::SNS::Topic"}}
    )
    ids = {
        name: _change_set(cloudformation, name, template)["StackId"]
        for name in (first.name, second.name)
    }
    # WHEN each is described by stack and name THEN each is its own stack's
    for name, stack_id in ids.items():
        found = cloudformation.describe_change_set(
            StackName=name, ChangeSetName="cdk-deploy-change-set"
        )
        assert found["StackId"] == stack_id
    # AND deleting one leaves the other
    cloudformation.delete_change_set(StackName=first.name, ChangeSetName="cdk-deploy-change-set")
    cloudformation.describe_change_set(StackName=second.name, ChangeSetName="cdk-deploy-change-set")


# ---------------------------------------------------------------------------------------
# parameters


def test_use_previous_value_keeps_the_name_of_an_ssm_parameter(
    emulator: Emulator, cloudformation: Any, stack_names: list[str]
) -> None:
    # GIVEN a stack whose parameter is read from SSM, as every CDK stack's BootstrapVersion is
    parameter = f"/{unique('gap')}/version"
    emulator.client("ssm").put_parameter(Name=parameter, Value="30", Type="String")
    ssm_parameter = {"Type": "AWS::SSM::Parameter::Value<String>", "Default": parameter}
    outputs = {"Version": {"Value": {"Ref": "Version"}}}
    queue = {"Queue": {"Type": "AWS::SQS::Queue"}}
    stack = unique("ssm-parameter")
    stack_names.append(stack)
    created = _deploy(
        cloudformation,
        stack,
        _template(queue, Parameters={"Version": ssm_parameter}, Outputs=outputs),
        kind="CREATE",
    )
    assert created["StackStatus"] == "CREATE_COMPLETE"
    # WHEN an update says UsePreviousValue for it, as the CDK CLI does
    previous = [{"ParameterKey": "Version", "UsePreviousValue": True}]
    changed = _template(
        {**queue, "Topic": {"Type": "AWS::SNS::Topic"}},
        Parameters={"Version": ssm_parameter},
        Outputs=outputs,
    )
    updated = _deploy(cloudformation, stack, changed, parameters=previous)
    # THEN the parameter is still read from SSM by its name, and the update completes
    assert updated["StackStatus"] == "UPDATE_COMPLETE", updated.get("StackStatusReason")
    assert _outputs(updated)["Version"] == "30"
    # AND the same template again is a change set without changes, which the CLI skips
    again = _change_set(cloudformation, stack, changed, parameters=previous)
    assert again["Status"] == "FAILED"
    assert again["StatusReason"].startswith("The submitted information didn't contain changes.")


# ---------------------------------------------------------------------------------------
# executing


def _function(bucket: str, key: str, **properties: Any) -> dict[str, Any]:
    return {
        "Type": "AWS::Lambda::Function",
        "Properties": {
            "Code": {"S3Bucket": bucket, "S3Key": key},
            "Handler": "index.handler",
            "Runtime": "python3.11",
            "Role": {"Fn::GetAtt": ["Role", "Arn"]},
            **properties,
        },
    }


def _greeter_stack(bucket: str, code: str, layer: str, **function: Any) -> dict[str, Any]:
    return {
        "Role": LAMBDA_ROLE,
        "Layer": {
            "Type": "AWS::Lambda::LayerVersion",
            "Properties": {"Content": {"S3Bucket": bucket, "S3Key": layer}},
        },
        "Function": _function(bucket, code, Layers=[{"Ref": "Layer"}], **function),
    }


def test_a_new_stack_from_a_change_set_is_created_in_dependency_order_with_its_outputs(
    emulator: Emulator, cloudformation: Any, code_bucket: str, stack_names: list[str]
) -> None:
    # GIVEN a template whose function comes first and whose role and layer come later
    resources = _greeter_stack(code_bucket, "v1.zip", "layer-1.zip")
    ordered = {
        "Function": resources["Function"],
        "Layer": resources["Layer"],
        "Role": resources["Role"],
    }
    stack = unique("change-set-create")
    stack_names.append(stack)
    # WHEN `cdk deploy` creates it through a change set
    created = _deploy(
        cloudformation,
        stack,
        _template(ordered, Outputs={"FunctionName": {"Value": {"Ref": "Function"}}}),
        kind="CREATE",
    )
    # THEN everything is created, each step is an event, and the outputs are there
    assert created["StackStatus"] == "CREATE_COMPLETE"
    function = _outputs(created)["FunctionName"]
    assert emulator.client("lambda").get_function(FunctionName=function)
    events = cloudformation.describe_stack_events(StackName=stack)["StackEvents"]
    completed = {e["LogicalResourceId"] for e in events if e["ResourceStatus"] == "CREATE_COMPLETE"}
    assert {"Role", "Layer", "Function", stack} <= completed


def test_an_update_changes_the_code_that_runs_and_follows_a_replaced_layer(
    local_cloud: LocalCloud,
    emulator: Emulator,
    cloudformation: Any,
    code_bucket: str,
    stacks: Stacks,
) -> None:
    # GIVEN a function with a layer (Layers: [Ref ...], as CDK writes it), answering version 1
    outputs = {"FunctionName": {"Ref": "Function"}, "LayerArn": {"Ref": "Layer"}}
    deployed = stacks.deploy(_greeter_stack(code_bucket, "v1.zip", "layer-1.zip"), outputs)
    lambda_client = emulator.client("lambda")
    function = deployed.outputs["FunctionName"]
    before = lambda_client.get_function(FunctionName=function)["Configuration"]
    assert json.loads(lambda_client.invoke(FunctionName=function)["Payload"].read()) == {
        "version": 1
    }
    # WHEN a change set brings new code, new layer content and properties moto's update drops
    template = {
        "Resources": _greeter_stack(
            code_bucket,
            "v2.zip",
            "layer-2.zip",
            Architectures=["arm64"],
            TracingConfig={"Mode": "Active"},
        ),
        "Outputs": {key: {"Value": value} for key, value in outputs.items()},
    }
    change_set = _change_set(cloudformation, deployed.name, json.dumps(template))
    # THEN the change set names the changed properties, and what the local cloud will do
    changes = {
        c["ResourceChange"]["LogicalResourceId"]: c["ResourceChange"] for c in change_set["Changes"]
    }
    assert changes["Function"]["Replacement"] == "False"
    changed = [d["Target"]["Name"] for d in changes["Function"]["Details"]]
    assert changed == ["Architectures", "Code", "TracingConfig"]
    assert changes["Layer"]["Replacement"] == "True"
    cloudformation.execute_change_set(ChangeSetName=change_set["ChangeSetId"])
    # AND once executed the stack is updated, the function refers to the new layer version
    stack = cloudformation.describe_stacks(StackName=deployed.name)["Stacks"][0]
    assert stack["StackStatus"] == "UPDATE_COMPLETE", stack.get("StackStatusReason")
    after = lambda_client.get_function(FunctionName=function)["Configuration"]
    assert after["CodeSha256"] != before["CodeSha256"]
    assert (after["Architectures"], after["TracingConfig"]) == (["arm64"], {"Mode": "Active"})
    assert [layer["Arn"] for layer in after["Layers"]] == [_outputs(stack)["LayerArn"]]
    assert _outputs(stack)["LayerArn"] != deployed.outputs["LayerArn"]
    # AND the local runtime runs the new code at the next invocation
    assert json.loads(lambda_client.invoke(FunctionName=function)["Payload"].read()) == {
        "version": 2
    }


def test_a_failed_update_rolls_back_and_reports_why(
    emulator: Emulator, cloudformation: Any, code_bucket: str, stacks: Stacks
) -> None:
    # GIVEN a deployed function
    resources = _greeter_stack(code_bucket, "v1.zip", "layer-1.zip")
    deployed = stacks.deploy(resources, {"FunctionName": {"Ref": "Function"}})
    function = deployed.outputs["FunctionName"]
    code = emulator.client("lambda").get_function(FunctionName=function)["Configuration"][
        "CodeSha256"
    ]
    # WHEN an update adds a queue and a function whose layer does not exist
    broken = {
        **resources,
        "Queue": {"Type": "AWS::SQS::Queue"},
        "Broken": _function(code_bucket, "v1.zip", Layers=[MISSING_LAYER]),
    }
    change_set = _change_set(cloudformation, deployed.name, _template(broken))
    cloudformation.execute_change_set(ChangeSetName=change_set["ChangeSetId"])
    # THEN the stack reports the failure, naming the resource in the words of a failed create
    stack = cloudformation.describe_stacks(StackName=deployed.name)["Stacks"][0]
    assert stack["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    reason = stack["StackStatusReason"]
    assert reason.startswith("Resource Broken (AWS::Lambda::Function) failed to create"), reason
    assert "LayerVersion does not exist" in reason
    events = cloudformation.describe_stack_events(StackName=deployed.name)["StackEvents"]
    assert any(
        e["LogicalResourceId"] == "Broken" and e["ResourceStatus"] == "CREATE_FAILED"
        for e in events
    )
    # AND it is rolled back: the new queue is gone, the function keeps its code
    resources_now = cloudformation.list_stack_resources(StackName=deployed.name)[
        "StackResourceSummaries"
    ]
    assert {r["LogicalResourceId"] for r in resources_now} == {"Role", "Layer", "Function"}
    assert (
        emulator.client("lambda").get_function(FunctionName=function)["Configuration"]["CodeSha256"]
        == code
    )


def test_the_deployer_names_a_failed_resource_alike_for_a_create_and_an_update(
    emulator: Emulator, stacks: Stacks, tmp_path: Path
) -> None:
    # GIVEN a custom resource the local cloud cannot run (its provider is an SNS topic)
    topic = f"arn:aws:sns:us-east-1:{ACCOUNT_ID}:{unique('provisioning')}"
    seed = {"Type": "Custom::Seed", "Properties": {"ServiceToken": topic}}
    queue = {"Type": "AWS::SQS::Queue"}
    deployer = Deployer(emulator, tmp_path)

    def artifact(resources: dict[str, Any]) -> StackArtifact:
        name = unique("deployer")
        stacks.created.append(name)
        template = tmp_path / f"{name}.template.json"
        template.write_text(_template(resources))
        return StackArtifact(name, name, template, [])

    failure = r"Resource Seed \(Custom::Seed\) failed to create: .*SNS topic"
    # WHEN a new stack holds it THEN its create fails, naming the resource
    with pytest.raises(DeploymentFailed, match=f"CREATE_FAILED: {failure}"):
        deployer.deploy_stack(artifact({"Queue": queue, "Seed": seed}))
    # WHEN an update of a deployed stack adds it THEN the update is rolled back, in the same words
    updated = artifact({"Queue": queue})
    deployer.deploy_stack(updated)
    updated.template_file.write_text(_template({"Queue": queue, "Seed": seed}))
    with pytest.raises(DeploymentFailed, match=f"UPDATE_ROLLBACK_COMPLETE: {failure}"):
        deployer.update_stack(updated)


def test_update_stack_applies_the_template_as_a_change_set_does(
    emulator: Emulator, cloudformation: Any, code_bucket: str, stacks: Stacks
) -> None:
    # GIVEN a function whose layer is replaced by the next template (moto cannot update a
    # LayerVersion, and its own update then hands the function `Layers: [None]`)
    deployed = stacks.deploy(
        _greeter_stack(code_bucket, "v1.zip", "layer-1.zip"), {"FunctionName": {"Ref": "Function"}}
    )
    # WHEN the stack is updated with UpdateStack
    cloudformation.update_stack(
        StackName=deployed.name,
        TemplateBody=_template(_greeter_stack(code_bucket, "v1.zip", "layer-2.zip")),
        Capabilities=CAPABILITIES,
    )
    # THEN it completes and the function refers to the new layer version
    stack = cloudformation.describe_stacks(StackName=deployed.name)["Stacks"][0]
    assert stack["StackStatus"] == "UPDATE_COMPLETE"
    layer = cloudformation.describe_stack_resource(
        StackName=deployed.name, LogicalResourceId="Layer"
    )
    new_layer = layer["StackResourceDetail"]["PhysicalResourceId"]
    assert new_layer != deployed.physical_ids["Layer"]
    function = emulator.client("lambda").get_function(FunctionName=deployed.outputs["FunctionName"])
    assert [layer["Arn"] for layer in function["Configuration"]["Layers"]] == [new_layer]


def test_the_cdk_version_report_is_a_resource_like_any_other(
    stacks: Stacks, cloudformation: Any, caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN the metadata resource every stack synthesized as `cdk synth` does carries
    metadata = {"Type": "AWS::CDK::Metadata", "Properties": {"Analytics": "v2:deflate64:x"}}
    # WHEN deployed THEN it is one of the stack's resources, and moto warns of nothing
    with caplog.at_level(logging.WARNING):
        deployed = stacks.deploy({"CDKMetadata": metadata, "Queue": {"Type": "AWS::SQS::Queue"}})
    assert deployed.physical_ids["CDKMetadata"]
    assert not [r for r in caplog.records if "No Moto CloudFormation support" in r.getMessage()]


# ---------------------------------------------------------------------------------------
# DynamoDB


def _table(**properties: Any) -> dict[str, Any]:
    return {
        "Type": "AWS::DynamoDB::Table",
        "Properties": {
            "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
            "BillingMode": "PAY_PER_REQUEST",
            **properties,
        },
    }


def test_a_table_is_updated_in_place_and_keeps_its_items(
    emulator: Emulator, cloudformation: Any, stacks: Stacks
) -> None:
    # GIVEN a table with point-in-time recovery, holding an item
    deployed = stacks.deploy(
        {"Table": _table(PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})},
        {"TableName": {"Ref": "Table"}},
    )
    table = deployed.outputs["TableName"]
    dynamodb = emulator.client("dynamodb")
    dynamodb.put_item(TableName=table, Item={"id": {"S": "lamp"}, "owner": {"S": "ada"}})
    backups = dynamodb.describe_continuous_backups(TableName=table)["ContinuousBackupsDescription"]
    assert backups["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"
    # WHEN an update adds an index, a stream and a time to live
    changed = _table(
        AttributeDefinitions=[
            {"AttributeName": "id", "AttributeType": "S"},
            {"AttributeName": "owner", "AttributeType": "S"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "byOwner",
                "KeySchema": [{"AttributeName": "owner", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        StreamSpecification={"StreamViewType": "NEW_IMAGE"},
        TimeToLiveSpecification={"AttributeName": "expires", "Enabled": True},
    )
    change_set = _change_set(
        cloudformation,
        deployed.name,
        _template({"Table": changed}, Outputs={"TableName": {"Value": {"Ref": "Table"}}}),
    )
    changes = [c["ResourceChange"] for c in change_set["Changes"]]
    assert [(c["LogicalResourceId"], c["Replacement"]) for c in changes] == [("Table", "False")]
    cloudformation.execute_change_set(ChangeSetName=change_set["ChangeSetId"])
    # THEN the same table has them, and still has its item
    stack = cloudformation.describe_stacks(StackName=deployed.name)["Stacks"][0]
    assert stack["StackStatus"] == "UPDATE_COMPLETE", stack.get("StackStatusReason")
    assert _outputs(stack)["TableName"] == table
    description = dynamodb.describe_table(TableName=table)["Table"]
    assert [index["IndexName"] for index in description["GlobalSecondaryIndexes"]] == ["byOwner"]
    assert description["StreamSpecification"] == {
        "StreamEnabled": True,
        "StreamViewType": "NEW_IMAGE",
    }
    ttl = dynamodb.describe_time_to_live(TableName=table)["TimeToLiveDescription"]
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires"}
    assert dynamodb.get_item(TableName=table, Key={"id": {"S": "lamp"}})["Item"]["owner"] == {
        "S": "ada"
    }
