"""One regression test per moto gap that a ``localcloud/<service>/moto_gaps.py`` module covers.

Each test deploys a tiny handwritten template into an emulator started for this module
and checks, through boto3 against the emulator, the behaviour AWS has and stock moto 5.2.5
lacks. If a moto upgrade (or a change in the patches) breaks a fix, the test named after
the gap fails.
"""

from __future__ import annotations

import base64
import json
import re
import time
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from moto.awslambda.models import lambda_backends

from localcloud.awslambda import moto_gaps as lambda_gaps
from localcloud.cloudformation import moto_gaps as cloudformation_gaps
from localcloud.cloudfront import moto_gaps as cloudfront_gaps
from localcloud.cloudwatch import moto_gaps as cloudwatch_gaps
from localcloud.emulator import ACCOUNT_ID, Emulator
from localcloud.event_sources import moto_gaps as event_source_gaps
from localcloud.moto_helpers import gaps, version
from localcloud.s3 import moto_gaps as s3_gaps

from ._cloudwatch import statistics
from ._moto_fixtures import (
    LAMBDA_ROLE,
    LAMBDA_TRUST_POLICY,
    Stacks,
    mock_rest_api,
    python_function,
    unique,
    zip_bytes,
)

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def s3(emulator: Emulator) -> Any:
    return emulator.client("s3")


@pytest.fixture
def apigateway(emulator: Emulator) -> Any:
    return emulator.client("apigateway")


def _bucket(s3: Any) -> str:
    name = unique("moto-gap-bucket")
    s3.create_bucket(Bucket=name)
    return name


# ---------------------------------------------------------------------------------------
# version pin


def test_patches_refuse_a_moto_other_than_the_pinned_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN the installed moto is the pinned one, and the requirements pin the same version
    assert version.installed_moto_version() == version.PINNED_MOTO_VERSION
    requirements = (REPO / "requirements-dev.txt").read_text()
    assert f"moto[server]=={version.PINNED_MOTO_VERSION}" in requirements
    gaps.apply()
    # WHEN a different moto is reported
    monkeypatch.setattr(version, "installed_moto_version", lambda: "5.3.0")
    # THEN apply() refuses with a message naming both versions
    with pytest.raises(version.MotoVersionError, match=r"moto==5\.2\.5.*moto 5\.3\.0"):
        gaps.apply()


# ---------------------------------------------------------------------------------------
# ordering


def test_creation_order_follows_ref_getatt_sub_and_depends_on() -> None:
    # GIVEN resources listed before what they refer to, through each kind of edge
    resources = {
        "Output": {"Properties": {"Text": {"Fn::Sub": "${Queue.Arn}/${Topic}"}}},
        "Queue": {"Properties": {"Target": {"Fn::GetAtt": ["Bucket", "Arn"]}}},
        "Bucket": {"DependsOn": "Role", "Properties": {}},
        "Topic": {"Properties": {"Name": {"Fn::Sub": ["${X}", {"X": {"Ref": "Role"}}]}}},
        "Role": {"Properties": {}},
    }
    # WHEN ordered for creation
    order = cloudformation_gaps.resource_creation_order(resources)
    # THEN every resource comes after everything it refers to
    assert order.index("Role") < order.index("Bucket") < order.index("Queue")
    assert order.index("Queue") < order.index("Output")
    assert order.index("Role") < order.index("Topic") < order.index("Output")


def test_a_stage_listed_before_its_methods_still_deploys(stacks: Stacks, apigateway: Any) -> None:
    # GIVEN a Stage listed first, whose Deployment DependsOn a Method (moto would create the
    # Deployment when resolving the Stage's Ref, before any Method: NoMethodDefined)
    name = unique("ordered-api")
    # WHEN deployed
    deployed = stacks.deploy(mock_rest_api(name, stage_first=True), {"ApiId": {"Ref": "Api"}})
    # THEN the stack completes and the stage serves a deployment that includes the method
    api_id = deployed.outputs["ApiId"]
    stage = apigateway.get_stage(restApiId=api_id, stageName="v1")
    deployment = apigateway.get_deployment(restApiId=api_id, deploymentId=stage["deploymentId"])
    assert deployment["id"] == stage["deploymentId"]


def test_delete_empties_an_auto_delete_bucket_before_removing_it(stacks: Stacks, s3: Any) -> None:
    # GIVEN a bucket with CDK's auto-delete custom resource (listed first), holding objects
    deployed = stacks.deploy(
        {
            "AutoDelete": {
                "Type": "Custom::S3AutoDeleteObjects",
                "DependsOn": ["Bucket"],
                "Properties": {
                    "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:provider",
                    "BucketName": {"Ref": "Bucket"},
                },
            },
            "Bucket": {"Type": "AWS::S3::Bucket"},
        },
        {"BucketName": {"Ref": "Bucket"}},
    )
    bucket = deployed.outputs["BucketName"]
    s3.put_object(Bucket=bucket, Key="a.txt", Body=b"a")
    s3.put_object(Bucket=bucket, Key="nested/b.txt", Body=b"b")
    # WHEN the stack is deleted
    stacks.delete(deployed.name)
    # THEN the custom resource emptied the bucket first, so the bucket itself is gone
    with pytest.raises(ClientError) as missing:
        s3.head_bucket(Bucket=bucket)
    assert missing.value.response["Error"]["Code"] == "404"


# ---------------------------------------------------------------------------------------
# API Gateway


