"""Custom resources of templates nobody here wrote: CDK's log retention done natively, CDK's
SDK-call resource under a type of the app's choosing, and any other custom resource failing
its stack at once, saying which and why (moto would invoke the provider and wait for ever).
The templates are handwritten in the shapes CDK synthesizes."""

from __future__ import annotations

import json
from typing import Any

from localcloud.emulator import ACCOUNT_ID, Emulator

from ._moto_fixtures import LAMBDA_TRUST_POLICY, Stacks, create_failing, failure_reasons, unique

REGION = "us-east-1"
ROLE = {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": LAMBDA_TRUST_POLICY}}
# CDK's providers are Node.js functions; this one stands for any of them.
NODE_PROVIDER = {
    "Type": "AWS::Lambda::Function",
    "Properties": {
        "Code": {"ZipFile": "exports.handler = async () => ({});"},
        "Handler": "index.handler",
        "Runtime": "nodejs20.x",
        "Role": {"Fn::GetAtt": ["Role", "Arn"]},
    },
}


def _retention(logs: Any, group: str) -> list[Any]:
    found = logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]
    return [g.get("retentionInDays") for g in found if g["logGroupName"] == group]


def test_log_retention_sets_the_groups_retention_and_destroys_it_with_the_stack(
    stacks: Stacks, emulator: Emulator
) -> None:
    # GIVEN a function's LogRetention as CDK synthesizes it for log_retention=ONE_WEEK (the
    # group does not exist yet), and one for an existing group, retained, never expiring
    logs = emulator.client("logs")
    kept = f"/aws/lambda/{unique('kept')}"
    logs.create_log_group(logGroupName=kept)
    logs.put_retention_policy(logGroupName=kept, retentionInDays=30)
    group = f"/aws/lambda/{unique('orders')}"
    provider = {"Fn::GetAtt": ["Provider", "Arn"]}
    deployed = stacks.deploy(
        {
            "Role": ROLE,
            "Provider": NODE_PROVIDER,
            "Retention": {
                "Type": "Custom::LogRetention",
                "Properties": {
                    "ServiceToken": provider,
                    "LogGroupName": group,
                    "RetentionInDays": 7,
                    "RemovalPolicy": "destroy",
                },
            },
            "Forever": {
                "Type": "Custom::LogRetention",
                "Properties": {"ServiceToken": provider, "LogGroupName": kept},
            },
        },
        {"Group": {"Fn::GetAtt": ["Retention", "LogGroupName"]}},
    )
    # THEN the stack completes, the group exists with a week's retention, the other
    # group keeps its events for ever
    assert deployed.outputs == {"Group": group}
    assert _retention(logs, group) == [7]
    assert _retention(logs, kept) == [None]
    # AND deleting the stack removes the destroyable group and keeps the retained one
    stacks.delete(deployed.name)
    assert _retention(logs, group) == []
    assert _retention(logs, kept) == [None]


def test_sdk_call_resource_with_its_own_type_is_run(stacks: Stacks, emulator: Emulator) -> None:
    # GIVEN AwsCustomResource given resource_type="Custom::Greeting": a putObject on create,
    # a deleteObject on delete
    s3 = emulator.client("s3")
    bucket = unique("greetings")
    s3.create_bucket(Bucket=bucket)
    call = {"service": "S3", "physicalResourceId": {"id": "greeting"}}
    key = {"Bucket": bucket, "Key": "hi.txt"}
    put = {**call, "action": "putObject", "parameters": {**key, "Body": "Hello"}}
    remove = {**call, "action": "deleteObject", "parameters": key}
    deployed = stacks.deploy(
        {
            "Role": ROLE,
            "Provider": NODE_PROVIDER,
            "Greeting": {
                "Type": "Custom::Greeting",
                "Properties": {
                    "ServiceToken": {"Fn::GetAtt": ["Provider", "Arn"]},
                    "Create": json.dumps(put),
                    "Delete": json.dumps(remove),
                    "InstallLatestAwsSdk": False,
                },
            },
        },
        {"Id": {"Ref": "Greeting"}},
    )
    # THEN the call was made; deleting the stack makes the delete call
    assert deployed.outputs == {"Id": "greeting"}
    assert s3.get_object(Bucket=bucket, Key="hi.txt")["Body"].read() == b"Hello"
    stacks.delete(deployed.name)
    assert s3.list_objects_v2(Bucket=bucket).get("KeyCount") == 0


def test_a_custom_resource_the_local_cloud_cannot_run_fails_its_stack_at_once(
    stacks: Stacks,
) -> None:
    # GIVEN a custom resource whose provider is a Node.js function, and an output that reads
    # one of its attributes
    name = create_failing(
        stacks,
        {
            "Role": ROLE,
            "Provider": NODE_PROVIDER,
            "Seed": {
                "Type": "Custom::SeedTable",
                "Properties": {"ServiceToken": {"Fn::GetAtt": ["Provider", "Arn"]}, "Rows": 3},
            },
        },
        {"Seeded": {"Fn::GetAtt": ["Seed", "Count"]}},
    )
    # THEN the stack fails (create_failing: not left waiting for a response that never comes),
    # and its failure names the resource, its type, the provider and why
    (reason, *_) = failure_reasons(stacks.cloudformation, name)
    assert reason.startswith("Resource Seed (Custom::SeedTable) failed to create"), reason
    assert "nodejs20.x" in reason
    assert "does not run" in reason
    # AND the failed stack can still be described (it has no outputs)
    (stack,) = stacks.cloudformation.describe_stacks(StackName=name)["Stacks"]
    assert stack["StackStatus"] == "CREATE_FAILED"
    assert "Outputs" not in stack


def test_a_custom_resource_whose_provider_is_a_topic_fails_naming_it(stacks: Stacks) -> None:
    # GIVEN AWS::CloudFormation::CustomResource sent to an SNS topic
    topic = f"arn:aws:sns:{REGION}:{ACCOUNT_ID}:{unique('provisioning')}"
    name = create_failing(
        stacks,
        {
            "Legacy": {
                "Type": "AWS::CloudFormation::CustomResource",
                "Properties": {"ServiceToken": topic},
            }
        },
        {},
    )
    # THEN the stack fails, naming the resource and its topic
    (reason, *_) = failure_reasons(stacks.cloudformation, name)
    assert "Resource Legacy (AWS::CloudFormation::CustomResource)" in reason
    assert f"SNS topic {topic}" in reason
