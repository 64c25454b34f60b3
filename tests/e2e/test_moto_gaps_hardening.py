"""moto's gaps around prod's hardening, one regression test each: customer-managed keys, tagged
SSM parameters, WAF web ACLs and their associations, and CDK's SDK-call custom resource
(``Custom::AWS``), which prod uses to read the CloudFront web ACL's ARN across regions."""

from __future__ import annotations

import json
from typing import Any

import pytest

from localcloud.emulator import Emulator
from tests.e2e._moto_fixtures import Stacks, unique

TAGS = [{"Key": "project", "Value": "serverless-aws-reference"}]
POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "AdministerThroughIam",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
            "Action": ["kms:Describe*", "kms:Put*"],
            "Resource": "*",
        }
    ],
}


def test_key_keeps_its_tags_rotation_and_policy(stacks: Stacks, emulator: Emulator) -> None:
    # GIVEN a tagged, rotated key with a policy, as StackKey writes it
    deployed = stacks.deploy(
        {
            "Key": {
                "Type": "AWS::KMS::Key",
                "Properties": {"KeyPolicy": POLICY, "EnableKeyRotation": True, "Tags": TAGS},
            }
        },
        outputs={"Arn": {"Fn::GetAtt": ["Key", "Arn"]}},
    )
    # THEN the stack completes and the key is there with its tags, rotation and policy
    kms = emulator.client("kms")
    key_id = deployed.physical_ids["Key"]
    assert deployed.outputs["Arn"].endswith(key_id)
    tags = kms.list_resource_tags(KeyId=key_id)["Tags"]
    assert {"TagKey": "project", "TagValue": "serverless-aws-reference"} in tags
    assert kms.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"] is True
    policy = kms.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"]
    assert json.loads(policy) == POLICY
    # AND it encrypts and decrypts
    blob = kms.encrypt(KeyId=key_id, Plaintext=b"secret")["CiphertextBlob"]
    assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"secret"


def test_key_has_the_usage_and_spec_of_its_template(stacks: Stacks, emulator: Emulator) -> None:
    # GIVEN an HMAC key beside a symmetric one, as DedicatedKey writes them
    deployed = stacks.deploy(
        {
            "Hmac": {
                "Type": "AWS::KMS::Key",
                "Properties": {
                    "KeyPolicy": POLICY,
                    "KeySpec": "HMAC_256",
                    "KeyUsage": "GENERATE_VERIFY_MAC",
                },
            },
            "Symmetric": {"Type": "AWS::KMS::Key", "Properties": {"KeyPolicy": POLICY}},
        }
    )
    kms = emulator.client("kms")
    hmac_key, symmetric_key = (deployed.physical_ids[name] for name in ("Hmac", "Symmetric"))
    # THEN the HMAC key is one: it makes MACs (the same for the same message) and verifies them
    described = kms.describe_key(KeyId=hmac_key)["KeyMetadata"]
    assert (described["KeyUsage"], described["KeySpec"]) == ("GENERATE_VERIFY_MAC", "HMAC_256")
    macs = [
        kms.generate_mac(KeyId=hmac_key, Message=b"request", MacAlgorithm="HMAC_SHA_256")["Mac"]
        for _ in range(2)
    ]
    assert macs[0] == macs[1]
    verified = kms.verify_mac(
        KeyId=hmac_key, Message=b"request", MacAlgorithm="HMAC_SHA_256", Mac=macs[0]
    )
    assert verified["MacValid"] is True
    # AND a key without the properties is still the symmetric encryption key CloudFormation makes
    described = kms.describe_key(KeyId=symmetric_key)["KeyMetadata"]
    assert (described["KeyUsage"], described["KeySpec"]) == ("ENCRYPT_DECRYPT", "SYMMETRIC_DEFAULT")


def test_parameter_with_tags_as_a_map_is_created(stacks: Stacks, emulator: Emulator) -> None:
    name = f"/{unique('gap')}/arn"
    stacks.deploy(
        {
            "Parameter": {
                "Type": "AWS::SSM::Parameter",
                "Properties": {
                    "Name": name,
                    "Type": "String",
                    "Value": "v1",
                    "Tags": {"project": "serverless-aws-reference"},
                },
            }
        }
    )
    ssm = emulator.client("ssm")
    assert ssm.get_parameter(Name=name)["Parameter"]["Value"] == "v1"
    tags = ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId=name)["TagList"]
    assert tags == [{"Key": "project", "Value": "serverless-aws-reference"}]


def _acl(scope: str) -> dict[str, Any]:
    visibility = {
        "CloudWatchMetricsEnabled": True,
        "MetricName": "acl",
        "SampledRequestsEnabled": True,
    }
    return {
        "Type": "AWS::WAFv2::WebACL",
        "Properties": {
            "Scope": scope,
            "DefaultAction": {"Allow": {}},
            "VisibilityConfig": visibility,
            "Rules": [
                {
                    "Name": "RateLimitPerIp",
                    "Priority": 0,
                    "Action": {"Block": {}},
                    "Statement": {"RateBasedStatement": {"Limit": 2000, "AggregateKeyType": "IP"}},
                    "VisibilityConfig": {**visibility, "MetricName": "rate"},
                }
            ],
        },
    }