def test_rest_api_keeps_key_source_binary_types_policy_and_tags(
    stacks: Stacks, apigateway: Any
) -> None:
    # GIVEN a RestApi with the properties moto's model drops
    policy = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke"}],
    }
    resources = mock_rest_api(unique("full-api"))
    resources["Api"]["Properties"].update(
        ApiKeySourceType="HEADER",
        BinaryMediaTypes=["image/png"],
        Policy=policy,
        Tags=[{"Key": "team", "Value": "items"}],
        DisableExecuteApiEndpoint=False,
    )
    # WHEN deployed
    deployed = stacks.deploy(resources, {"ApiId": {"Ref": "Api"}})
    # THEN the API reports them
    api = apigateway.get_rest_api(restApiId=deployed.outputs["ApiId"])
    assert api["apiKeySource"] == "HEADER"
    assert api["binaryMediaTypes"] == ["image/png"]
    assert json.loads(api["policy"]) == policy
    assert api["tags"] == {"team": "items"}


def test_mock_method_keeps_validator_models_parameters_and_responses(
    stacks: Stacks, apigateway: Any
) -> None:
    # GIVEN a MOCK method (no IntegrationHttpMethod: moto's model raises KeyError) with a
    # request validator, a request model, request parameters and responses
    resources = mock_rest_api(unique("validated-api"))
    resources["Validator"] = {
        "Type": "AWS::ApiGateway::RequestValidator",
        "Properties": {
            "RestApiId": {"Ref": "Api"},
            "ValidateRequestBody": True,
            "ValidateRequestParameters": True,
        },
    }
    resources["ItemModel"] = {
        "Type": "AWS::ApiGateway::Model",
        "Properties": {
            "RestApiId": {"Ref": "Api"},
            "ContentType": "application/json",
            "Schema": {"type": "object", "required": ["name"]},
        },
    }
    resources["GetItems"]["Properties"].update(
        RequestValidatorId={"Ref": "Validator"},
        RequestModels={"application/json": {"Ref": "ItemModel"}},
        RequestParameters={"method.request.querystring.limit": True},
        ApiKeyRequired=True,
    )
    # WHEN deployed
    deployed = stacks.deploy(
        resources,
        {
            "ApiId": {"Ref": "Api"},
            "ItemsId": {"Ref": "Items"},
            "ValidatorId": {"Fn::GetAtt": ["Validator", "RequestValidatorId"]},
        },
    )
    # THEN the method carries all of it, and the validator and model exist
    api_id = deployed.outputs["ApiId"]
    method = apigateway.get_method(
        restApiId=api_id, resourceId=deployed.outputs["ItemsId"], httpMethod="GET"
    )
    assert method["requestValidatorId"] == deployed.outputs["ValidatorId"]
    assert method["requestModels"] == {"application/json": "ItemModel"}
    assert method["requestParameters"] == {"method.request.querystring.limit": True}
    assert method["apiKeyRequired"] is True
    assert method["methodIntegration"]["type"] == "MOCK"
    assert "200" in method["methodIntegration"]["integrationResponses"]
    assert "200" in method["methodResponses"]
    validator = apigateway.get_request_validator(
        restApiId=api_id, requestValidatorId=deployed.outputs["ValidatorId"]
    )
    assert validator["validateRequestBody"] is True
    assert validator["validateRequestParameters"] is True
    model = apigateway.get_model(restApiId=api_id, modelName="ItemModel")
    assert json.loads(model["schema"]) == {"type": "object", "required": ["name"]}


def test_deployment_ref_resolves_to_its_id(stacks: Stacks, apigateway: Any) -> None:
    # GIVEN an output that refers to a Deployment (moto would render the Python object)
    # WHEN deployed
    deployed = stacks.deploy(
        mock_rest_api(unique("deployment-api")),
        {"ApiId": {"Ref": "Api"}, "DeploymentId": {"Ref": "Deployment"}},
    )
    # THEN the output is the deployment's id
    deployments = apigateway.get_deployments(restApiId=deployed.outputs["ApiId"])["items"]
    assert [d["id"] for d in deployments] == [deployed.outputs["DeploymentId"]]


def test_stage_keeps_method_settings_access_logs_tracing_and_variables(
    stacks: Stacks, apigateway: Any
) -> None:
    # GIVEN a Stage (a type moto's CloudFormation skips) with the settings CDK writes
    resources = mock_rest_api(unique("staged-api"))
    resources["Stage"]["Properties"].update(
        TracingEnabled=True,
        Variables={"table": "items"},
        AccessLogSetting={
            "DestinationArn": "arn:aws:logs:us-east-1:123456789012:log-group:access",
            "Format": "$context.requestId",
        },
        MethodSettings=[
            {
                "ResourcePath": "/*",
                "HttpMethod": "*",
                "ThrottlingRateLimit": 10,
                "ThrottlingBurstLimit": 5,
                "MetricsEnabled": True,
            }
        ],
    )
    # WHEN deployed
    deployed = stacks.deploy(resources, {"ApiId": {"Ref": "Api"}, "StageName": {"Ref": "Stage"}})
    # THEN the stage exists with every setting, and Ref of the Stage is its name
    assert deployed.outputs["StageName"] == "v1"
    stage = apigateway.get_stage(restApiId=deployed.outputs["ApiId"], stageName="v1")
    assert stage["tracingEnabled"] is True
    assert stage["variables"] == {"table": "items"}
    assert stage["accessLogSettings"]["format"] == "$context.requestId"
    assert stage["methodSettings"]["*/*"] == {
        "throttlingRateLimit": 10.0,
        "throttlingBurstLimit": 5,
        "metricsEnabled": True,
    }


def test_usage_plan_has_throttle_quota_stage_and_the_key_attached(
    stacks: Stacks, apigateway: Any
) -> None:
    # GIVEN an API key, a usage plan on the API's stage and the key attached to the plan
    resources = mock_rest_api(unique("keyed-api"))
    resources["Key"] = {
        "Type": "AWS::ApiGateway::ApiKey",
        "Properties": {"Enabled": True, "Description": "items client"},
    }
    resources["Plan"] = {
        "Type": "AWS::ApiGateway::UsagePlan",
        "Properties": {
            "ApiStages": [{"ApiId": {"Ref": "Api"}, "Stage": {"Ref": "Stage"}}],
            "Throttle": {"RateLimit": 10, "BurstLimit": 20},
            "Quota": {"Limit": 1000, "Period": "DAY"},
        },
    }
    resources["PlanKey"] = {
        "Type": "AWS::ApiGateway::UsagePlanKey",
        "Properties": {
            "KeyId": {"Ref": "Key"},
            "KeyType": "API_KEY",
            "UsagePlanId": {"Ref": "Plan"},
        },
    }
    # WHEN deployed
    deployed = stacks.deploy(
        resources,
        {
            "ApiId": {"Ref": "Api"},
            "KeyId": {"Fn::GetAtt": ["Key", "APIKeyId"]},
            "PlanId": {"Fn::GetAtt": ["Plan", "Id"]},
        },
    )
    # THEN the key exists with a value, the plan has the throttle, quota and stage, and the
    # key is in the plan
    key = apigateway.get_api_key(apiKey=deployed.outputs["KeyId"], includeValue=True)
    assert key["enabled"] is True
    assert key["value"]
    plan = apigateway.get_usage_plan(usagePlanId=deployed.outputs["PlanId"])
    assert plan["throttle"] == {"rateLimit": 10.0, "burstLimit": 20}
    assert plan["quota"] == {"limit": 1000, "period": "DAY"}
    assert plan["apiStages"] == [{"apiId": deployed.outputs["ApiId"], "stage": "v1"}]
    plan_keys = apigateway.get_usage_plan_keys(usagePlanId=plan["id"])["items"]
    assert [k["id"] for k in plan_keys] == [key["id"]]


def test_gateway_response_is_created(stacks: Stacks, apigateway: Any) -> None:
    # GIVEN a gateway response with CORS headers for 4XX errors
    resources = mock_rest_api(unique("cors-api"))
    resources["Default4xx"] = {
        "Type": "AWS::ApiGateway::GatewayResponse",
        "Properties": {
            "RestApiId": {"Ref": "Api"},
            "ResponseType": "DEFAULT_4XX",
            "ResponseParameters": {
                "gatewayresponse.header.Access-Control-Allow-Origin": "'*'",
            },
        },
    }
    # WHEN deployed
    deployed = stacks.deploy(resources, {"ApiId": {"Ref": "Api"}})
    # THEN the API has it
    response = apigateway.get_gateway_response(
        restApiId=deployed.outputs["ApiId"], responseType="DEFAULT_4XX"
    )
    assert response["responseParameters"] == {
        "gatewayresponse.header.Access-Control-Allow-Origin": "'*'"
    }


# ---------------------------------------------------------------------------------------
# CloudFront


def _static_site(bucket: str) -> dict[str, Any]:
    return {
        "Headers": {
            "Type": "AWS::CloudFront::ResponseHeadersPolicy",
            "Properties": {
                "ResponseHeadersPolicyConfig": {
                    "Name": unique("headers"),
                    "SecurityHeadersConfig": {
                        "ContentSecurityPolicy": {
                            "ContentSecurityPolicy": "default-src 'self'",
                            "Override": True,
                        },
                    },
                }
            },
        },
        "Oac": {
            "Type": "AWS::CloudFront::OriginAccessControl",
            "Properties": {
                "OriginAccessControlConfig": {
                    "Name": unique("oac"),
                    "OriginAccessControlOriginType": "s3",
                    "SigningBehavior": "always",
                    "SigningProtocol": "sigv4",
                }
            },
        },
        "Cdn": {
            "Type": "AWS::CloudFront::Distribution",
            "Properties": {
                "DistributionConfig": {
                    "Enabled": True,
                    "DefaultRootObject": "index.html",
                    "Origins": [
                        {
                            "Id": "site",
                            "DomainName": f"{bucket}.s3.us-east-1.amazonaws.com",
                            "S3OriginConfig": {"OriginAccessIdentity": ""},
                            "OriginAccessControlId": {"Fn::GetAtt": ["Oac", "Id"]},
                        }
                    ],
                    "DefaultCacheBehavior": {
                        "TargetOriginId": "site",
                        "ViewerProtocolPolicy": "redirect-to-https",
                        "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6",
                        "ResponseHeadersPolicyId": {"Ref": "Headers"},
                    },
                }
            },
        },
    }