@pytest.mark.parametrize("scope", ["REGIONAL", "CLOUDFRONT"])
def test_web_acl_is_created_in_its_scope(stacks: Stacks, emulator: Emulator, scope: str) -> None:
    deployed = stacks.deploy(
        {"Acl": _acl(scope)},
        outputs={"Arn": {"Fn::GetAtt": ["Acl", "Arn"]}, "Id": {"Fn::GetAtt": ["Acl", "Id"]}},
    )
    acls = emulator.client("wafv2").list_web_acls(Scope=scope)["WebACLs"]
    [acl] = [a for a in acls if a["ARN"] == deployed.outputs["Arn"]]
    assert acl["Id"] == deployed.outputs["Id"]
    # CloudFront's ACLs are global, as CloudFront requires
    assert (":global/webacl/" in acl["ARN"]) is (scope == "CLOUDFRONT")


def test_web_acl_association_attaches_the_acl_to_the_resource(
    stacks: Stacks, emulator: Emulator
) -> None:
    resource_arn = "arn:aws:apigateway:us-east-1::/restapis/abc123/stages/v1"
    deployed = stacks.deploy(
        {
            "Acl": _acl("REGIONAL"),
            "Association": {
                "Type": "AWS::WAFv2::WebACLAssociation",
                "Properties": {
                    "ResourceArn": resource_arn,
                    "WebACLArn": {"Fn::GetAtt": ["Acl", "Arn"]},
                },
            },
        },
        outputs={"Arn": {"Fn::GetAtt": ["Acl", "Arn"]}},
    )
    wafv2 = emulator.client("wafv2")
    found = wafv2.get_web_acl_for_resource(ResourceArn=resource_arn)["WebACL"]
    assert found["ARN"] == deployed.outputs["Arn"]
    # AND deleting the stack detaches it
    stacks.delete(deployed.name)
    assert wafv2.get_web_acl_for_resource(ResourceArn=resource_arn).get("WebACL") is None


def _sdk_call(service: str, action: str, parameters: dict[str, Any], **extra: Any) -> str:
    return json.dumps({"service": service, "action": action, "parameters": parameters, **extra})


def test_sdk_call_custom_resource_answers_with_the_flattened_response(
    stacks: Stacks, emulator: Emulator
) -> None:
    # GIVEN a parameter (in another stack, as CdnFirewall writes it) and an AwsCustomResource
    # reading it the way prod's stacks read the CloudFront web ACL's ARN
    name = f"/{unique('gap')}/cdn-web-acl-arn"
    emulator.client("ssm").put_parameter(Name=name, Value="arn:aws:wafv2:acl", Type="String")
    read = _sdk_call(
        "SSM", "getParameter", {"Name": name}, region="us-east-1", physicalResourceId={"id": name}
    )
    deployed = stacks.deploy(
        {
            "Lookup": {
                "Type": "Custom::AWS",
                "Properties": {
                    "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:provider",
                    "Create": read,
                    "Update": read,
                    "InstallLatestAwsSdk": False,
                },
            }
        },
        outputs={"Value": {"Fn::GetAtt": ["Lookup", "Parameter.Value"]}, "Id": {"Ref": "Lookup"}},
    )
    # THEN its attribute is the response's dotted path, its Ref the physical id asked for
    assert deployed.outputs == {"Value": "arn:aws:wafv2:acl", "Id": name}


def test_sdk_call_names_services_as_either_javascript_sdk_does_and_runs_delete(
    stacks: Stacks, emulator: Emulator
) -> None:
    # GIVEN a resource that creates a queue with the v3 SDK's names and deletes it on delete
    queue = unique("gap-queue")
    create = _sdk_call(
        "@aws-sdk/client-sqs",
        "CreateQueue",
        {"QueueName": queue},
        physicalResourceId={"responsePath": "QueueUrl"},
    )
    delete = _sdk_call("SQS", "deleteQueue", {"QueueUrl": "PHYSICAL:RESOURCEID:"})
    deployed = stacks.deploy(
        {
            "Queue": {
                "Type": "Custom::AWS",
                "Properties": {"ServiceToken": "provider", "Create": create, "Delete": delete},
            }
        },
        outputs={"Url": {"Ref": "Queue"}},
    )
    sqs = emulator.client("sqs")
    assert deployed.outputs["Url"].endswith(f"/{queue}")
    assert queue in json.dumps(sqs.list_queues(QueueNamePrefix=queue))
    # WHEN the stack goes THEN the delete call ran with the physical id in place
    stacks.delete(deployed.name)
    assert "QueueUrls" not in sqs.list_queues(QueueNamePrefix=queue)


def test_sdk_call_failure_fails_the_stack_unless_its_error_is_ignored(
    stacks: Stacks, emulator: Emulator
) -> None:
    missing = f"/{unique('gap')}/missing"
    ignored = _sdk_call(
        "SSM",
        "getParameter",
        {"Name": missing},
        physicalResourceId={"id": "lookup"},
        ignoreErrorCodesMatching="ParameterNotFound",
    )
    stacks.deploy(
        {"Lookup": {"Type": "Custom::AWS", "Properties": {"ServiceToken": "p", "Create": ignored}}}
    )
    failing = _sdk_call("SSM", "getParameter", {"Name": missing}, physicalResourceId={"id": "x"})
    # a failure marks the stack CREATE_FAILED with an event naming the resource and the reason
    with pytest.raises(AssertionError, match=r"Resource Lookup \(Custom::AWS\).*ParameterNotFound"):
        stacks.deploy(
            {
                "Lookup": {
                    "Type": "Custom::AWS",
                    "Properties": {"ServiceToken": "p", "Create": failing},
                }
            }
        )