def test_distribution_ref_and_getatt_resolve_in_outputs(stacks: Stacks, emulator: Emulator) -> None:
    # GIVEN a distribution behind an origin access control (types moto's CloudFormation skips)
    # WHEN deployed with outputs that refer to them
    deployed = stacks.deploy(
        _static_site("site-bucket"),
        {
            "DistributionId": {"Ref": "Cdn"},
            "DomainName": {"Fn::GetAtt": ["Cdn", "DomainName"]},
            "OacId": {"Fn::GetAtt": ["Oac", "Id"]},
        },
    )
    # THEN the outputs are the distribution's id and domain, which the CloudFront API knows
    cloudfront = emulator.client("cloudfront")
    distribution = cloudfront.get_distribution(Id=deployed.outputs["DistributionId"])
    assert distribution["Distribution"]["DomainName"] == deployed.outputs["DomainName"]
    assert deployed.outputs["DomainName"].endswith(".cloudfront.net")
    config = distribution["Distribution"]["DistributionConfig"]
    assert config["Origins"]["Items"][0]["DomainName"].startswith("site-bucket.")
    control = cloudfront.get_origin_access_control(Id=deployed.outputs["OacId"])
    assert control["OriginAccessControl"]["OriginAccessControlConfig"]["SigningBehavior"] == (
        "always"
    )
    # AND the template's configuration is readable as deployed
    recorded = cloudfront_gaps.distribution_config(deployed.outputs["DistributionId"])
    assert recorded is not None
    assert recorded["DefaultRootObject"] == "index.html"
    assert recorded["Origins"][0]["OriginAccessControlId"] == deployed.outputs["OacId"]


def test_response_headers_policy_is_recorded_for_the_front_end(stacks: Stacks) -> None:
    # GIVEN a response headers policy (moto has none) referenced by a distribution
    deployed = stacks.deploy(_static_site("headers-bucket"), {"DistributionId": {"Ref": "Cdn"}})
    # WHEN the front end looks the policy up by the id the cache behaviour holds
    config = cloudfront_gaps.distribution_config(deployed.outputs["DistributionId"])
    assert config is not None
    policy_id = config["DefaultCacheBehavior"]["ResponseHeadersPolicyId"]
    policy = cloudfront_gaps.response_headers_policy(policy_id)
    # THEN it gets the configuration as the template wrote it
    assert policy is not None
    assert policy["SecurityHeadersConfig"]["ContentSecurityPolicy"] == {
        "ContentSecurityPolicy": "default-src 'self'",
        "Override": True,
    }
    # AND deleting the stack forgets it
    stacks.delete(deployed.name)
    assert cloudfront_gaps.response_headers_policy(policy_id) is None
    assert cloudfront_gaps.distribution_config(deployed.outputs["DistributionId"]) is None


# ---------------------------------------------------------------------------------------
# CloudWatch, SQS, S3 policies


def test_alarm_is_created(stacks: Stacks, emulator: Emulator) -> None:
    # GIVEN an alarm on a function's errors (a type moto's CloudFormation skips)
    # WHEN deployed
    deployed = stacks.deploy(
        {
            "Errors": {
                "Type": "AWS::CloudWatch::Alarm",
                "Properties": {
                    "Namespace": "AWS/Lambda",
                    "MetricName": "Errors",
                    "Dimensions": [{"Name": "FunctionName", "Value": "items"}],
                    "Statistic": "Sum",
                    "Period": 60,
                    "EvaluationPeriods": 1,
                    "Threshold": 1,
                    "ComparisonOperator": "GreaterThanOrEqualToThreshold",
                    "TreatMissingData": "notBreaching",
                },
            }
        },
        {"AlarmName": {"Ref": "Errors"}, "AlarmArn": {"Fn::GetAtt": ["Errors", "Arn"]}},
    )
    # THEN describe_alarms finds it by the name Ref gave, with its settings
    (alarm,) = emulator.client("cloudwatch").describe_alarms(
        AlarmNames=[deployed.outputs["AlarmName"]]
    )["MetricAlarms"]
    assert alarm["AlarmArn"] == deployed.outputs["AlarmArn"]
    assert alarm["MetricName"] == "Errors"
    assert alarm["Threshold"] == 1.0
    assert alarm["TreatMissingData"] == "notBreaching"
    assert alarm["Dimensions"] == [{"Name": "FunctionName", "Value": "items"}]


def _emf(namespace: str, **members: Any) -> str:
    directive = {
        "Namespace": namespace,
        "Dimensions": [["service"], ["service", "route"]],
        "Metrics": [{"Name": "Orders", "Unit": "Count"}, {"Name": "Basket", "Unit": "None"}],
    }
    document = {"_aws": {"Timestamp": int(time.time() * 1000), "CloudWatchMetrics": [directive]}}
    return json.dumps({**document, **members})


def test_embedded_metric_format_log_events_become_metrics(emulator: Emulator) -> None:
    # GIVEN a log stream
    logs = emulator.client("logs")
    group, namespace = unique("/emf/orders"), unique("Shop")
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="s")
    # WHEN events in embedded metric format are written to it, among others
    now = int(time.time() * 1000)
    messages = [
        _emf(namespace, service="shop", route="/orders", Orders=[1, 2], Basket=30.5),
        "plain text, no metrics",
        # a missing dimension value, a value that is no number: CloudWatch takes neither
        _emf(namespace, service="shop", Orders=5, Basket=1),
        _emf(namespace, service="shop", route="/orders", Orders="five", Basket=[True]),
        '{"_aws": "not a directive"}',
    ]
    logs.put_log_events(
        logGroupName=group,
        logStreamName="s",
        logEvents=[{"timestamp": now, "message": message} for message in messages],
    )
    # THEN each dimension set of the valid event gave each metric, with every value
    cloudwatch = emulator.client("cloudwatch")
    for dimensions in ({"service": "shop"}, {"service": "shop", "route": "/orders"}):
        assert statistics(cloudwatch, namespace, "Orders", dimensions) == {
            "SampleCount": 2.0,
            "Sum": 3.0,
            "Minimum": 1.0,
            "Maximum": 2.0,
        }
    basket = statistics(cloudwatch, namespace, "Basket", {"service": "shop"})
    assert (basket["Sum"], basket["SampleCount"]) == (30.5, 1.0)
    # AND the events themselves are stored as they were written
    stored = logs.get_log_events(logGroupName=group, logStreamName="s")["events"]
    assert [event["message"] for event in stored] == messages


def test_in_process_log_and_metric_writes_are_read_through_the_apis(emulator: Emulator) -> None:
    # GIVEN a log group that does not exist yet, and a namespace
    group, namespace = unique("/in-process"), unique("Writes")
    now = time.time()
    # WHEN the recorder's writes put events and a metric's statistics into moto's backends
    events = [{"timestamp": int(now * 1000), "message": m} for m in ("one", "two")]
    cloudwatch_gaps.put_log_events("us-east-1", group, "stream", events)
    statistic_values = {"SampleCount": 2, "Sum": 5.0, "Minimum": 1.0, "Maximum": 4.0}
    datum = {"MetricName": "Hits", "Timestamp": now, "StatisticValues": statistic_values}
    cloudwatch_gaps.put_metric_data("us-east-1", namespace, [{**datum, "Dimensions": []}])
    # THEN the group and stream were made, and both are read as the APIs read them
    stored = emulator.client("logs").get_log_events(logGroupName=group, logStreamName="stream")
    assert [event["message"] for event in stored["events"]] == ["one", "two"]
    assert statistics(emulator.client("cloudwatch"), namespace, "Hits", {}) == statistic_values


def test_queue_policy_is_set_on_the_queue(stacks: Stacks, emulator: Emulator) -> None:
    # GIVEN a queue and a policy that lets SNS send to it (a type moto's CloudFormation skips)
    statement = {
        "Effect": "Allow",
        "Principal": {"Service": "sns.amazonaws.com"},
        "Action": "sqs:SendMessage",
        "Resource": "*",
    }
    # WHEN deployed
    deployed = stacks.deploy(
        {
            "Queue": {"Type": "AWS::SQS::Queue"},
            "Policy": {
                "Type": "AWS::SQS::QueuePolicy",
                "Properties": {
                    "Queues": [{"Ref": "Queue"}],
                    "PolicyDocument": {"Version": "2012-10-17", "Statement": [statement]},
                },
            },
        },
        {"QueueUrl": {"Ref": "Queue"}},
    )
    # THEN the queue's Policy attribute is the document
    attributes = emulator.client("sqs").get_queue_attributes(
        QueueUrl=deployed.outputs["QueueUrl"], AttributeNames=["Policy"]
    )["Attributes"]
    assert json.loads(attributes["Policy"])["Statement"] == [statement]


def test_bucket_policy_is_recorded_but_not_enforced(stacks: Stacks, s3: Any) -> None:
    # GIVEN CDK's enforce-SSL policy (moto would apply it ignoring its Condition: deny all)
    deny_insecure = {
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Action": "s3:*",
        "Resource": "*",
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    # WHEN deployed
    deployed = stacks.deploy(
        {
            "Bucket": {"Type": "AWS::S3::Bucket"},
            "Policy": {
                "Type": "AWS::S3::BucketPolicy",
                "Properties": {
                    "Bucket": {"Ref": "Bucket"},
                    "PolicyDocument": {"Version": "2012-10-17", "Statement": [deny_insecure]},
                },
            },
        },
        {"BucketName": {"Ref": "Bucket"}},
    )
    bucket = deployed.outputs["BucketName"]
    # THEN the bucket still works over the emulator's plain HTTP
    s3.put_object(Bucket=bucket, Key="index.html", Body=b"<h1>items</h1>")
    assert s3.get_object(Bucket=bucket, Key="index.html")["Body"].read() == b"<h1>items</h1>"
    # AND the policy is readable for the front end, not applied to the bucket
    policy = s3_gaps.bucket_policy(bucket)
    assert policy is not None
    assert policy["Statement"] == [deny_insecure]
    with pytest.raises(ClientError, match="NoSuchBucketPolicy"):
        s3.get_bucket_policy(Bucket=bucket)


# ---------------------------------------------------------------------------------------
# CDK custom resources


def test_bucket_deployment_unzips_sources_replaces_markers_and_prunes(
    stacks: Stacks, s3: Any
) -> None:
    # GIVEN two source zips (site files; a json_data config with a deploy-time marker) and
    # a destination holding a stale file
    assets, site = _bucket(s3), _bucket(s3)
    s3.put_object(
        Bucket=assets,
        Key="site.zip",
        Body=zip_bytes({"index.html": "<h1>items</h1>", "js/app.js": "run()"}),
    )
    s3.put_object(
        Bucket=assets,
        Key="config.zip",
        Body=zip_bytes({"config.json": '{"apiUrl":"<<marker:0xbaba:0>>"}'}),
    )
    s3.put_object(Bucket=site, Key="stale.txt", Body=b"old")
    # WHEN CDK's bucket deployment custom resource is deployed
    stacks.deploy(
        {
            "Deploy": {
                "Type": "Custom::CDKBucketDeployment",
                "Properties": {
                    "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:provider",
                    "SourceBucketNames": [assets, assets],
                    "SourceObjectKeys": ["site.zip", "config.zip"],
                    "SourceMarkers": [
                        {},
                        {"<<marker:0xbaba:0>>": "https://api.example/v1/"},
                    ],
                    "DestinationBucketName": site,
                    "Prune": True,
                },
            }
        },
        {"Arn": {"Fn::GetAtt": ["Deploy", "DestinationBucketArn"]}},
    )
    # THEN the files are in the bucket with content types, the marker replaced, stale gone
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=site)["Contents"]}
    assert keys == {"index.html", "js/app.js", "config.json"}
    index = s3.get_object(Bucket=site, Key="index.html")
    assert index["ContentType"] == "text/html"
    assert index["Body"].read() == b"<h1>items</h1>"
    config = s3.get_object(Bucket=site, Key="config.json")
    assert config["ContentType"] == "application/json"
    assert json.loads(config["Body"].read()) == {"apiUrl": "https://api.example/v1/"}


# ---------------------------------------------------------------------------------------
# Lambda


def _echo_function(**properties: Any) -> dict[str, Any]:
    """A role and a Python function (``Function``) with ``properties`` besides the usual."""
    return {
        "Role": LAMBDA_ROLE,
        "Function": {
            "Type": "AWS::Lambda::Function",
            "Properties": {
                "Code": {"ZipFile": "def handler(event, context):\n    return event\n"},
                "Handler": "index.handler",
                "Runtime": "python3.11",
                "Role": {"Fn::GetAtt": ["Role", "Arn"]},
                **properties,
            },
        },
    }


def test_function_keeps_layers_architectures_tracing_storage_and_tags(
    stacks: Stacks, emulator: Emulator, s3: Any
) -> None:
    # GIVEN a layer version and a function using it, with the properties moto's model drops
    code = _bucket(s3)
    s3.put_object(Bucket=code, Key="layer.zip", Body=zip_bytes({"python/dep.py": "X = 1"}))
    # WHEN deployed
    deployed = stacks.deploy(
        {
            "Failed": {"Type": "AWS::SQS::Queue"},
            "Layer": {
                "Type": "AWS::Lambda::LayerVersion",
                "Properties": {
                    "Content": {"S3Bucket": code, "S3Key": "layer.zip"},
                    "CompatibleRuntimes": ["python3.11"],
                },
            },
            **_echo_function(
                Layers=[{"Ref": "Layer"}],
                Architectures=["arm64"],
                TracingConfig={"Mode": "Active"},
                EphemeralStorage={"Size": 1024},
                Tags=[{"Key": "team", "Value": "items"}],
                DeadLetterConfig={"TargetArn": {"Fn::GetAtt": ["Failed", "Arn"]}},
            ),
        },
        {
            "FunctionName": {"Ref": "Function"},
            "LayerArn": {"Ref": "Layer"},
            "QueueArn": {"Fn::GetAtt": ["Failed", "Arn"]},
        },
    )
    # THEN Ref of the layer is its version ARN and the function keeps every property
    assert re.fullmatch(r"arn:aws:lambda:us-east-1:\d{12}:layer:.+:1", deployed.outputs["LayerArn"])
    function = emulator.client("lambda").get_function(FunctionName=deployed.outputs["FunctionName"])
    configuration = function["Configuration"]
    assert [layer["Arn"] for layer in configuration["Layers"]] == [deployed.outputs["LayerArn"]]
    assert configuration["Architectures"] == ["arm64"]
    assert configuration["TracingConfig"] == {"Mode": "Active"}
    assert configuration["EphemeralStorage"] == {"Size": 1024}
    assert function["Tags"]["team"] == "items"
    # moto's API never shows a DeadLetterConfig; the local runtime reads it from the model
    spec = lambda_gaps.spec_from_moto(
        lambda_backends[ACCOUNT_ID]["us-east-1"].get_function(deployed.outputs["FunctionName"])
    )
    assert spec.dead_letter_arn == deployed.outputs["QueueArn"]


def test_event_invoke_config_sets_retries_and_destinations(
    stacks: Stacks, emulator: Emulator
) -> None:
    # GIVEN a function whose asynchronous invocations retry once and report to two queues
    # WHEN deployed (moto's CloudFormation has no model for AWS::Lambda::EventInvokeConfig)
    deployed = stacks.deploy(
        {
            "Role": LAMBDA_ROLE,
            "Succeeded": {"Type": "AWS::SQS::Queue"},
            "Failed": {"Type": "AWS::SQS::Queue"},
            "Function": python_function("def handler(event, context):\n    return event\n"),
            "AsyncConfig": {
                "Type": "AWS::Lambda::EventInvokeConfig",
                "Properties": {
                    "FunctionName": {"Ref": "Function"},
                    "Qualifier": "$LATEST",
                    "MaximumRetryAttempts": 1,
                    "DestinationConfig": {
                        "OnSuccess": {"Destination": {"Fn::GetAtt": ["Succeeded", "Arn"]}},
                        "OnFailure": {"Destination": {"Fn::GetAtt": ["Failed", "Arn"]}},
                    },
                },
            },
        },
        {
            "FunctionName": {"Ref": "Function"},
            "Succeeded": {"Fn::GetAtt": ["Succeeded", "Arn"]},
            "Failed": {"Fn::GetAtt": ["Failed", "Arn"]},
        },
    )
    # THEN the Lambda API reports the configuration, and the local runtime reads it
    name = deployed.outputs["FunctionName"]
    config = emulator.client("lambda").get_function_event_invoke_config(FunctionName=name)
    assert config["MaximumRetryAttempts"] == 1
    assert config["DestinationConfig"] == {
        "OnSuccess": {"Destination": deployed.outputs["Succeeded"]},
        "OnFailure": {"Destination": deployed.outputs["Failed"]},
    }
    spec = lambda_gaps.spec_from_moto(lambda_backends[ACCOUNT_ID]["us-east-1"].get_function(name))
    assert (spec.max_retry_attempts, spec.on_success_arn, spec.on_failure_arn) == (
        1,
        deployed.outputs["Succeeded"],
        deployed.outputs["Failed"],
    )


def test_function_keeps_its_logging_config(stacks: Stacks, emulator: Emulator) -> None:
    # GIVEN a function logging in JSON, at WARN, into a log group of the stack's
    deployed = stacks.deploy(
        {
            "Logs": {"Type": "AWS::Logs::LogGroup"},
            **_echo_function(
                LoggingConfig={
                    "LogFormat": "JSON",
                    "LogGroup": {"Ref": "Logs"},
                    "ApplicationLogLevel": "WARN",
                    "SystemLogLevel": "WARN",
                }
            ),
        },
        {"FunctionName": {"Ref": "Function"}, "LogGroup": {"Ref": "Logs"}},
    )
    name, group = deployed.outputs["FunctionName"], deployed.outputs["LogGroup"]
    # WHEN its configuration is read THEN the logging settings are there
    configuration = emulator.client("lambda").get_function_configuration(FunctionName=name)
    assert configuration["LoggingConfig"] == {
        "LogFormat": "JSON",
        "LogGroup": group,
        "ApplicationLogLevel": "WARN",
        "SystemLogLevel": "WARN",
    }
    # AND the local runtime writes where and how they say
    spec = lambda_gaps.spec_from_moto(lambda_backends[ACCOUNT_ID]["us-east-1"].get_function(name))
    assert (spec.log_group_name, spec.log_format, spec.application_log_level) == (
        group,
        "JSON",
        "WARN",
    )


def test_logging_config_through_the_lambda_api(emulator: Emulator) -> None:
    # GIVEN a function created through the API without a LoggingConfig
    lambda_ = emulator.client("lambda")
    role = emulator.client("iam").create_role(
        RoleName=unique("logging-role"), AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST_POLICY)
    )["Role"]["Arn"]
    name = unique("logging")
    lambda_.create_function(
        FunctionName=name,
        Runtime="python3.11",
        Role=role,
        Handler="index.handler",
        Code={"ZipFile": zip_bytes({"index.py": "def handler(event, context): ..."})},
    )
    # THEN it logs as text to /aws/lambda/<name>, as Lambda's default is
    assert lambda_.get_function_configuration(FunctionName=name)["LoggingConfig"] == {
        "LogFormat": "Text",
        "LogGroup": f"/aws/lambda/{name}",
    }
    # WHEN its logging is changed
    lambda_.update_function_configuration(
        FunctionName=name, LoggingConfig={"LogFormat": "JSON", "LogGroup": "/orders/logs"}
    )
    # THEN the change is kept
    assert lambda_.get_function_configuration(FunctionName=name)["LoggingConfig"] == {
        "LogFormat": "JSON",
        "LogGroup": "/orders/logs",
    }


@pytest.fixture
def hello_function(emulator: Emulator) -> str:
    role = emulator.client("iam").create_role(
        RoleName=unique("hello-role"), AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST_POLICY)
    )["Role"]["Arn"]
    name = unique("hello")
    emulator.client("lambda").create_function(
        FunctionName=name,
        Runtime="python3.11",
        Role=role,
        Handler="index.handler",
        Code={"ZipFile": zip_bytes({"index.py": "def handler(event, context): ..."})},
    )
    return name


def test_lambda_invoke_is_answered_by_the_installed_invoker(
    emulator: Emulator, hello_function: str
) -> None:
    # GIVEN an invoker in place of moto's Docker runner, failing the way Lambda reports it
    calls: list[tuple[str, Any, str]] = []
    error = {"errorType": "InvalidGreetingRequest", "errorMessage": "name must be a string"}

    def invoker(function: Any, event: Any, invocation_type: str) -> tuple[bytes, str | None, str]:
        calls.append((function.function_name, event, invocation_type))
        return json.dumps(error).encode(), "Unhandled", "START\nboom\nEND\n"

    previous = lambda_gaps.current_lambda_invoker()
    lambda_gaps.set_lambda_invoker(invoker)
    try:
        # WHEN the function is invoked through the Lambda API, as `aws lambda invoke` does
        answer = emulator.client("lambda").invoke(
            FunctionName=hello_function, Payload=b'{"name": 42}', LogType="Tail"
        )
    finally:
        lambda_gaps.set_lambda_invoker(previous)
    # THEN the invoker got the decoded event, and its payload, FunctionError and log tail
    # came back as Lambda returns them
    assert calls == [(hello_function, {"name": 42}, "RequestResponse")]
    assert json.loads(answer["Payload"].read()) == error
    assert answer["FunctionError"] == "Unhandled"
    assert base64.b64decode(answer["LogResult"]) == b"START\nboom\nEND\n"


# ---------------------------------------------------------------------------------------
# event source mappings


def test_event_source_mappings_keep_their_properties_and_moto_does_not_deliver(
    stacks: Stacks, emulator: Emulator
) -> None:
    # GIVEN an invoker that records every invocation moto makes itself
    calls: list[tuple[str, Any, str]] = []

    def invoker(function: Any, event: Any, invocation_type: str) -> tuple[bytes, str | None, str]:
        calls.append((function.function_name, event, invocation_type))
        return b"{}", None, ""

    previous = lambda_gaps.current_lambda_invoker()
    lambda_gaps.set_lambda_invoker(invoker)
    try:
        # WHEN a queue, a Kinesis stream and a table's stream are mapped to a function (the
        # stream mappings disabled, so no local poller reads them; moto ignores that flag)
        # and each source is written to
        stream_mapping = {
            "BatchSize": 7,
            "MaximumBatchingWindowInSeconds": 2,
            "BisectBatchOnFunctionError": True,
            "MaximumRetryAttempts": 3,
            "MaximumRecordAgeInSeconds": 120,
            "FunctionResponseTypes": ["ReportBatchItemFailures"],
            "StartingPosition": "AT_TIMESTAMP",
            "StartingPositionTimestamp": 1700000000,
            "FilterCriteria": {"Filters": [{"Pattern": '{"data": {"kind": ["tweet"]}}'}]},
            "Enabled": False,
        }
        deployed = stacks.deploy(
            {
                **_echo_function(),
                "Queue": {"Type": "AWS::SQS::Queue"},
                "Failed": {"Type": "AWS::SQS::Queue"},
                "Stream": {"Type": "AWS::Kinesis::Stream", "Properties": {"ShardCount": 1}},
                "Table": {
                    "Type": "AWS::DynamoDB::Table",
                    "Properties": {
                        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
                        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
                        "BillingMode": "PAY_PER_REQUEST",
                        "StreamSpecification": {"StreamViewType": "NEW_IMAGE"},
                    },
                },
                "QueueMapping": {
                    "Type": "AWS::Lambda::EventSourceMapping",
                    "Properties": {
                        "FunctionName": {"Ref": "Function"},
                        "EventSourceArn": {"Fn::GetAtt": ["Queue", "Arn"]},
                    },
                },
                "StreamMapping": {
                    "Type": "AWS::Lambda::EventSourceMapping",
                    "Properties": {
                        "FunctionName": {"Ref": "Function"},
                        "EventSourceArn": {"Fn::GetAtt": ["Stream", "Arn"]},
                        "DestinationConfig": {
                            "OnFailure": {"Destination": {"Fn::GetAtt": ["Failed", "Arn"]}}
                        },
                        **stream_mapping,
                    },
                },
                "TableMapping": {
                    "Type": "AWS::Lambda::EventSourceMapping",
                    "Properties": {
                        "FunctionName": {"Ref": "Function"},
                        "EventSourceArn": {"Fn::GetAtt": ["Table", "StreamArn"]},
                        "StartingPosition": "TRIM_HORIZON",
                        # CloudFormation's string forms
                        "BatchSize": "50",
                        "Enabled": "false",
                    },
                },
            },
            {
                "QueueUrl": {"Ref": "Queue"},
                "StreamName": {"Ref": "Stream"},
                "TableName": {"Ref": "Table"},
                "StreamArn": {"Fn::GetAtt": ["Table", "StreamArn"]},
                "FailedArn": {"Fn::GetAtt": ["Failed", "Arn"]},
                "StreamMappingId": {"Ref": "StreamMapping"},
                "TableMappingId": {"Ref": "TableMapping"},
            },
        )
        outputs = deployed.outputs
        emulator.client("sqs").send_message(QueueUrl=outputs["QueueUrl"], MessageBody="m")
        emulator.client("kinesis").put_record(
            StreamName=outputs["StreamName"], Data=b"r", PartitionKey="p"
        )
        emulator.client("dynamodb").put_item(
            TableName=outputs["TableName"], Item={"id": {"S": "i"}}
        )
    finally:
        lambda_gaps.set_lambda_invoker(previous)
    # THEN moto invoked nothing from inside SendMessage, PutRecord or PutItem (moto would
    # have, even for the disabled mappings)
    assert calls == []
    # AND the table's stream still holds its record (moto empties it after delivering)
    streams = emulator.client("dynamodbstreams")
    shard = streams.describe_stream(StreamArn=outputs["StreamArn"])["StreamDescription"]["Shards"][
        0
    ]["ShardId"]
    iterator = streams.get_shard_iterator(
        StreamArn=outputs["StreamArn"], ShardId=shard, ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    assert len(streams.get_records(ShardIterator=iterator)["Records"]) == 1
    # AND the Kinesis mapping keeps every property CloudFormation gave it
    mapping_id = outputs["StreamMappingId"]
    config = emulator.client("lambda").get_event_source_mapping(UUID=mapping_id)
    for key, value in stream_mapping.items():
        if key not in ("Enabled", "StartingPositionTimestamp"):
            assert config[key] == value, key
    assert config["State"] == "Disabled"
    assert config["DestinationConfig"] == {"OnFailure": {"Destination": outputs["FailedArn"]}}
    # AND string numbers and booleans are read as CloudFormation reads them
    table_config = emulator.client("lambda").get_event_source_mapping(
        UUID=outputs["TableMappingId"]
    )
    assert (table_config["BatchSize"], table_config["State"]) == (50, "Disabled")
    # AND the poller also learns the starting timestamp (which moto's API leaves out) and
    # when the mapping was created
    [state] = [
        s for s in event_source_gaps.event_source_mappings() if s.config["UUID"] == mapping_id
    ]
    assert state.starting_timestamp == 1700000000
    assert abs(state.created_at - time.time()) < 60
