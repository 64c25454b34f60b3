"""Regression tests for the moto gaps between services: Cognito and API Gateway authorizers,
SNS subscriptions, S3 notifications, EventBridge targets and Step Functions tasks.

Each test deploys a small handwritten template through the emulator's CloudFormation (so
the moto gaps' models are the ones in play), with real Python functions run by the local
Lambda executor. The functions print what they receive; the tests read it from the function
logs and check what AWS would have delivered.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from localcloud.awslambda.runtime import LambdaRuntime
from localcloud.emulator import ACCOUNT_ID, Emulator
from localcloud.front_door import FrontDoor

from ._http import request
from ._moto_fixtures import LAMBDA_TRUST_POLICY, Stacks, unique

REGION = "us-east-1"
RECEIVED = "RECEIVED "
# Prints each event it gets (for the test to read in its log); with GATE set, then waits
# until that file exists (for at most 30 s), so a test decides when it finishes.
RECORDER = f"""
import json
import os
import time


def handler(event, context):
    print({RECEIVED!r} + json.dumps(event))
    gate = os.environ.get("GATE")
    deadline = time.monotonic() + 30
    while gate and not os.path.exists(gate) and time.monotonic() < deadline:
        time.sleep(0.01)
    return {{"ok": True}}
"""
WAIT_S = 10.0


class Received:
    """The function log sink: the events each function printed, by function name."""

    def __init__(self) -> None:
        self._events: dict[str, list[Any]] = {}
        self._changed = threading.Condition()

    def __call__(self, function: str, line: str) -> None:
        if line.startswith(RECEIVED):
            with self._changed:
                self._events.setdefault(function, []).append(json.loads(line[len(RECEIVED) :]))
                self._changed.notify_all()

    def wait(self, function: str, count: int = 1) -> list[Any]:
        """The first ``count`` events ``function`` received; fails after WAIT_S."""
        with self._changed:
            arrived = self._changed.wait_for(
                lambda: len(self._events.get(function, [])) >= count, WAIT_S
            )
            events = list(self._events.get(function, []))
        assert arrived, f"{function} received {len(events)} events, not {count}"
        return events[:count]

    def events(self, function: str) -> list[Any]:
        with self._changed:
            return list(self._events.get(function, []))


@pytest.fixture(scope="module")
def received() -> Received:
    return Received()


@pytest.fixture(scope="module")
def runtime(emulator: Emulator, received: Received) -> Iterator[LambdaRuntime]:
    runtime = LambdaRuntime(
        endpoint=emulator.endpoint, region=REGION, log=received, async_retry_delays_s=(0.0,)
    ).install()
    yield runtime
    runtime.close()


@pytest.fixture(scope="module")
def stacks(emulator: Emulator, runtime: LambdaRuntime) -> Iterator[Stacks]:
    # conftest's, but set up after (so torn down before) this module's Lambda runtime
    created = Stacks(emulator)
    yield created
    created.delete_all()


def function(code: str = RECORDER, **environment: str) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "Code": {"ZipFile": code},
        "Handler": "index.handler",
        "Runtime": "python3.11",
        "Role": {"Fn::GetAtt": ["Role", "Arn"]},
        "Timeout": 10,
    }
    if environment:
        properties["Environment"] = {"Variables": environment}
    return {"Type": "AWS::Lambda::Function", "Properties": properties}


ROLE = {
    "Type": "AWS::IAM::Role",
    "Properties": {"AssumeRolePolicyDocument": LAMBDA_TRUST_POLICY},
}


def arn(logical_id: str) -> dict[str, Any]:
    return {"Fn::GetAtt": [logical_id, "Arn"]}


def receive(sqs: Any, queue_url: str, count: int = 1) -> list[dict[str, Any]]:
    """``count`` messages from a queue, in order; fails after WAIT_S."""
    messages: list[dict[str, Any]] = []
    deadline = time.monotonic() + WAIT_S
    while len(messages) < count and time.monotonic() < deadline:
        messages += sqs.receive_message(
            QueueUrl=queue_url,
            MaxNumberOfMessages=10,
            MessageAttributeNames=["All"],
            WaitTimeSeconds=1,
        ).get("Messages", [])
    assert len(messages) >= count, messages
    return messages


# ---------------------------------------------------------------------------------------
# Cognito user pool and client, API Gateway authorizer


CLAIMS_HANDLER = """
import json


def handler(event, context):
    return {"statusCode": 200, "body": json.dumps(event["requestContext"].get("authorizer"))}
"""


def test_a_deployed_cognito_authorizer_admits_the_pools_users(
    stacks: Stacks, emulator: Emulator, runtime: LambdaRuntime
) -> None:
    # GIVEN a user pool (email as user name), an app client, a group, and an API whose
    # GET /me needs an ID token of the pool (types moto's CloudFormation skips)
    deployed = stacks.deploy(
        {
            "Role": ROLE,
            "Pool": {
                "Type": "AWS::Cognito::UserPool",
                "Properties": {
                    "UsernameAttributes": ["email"],
                    "AutoVerifiedAttributes": ["email"],
                    "Policies": {"PasswordPolicy": {"MinimumLength": 8}},
                },
            },
            "Client": {
                "Type": "AWS::Cognito::UserPoolClient",
                "Properties": {
                    "UserPoolId": {"Ref": "Pool"},
                    "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
                },
            },
            "Editors": {
                "Type": "AWS::Cognito::UserPoolGroup",
                "Properties": {"UserPoolId": {"Ref": "Pool"}, "GroupName": "editors"},
            },
            "Claims": function(CLAIMS_HANDLER),
            "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": unique("notes")}},
            "Me": {
                "Type": "AWS::ApiGateway::Resource",
                "Properties": {
                    "RestApiId": {"Ref": "Api"},
                    "ParentId": {"Fn::GetAtt": ["Api", "RootResourceId"]},
                    "PathPart": "me",
                },
            },
            "Users": {
                "Type": "AWS::ApiGateway::Authorizer",
                "Properties": {
                    "RestApiId": {"Ref": "Api"},
                    "Name": "users",
                    "Type": "COGNITO_USER_POOLS",
                    "ProviderARNs": [arn("Pool")],
                    "IdentitySource": "method.request.header.Authorization",
                },
            },
            "GetMe": {
                "Type": "AWS::ApiGateway::Method",
                "Properties": {
                    "RestApiId": {"Ref": "Api"},
                    "ResourceId": {"Ref": "Me"},
                    "HttpMethod": "GET",
                    "AuthorizationType": "COGNITO_USER_POOLS",
                    "AuthorizerId": {"Ref": "Users"},
                    "Integration": {
                        "Type": "AWS_PROXY",
                        "IntegrationHttpMethod": "POST",
                        "Uri": {
                            "Fn::Sub": "arn:aws:apigateway:${AWS::Region}:lambda:path/"
                            "2015-03-31/functions/${Claims.Arn}/invocations"
                        },
                    },
                },
            },
            "Deployment": {
                "Type": "AWS::ApiGateway::Deployment",
                "DependsOn": ["GetMe"],
                "Properties": {"RestApiId": {"Ref": "Api"}},
            },
            "Stage": {
                "Type": "AWS::ApiGateway::Stage",
                "Properties": {
                    "RestApiId": {"Ref": "Api"},
                    "DeploymentId": {"Ref": "Deployment"},
                    "StageName": "prod",
                },
            },
        },
        {
            "PoolId": {"Ref": "Pool"},
            "PoolArn": arn("Pool"),
            "ProviderUrl": {"Fn::GetAtt": ["Pool", "ProviderURL"]},
            "ClientId": {"Ref": "Client"},
            "AuthorizerId": {"Ref": "Users"},
            "ApiId": {"Ref": "Api"},
        },
    )
    pool_id, client_id = deployed.outputs["PoolId"], deployed.outputs["ClientId"]
    assert deployed.outputs["PoolArn"].endswith(f":userpool/{pool_id}")
    assert deployed.outputs["ProviderUrl"] == (
        f"https://cognito-idp.{REGION}.amazonaws.com/{pool_id}"
    )
    authorizer = emulator.client("apigateway").get_authorizer(
        restApiId=deployed.outputs["ApiId"], authorizerId=deployed.outputs["AuthorizerId"]
    )
    assert authorizer["providerARNs"] == [deployed.outputs["PoolArn"]]
    # AND a user who signed up, was confirmed by an admin and put in the group
    cognito = emulator.client("cognito-idp")
    email = f"{unique('ana')}@example.com"
    cognito.sign_up(
        ClientId=client_id,
        Username=email,
        Password="Secret-1234!",
        UserAttributes=[{"Name": "email", "Value": email}],
    )
    cognito.admin_confirm_sign_up(UserPoolId=pool_id, Username=email)
    cognito.admin_add_user_to_group(UserPoolId=pool_id, Username=email, GroupName="editors")
    tokens = cognito.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": "Secret-1234!"},
    )["AuthenticationResult"]
    # WHEN GET /me is called through the front door with and without the ID token
    with FrontDoor(emulator=emulator, invoke=runtime.invoke_function, port=0) as door:
        url = f"{door.api_url(deployed.outputs['ApiId'], 'prod')}me"
        admitted = request("GET", url, headers={"Authorization": tokens["IdToken"]})
        refused = request("GET", url)
    # THEN the token's claims reach the function; without it, 401
    assert admitted.status == 200, admitted.body
    claims = admitted.json()["claims"]
    assert claims["email"] == email
    assert claims["token_use"] == "id"
    assert claims["aud"] == client_id
    assert claims["iss"] == deployed.outputs["ProviderUrl"]
    assert claims["cognito:groups"] == "editors"
    assert refused.status == 401
    assert refused.json() == {"message": "Unauthorized"}
    # AND the pool's JWKS is served by the emulator, for clients that verify tokens
    with urllib.request.urlopen(
        f"{emulator.endpoint}/{pool_id}/.well-known/jwks.json", timeout=10
    ) as answer:
        assert json.loads(answer.read())["keys"][0]["alg"] == "RS256"


# ---------------------------------------------------------------------------------------
# SNS subscriptions


def test_sns_subscriptions_deliver_raw_to_sqs_and_asynchronously_to_lambda(
    stacks: Stacks,
    emulator: Emulator,
    runtime: LambdaRuntime,
    received: Received,
    tmp_path: Path,
) -> None:
    # GIVEN a topic with a raw-delivery queue and a function filtered on "color" (the
    # subscriptions are types moto's CloudFormation skips); the function runs until the
    # test opens its gate
    gate = tmp_path / "gate"
    deployed = stacks.deploy(
        {
            "Role": ROLE,
            "Topic": {"Type": "AWS::SNS::Topic"},
            "Queue": {"Type": "AWS::SQS::Queue"},
            "Consumer": function(GATE=str(gate)),
            "ToQueue": {
                "Type": "AWS::SNS::Subscription",
                "Properties": {
                    "TopicArn": {"Ref": "Topic"},
                    "Protocol": "sqs",
                    "Endpoint": arn("Queue"),
                    "RawMessageDelivery": True,
                },
            },
            "ToFunction": {
                "Type": "AWS::SNS::Subscription",
                "Properties": {
                    "TopicArn": {"Ref": "Topic"},
                    "Protocol": "lambda",
                    "Endpoint": arn("Consumer"),
                    "FilterPolicy": {"color": ["red"]},
                },
            },
        },
        {
            "TopicArn": {"Ref": "Topic"},
            "QueueUrl": {"Ref": "Queue"},
            "Function": {"Ref": "Consumer"},
            "SubscriptionArn": {"Ref": "ToFunction"},
        },
    )
    sns, sqs = emulator.client("sns"), emulator.client("sqs")
    topic, function_name = deployed.outputs["TopicArn"], deployed.outputs["Function"]
    attributes = sns.get_subscription_attributes(
        SubscriptionArn=deployed.outputs["SubscriptionArn"]
    )["Attributes"]
    assert attributes["Endpoint"].endswith(f":function:{function_name}")
    assert runtime.join_async(WAIT_S)  # nothing else running
    # WHEN a blue and then a red order are published
    sns.publish(
        TopicArn=topic,
        Message='{"order": 1}',
        MessageAttributes={"color": {"DataType": "String", "StringValue": "blue"}},
    )
    published = sns.publish(
        TopicArn=topic,
        Subject="order",
        Message='{"order": 2}',
        MessageAttributes={"color": {"DataType": "String", "StringValue": "red"}},
    )
    # THEN publish returned while the function still runs: SNS invokes it asynchronously
    assert not runtime.join_async(0)
    gate.touch()
    # AND the queue gets both bodies as published, with their attributes (raw delivery)
    messages = receive(sqs, deployed.outputs["QueueUrl"], 2)
    assert sorted(m["Body"] for m in messages) == ['{"order": 1}', '{"order": 2}']
    assert {m["MessageAttributes"]["color"]["StringValue"] for m in messages} == {"blue", "red"}
    # AND the function gets only the red one, as the SNS event Lambda receives
    (event,) = received.wait(function_name)
    (record,) = event["Records"]
    assert record["EventSource"] == "aws:sns"
    assert record["EventVersion"] == "1.0"
    assert record["EventSubscriptionArn"] == deployed.outputs["SubscriptionArn"]
    notification = record["Sns"]
    assert notification["Type"] == "Notification"
    assert notification["MessageId"] == published["MessageId"]
    assert notification["TopicArn"] == topic
    assert notification["Subject"] == "order"
    assert notification["Message"] == '{"order": 2}'
    assert notification["MessageAttributes"] == {"color": {"Type": "String", "Value": "red"}}
    assert time.strptime(notification["Timestamp"], "%Y-%m-%dT%H:%M:%S.%fZ").tm_year > 2000
    assert runtime.join_async(WAIT_S)
    assert len(received.events(function_name)) == 1


# ---------------------------------------------------------------------------------------
# S3 notifications


def test_a_topic_policy_is_given_to_its_topics(stacks: Stacks, emulator: Emulator) -> None:
    # GIVEN a topic with the TLS-only policy CDK writes for enforce_ssl
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AllowPublishThroughSSLOnly",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "sns:Publish",
                "Resource": "*",
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ],
    }
    deployed = stacks.deploy(
        {
            "Topic": {"Type": "AWS::SNS::Topic"},
            "TopicPolicy": {
                "Type": "AWS::SNS::TopicPolicy",
                "Properties": {"Topics": [{"Ref": "Topic"}], "PolicyDocument": policy},
            },
        },
        {"Topic": {"Ref": "Topic"}},
    )
    # THEN the topic has that policy (recorded; moto does not enforce it)
    sns = emulator.client("sns")
    attributes = sns.get_topic_attributes(TopicArn=deployed.outputs["Topic"])["Attributes"]
    assert json.loads(attributes["Policy"]) == policy
    # AND publishing is not refused
    assert sns.publish(TopicArn=deployed.outputs["Topic"], Message="hi")["MessageId"]


def test_cdk_bucket_notifications_send_object_events_to_lambda_and_sqs(
    stacks: Stacks, emulator: Emulator, runtime: LambdaRuntime, received: Received
) -> None:
    # GIVEN a bucket whose notifications CDK's custom resource sets, as CDK synthesizes it
    # for add_event_notification: new *.jpg under in/ to a function, removals to a queue
    deployed = stacks.deploy(
        {
            "Role": ROLE,
            "Bucket": {"Type": "AWS::S3::Bucket"},
            "Thumbnails": function(),
            "Removed": {"Type": "AWS::SQS::Queue"},
            "Notifications": {
                "Type": "Custom::S3BucketNotifications",
                "Properties": {
                    "ServiceToken": f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:handler",
                    "BucketName": {"Ref": "Bucket"},
                    "NotificationConfiguration": {
                        "LambdaFunctionConfigurations": [
                            {
                                "Events": ["s3:ObjectCreated:*"],
                                "Filter": {
                                    "Key": {
                                        "FilterRules": [
                                            {"Name": "suffix", "Value": ".jpg"},
                                            {"Name": "prefix", "Value": "in/"},
                                        ]
                                    }
                                },
                                "LambdaFunctionArn": arn("Thumbnails"),
                            }
                        ],
                        "QueueConfigurations": [
                            {"Events": ["s3:ObjectRemoved:*"], "QueueArn": arn("Removed")}
                        ],
                    },
                    "Managed": True,
                    "SkipDestinationValidation": False,
                },
            },
        },
        {
            "Bucket": {"Ref": "Bucket"},
            "Function": {"Ref": "Thumbnails"},
            "QueueUrl": {"Ref": "Removed"},
        },
    )
    s3, sqs = emulator.client("s3"), emulator.client("sqs")
    bucket, function_name = deployed.outputs["Bucket"], deployed.outputs["Function"]
    configuration = s3.get_bucket_notification_configuration(Bucket=bucket)
    assert len(configuration["LambdaFunctionConfigurations"]) == 1
    # WHEN a matching and a non-matching object are uploaded, then the matching one deleted
    s3.put_object(Bucket=bucket, Key="notes/cat.jpg", Body=b"not an image of ours")
    put = s3.put_object(Bucket=bucket, Key="in/cat 1.jpg", Body=b"\xff\xd8 a cat")
    # THEN the function gets the S3 event for the matching one only
    (event,) = received.wait(function_name)
    (record,) = event["Records"]
    assert record["eventSource"] == "aws:s3"
    assert record["eventName"] == "ObjectCreated:Put"
    assert record["awsRegion"] == REGION
    assert record["userIdentity"]["principalId"]
    assert "x-amz-request-id" in record["responseElements"]
    assert record["s3"]["bucket"]["name"] == bucket
    assert record["s3"]["bucket"]["arn"] == f"arn:aws:s3:::{bucket}"
    assert record["s3"]["object"]["key"] == "in/cat+1.jpg"  # URL-encoded, as S3 sends it
    assert record["s3"]["object"]["size"] == len(b"\xff\xd8 a cat")
    assert record["s3"]["object"]["eTag"] == put["ETag"].strip('"')
    assert record["s3"]["object"]["sequencer"]
    # AND deleting it sends the removal to the queue (after S3's test event)
    s3.delete_object(Bucket=bucket, Key="in/cat 1.jpg")
    bodies = [json.loads(m["Body"]) for m in receive(sqs, deployed.outputs["QueueUrl"], 2)]
    assert bodies[0]["Event"] == "s3:TestEvent"
    assert bodies[1]["Records"][0]["eventName"] == "ObjectRemoved:Delete"
    assert runtime.join_async(WAIT_S)
    assert len(received.events(function_name)) == 1
    # AND deleting the stack removes the configuration from the bucket
    stacks.cloudformation.delete_stack(StackName=deployed.name)
    deadline = time.monotonic() + WAIT_S
    while s3.get_bucket_notification_configuration(Bucket=bucket).get(
        "LambdaFunctionConfigurations"
    ):
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_a_buckets_own_notification_configuration_is_applied(
    stacks: Stacks, emulator: Emulator
) -> None:
    # GIVEN a bucket with a NotificationConfiguration property (moto's model ignores it):
    # new CSV files to a queue, every new file to a topic (which a queue subscribes to)
    deployed = stacks.deploy(
        {
            "Uploads": {"Type": "AWS::SQS::Queue"},
            "Files": {"Type": "AWS::SNS::Topic"},
            "FilesQueue": {"Type": "AWS::SQS::Queue"},
            "FilesToQueue": {
                "Type": "AWS::SNS::Subscription",
                "Properties": {
                    "TopicArn": {"Ref": "Files"},
                    "Protocol": "sqs",
                    "Endpoint": arn("FilesQueue"),
                    "RawMessageDelivery": True,
                },
            },
            "Bucket": {
                "Type": "AWS::S3::Bucket",
                "Properties": {
                    "NotificationConfiguration": {
                        "QueueConfigurations": [
                            {
                                "Event": "s3:ObjectCreated:Put",
                                "Queue": arn("Uploads"),
                                "Filter": {
                                    "S3Key": {"Rules": [{"Name": "Suffix", "Value": ".csv"}]}
                                },
                            }
                        ],
                        "TopicConfigurations": [
                            {"Event": "s3:ObjectCreated:*", "Topic": {"Ref": "Files"}}
                        ],
                    }
                },
            },
        },
        {
            "Bucket": {"Ref": "Bucket"},
            "QueueUrl": {"Ref": "Uploads"},
            "FilesQueueUrl": {"Ref": "FilesQueue"},
        },
    )
    s3, sqs = emulator.client("s3"), emulator.client("sqs")
    # WHEN a text file and a CSV file are uploaded
    s3.put_object(Bucket=deployed.outputs["Bucket"], Key="notes.txt", Body=b"-")
    s3.put_object(Bucket=deployed.outputs["Bucket"], Key="rows.csv", Body=b"a,b")
    # THEN the queue gets S3's test event, then the CSV's event only
    bodies = [json.loads(m["Body"]) for m in receive(sqs, deployed.outputs["QueueUrl"], 2)]
    assert bodies[0]["Event"] == "s3:TestEvent"
    assert [r["s3"]["object"]["key"] for r in bodies[1]["Records"]] == ["rows.csv"]
    assert len(bodies) == 2
    # AND the topic passes on the test event and both files' events
    bodies = [json.loads(m["Body"]) for m in receive(sqs, deployed.outputs["FilesQueueUrl"], 3)]
    assert bodies[0]["Event"] == "s3:TestEvent"
    keys = [r["s3"]["object"]["key"] for body in bodies[1:] for r in body["Records"]]
    assert keys == ["notes.txt", "rows.csv"]


# ---------------------------------------------------------------------------------------
# EventBridge rules


def test_eventbridge_rules_deliver_to_lambda_sqs_sns_and_step_functions(
    stacks: Stacks, emulator: Emulator, runtime: LambdaRuntime, received: Received
) -> None:
    # GIVEN a rule for placed orders with four targets (moto delivers only to SQS), each
    # with its own input, and a disabled rule for the same events
    pass_through = {"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}}
    deployed = stacks.deploy(
        {
            "Role": ROLE,
            "Payments": function(),
            "Inventory": {"Type": "AWS::SQS::Queue"},
            "Messages": {"Type": "AWS::SNS::Topic"},
            "MessagesQueue": {"Type": "AWS::SQS::Queue"},
            "MessagesToQueue": {
                "Type": "AWS::SNS::Subscription",
                "Properties": {
                    "TopicArn": {"Ref": "Messages"},
                    "Protocol": "sqs",
                    "Endpoint": arn("MessagesQueue"),
                    "RawMessageDelivery": "true",
                },
            },
            "Workflow": {
                "Type": "AWS::StepFunctions::StateMachine",
                "Properties": {
                    "Definition": pass_through,
                    "RoleArn": f"arn:aws:iam::{ACCOUNT_ID}:role/workflow",
                },
            },
            "OrderPlaced": {
                "Type": "AWS::Events::Rule",
                "Properties": {
                    "EventPattern": {"source": ["shop"], "detail-type": ["OrderPlaced"]},
                    "State": "ENABLED",
                    "Targets": [
                        {"Id": "payments", "Arn": arn("Payments")},
                        {"Id": "inventory", "Arn": arn("Inventory"), "InputPath": "$.detail"},
                        {
                            "Id": "messages",
                            "Arn": {"Ref": "Messages"},
                            "InputTransformer": {
                                "InputPathsMap": {
                                    "order": "$.detail.order",
                                    "who": "$.detail.who",
                                },
                                "InputTemplate": (
                                    '{"text": "Order <order> for <who>", "id": <order>}'
                                ),
                            },
                        },
                        {
                            "Id": "workflow",
                            "Arn": {"Ref": "Workflow"},
                            "Input": '{"constant": true}',
                        },
                    ],
                },
            },
            "Paused": {
                "Type": "AWS::Events::Rule",
                "Properties": {
                    "EventPattern": {"source": ["shop"]},
                    "State": "DISABLED",
                    "Targets": [{"Id": "payments", "Arn": arn("Payments")}],
                },
            },
        },
        {
            "Function": {"Ref": "Payments"},
            "InventoryUrl": {"Ref": "Inventory"},
            "MessagesUrl": {"Ref": "MessagesQueue"},
            "Workflow": {"Ref": "Workflow"},
        },
    )
    sqs = emulator.client("sqs")
    detail = {"order": 42, "who": 'Ana "A"'}
    # WHEN a placed order and an unrelated event are put on the default bus
    answer = emulator.client("events").put_events(
        Entries=[
            {"Source": "shop", "DetailType": "OrderPlaced", "Detail": json.dumps(detail)},
            {"Source": "shop", "DetailType": "OrderShipped", "Detail": "{}"},
        ]
    )
    assert answer["FailedEntryCount"] == 0
    # THEN the function gets the whole event, once (the disabled rule delivers nothing)
    (event,) = received.wait(deployed.outputs["Function"])
    assert event["id"] == answer["Entries"][0]["EventId"]
    assert event["source"] == "shop"
    assert event["detail-type"] == "OrderPlaced"
    assert event["account"] == ACCOUNT_ID
    assert event["region"] == REGION
    assert time.strptime(event["time"], "%Y-%m-%dT%H:%M:%SZ").tm_year > 2000
    assert event["detail"] == detail
    # AND the queue gets the detail (InputPath), the topic the transformed text
    (inventory,) = receive(sqs, deployed.outputs["InventoryUrl"])
    assert json.loads(inventory["Body"]) == detail
    (message,) = receive(sqs, deployed.outputs["MessagesUrl"])
    assert json.loads(message["Body"]) == {"text": 'Order 42 for Ana "A"', "id": 42}
    # AND the state machine ran once with the constant input
    stepfunctions = emulator.client("stepfunctions")
    (execution,) = stepfunctions.list_executions(stateMachineArn=deployed.outputs["Workflow"])[
        "executions"
    ]
    described = wait_for_execution(stepfunctions, execution["executionArn"])
    assert json.loads(described["input"]) == {"constant": True}
    assert runtime.join_async(WAIT_S)
    assert len(received.events(deployed.outputs["Function"])) == 1


# ---------------------------------------------------------------------------------------
# Step Functions


DOUBLE = """
def handler(event, context):
    return {"n": event["n"] * 2, "by": context.function_name}
"""


def wait_for_execution(stepfunctions: Any, execution_arn: str) -> dict[str, Any]:
    deadline = time.monotonic() + WAIT_S
    while True:
        described: dict[str, Any] = stepfunctions.describe_execution(executionArn=execution_arn)
        if described["status"] != "RUNNING" or time.monotonic() > deadline:
            return described
        time.sleep(0.05)


def test_a_stack_state_machine_runs_its_lambda_tasks(stacks: Stacks, emulator: Emulator) -> None:
    # GIVEN a state machine created by CloudFormation (moto puts those where StartExecution
    # cannot see them) whose two tasks call a function: through lambda:invoke, then by ARN
    definition = {
        "StartAt": "Call",
        "States": {
            "Call": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": "${Double.Arn}", "Payload.$": "$"},
                "OutputPath": "$.Payload",
                "Next": "CallAgain",
            },
            "CallAgain": {"Type": "Task", "Resource": "${Double.Arn}", "End": True},
        },
    }
    deployed = stacks.deploy(
        {
            "Role": ROLE,
            "Double": function(DOUBLE),
            "Machine": {
                "Type": "AWS::StepFunctions::StateMachine",
                "Properties": {
                    "DefinitionString": {"Fn::Sub": json.dumps(definition)},
                    "RoleArn": {"Fn::GetAtt": ["Role", "Arn"]},
                },
            },
        },
        {"Machine": {"Ref": "Machine"}, "Function": {"Ref": "Double"}},
    )
    stepfunctions = emulator.client("stepfunctions")
    # WHEN it is executed twice, without execution names
    started = [
        stepfunctions.start_execution(stateMachineArn=deployed.outputs["Machine"], input=given)
        for given in ('{"n": 3}', '{"n": 5}')
    ]
    # THEN both tasks ran the real function, the second on the first one's output
    first, second = (wait_for_execution(stepfunctions, s["executionArn"]) for s in started)
    assert first["status"] == "SUCCEEDED", first
    assert json.loads(first["output"]) == {"n": 12, "by": deployed.outputs["Function"]}
    # AND each execution got a name of its own (moto names them all "None")
    assert second["status"] == "SUCCEEDED", second
    assert json.loads(second["output"])["n"] == 20
    assert first["name"] != second["name"]
    assert not first["executionArn"].endswith(":None")


def test_paths_through_literal_array_indexes_give_the_value(
    stacks: Stacks, emulator: Emulator
) -> None:
    # GIVEN a Parallel state's results read by index (a Choice and a Pass, as the registration
    # workflow reads them) and by a filter
    definition = {
        "StartAt": "AllValid",
        "States": {
            "AllValid": {
                "Type": "Choice",
                "Choices": [
                    {
                        "And": [
                            {"Variable": "$.checks[0].valid", "BooleanEquals": True},
                            {"Variable": "$.checks[1].valid", "BooleanEquals": True},
                        ],
                        "Next": "Read",
                    }
                ],
                "Default": "Refused",
            },
            "Read": {
                "Type": "Pass",
                "Parameters": {
                    "brand.$": "$.checks[1].brand",
                    "first.$": "$.checks[0]",
                    "valid.$": "$.checks[?(@.valid == true)].valid",
                },
                "End": True,
            },
            "Refused": {"Type": "Fail", "Error": "ChoseTheDefault"},
        },
    }
    deployed = stacks.deploy(
        {
            "Machine": {
                "Type": "AWS::StepFunctions::StateMachine",
                "Properties": {
                    "Definition": definition,
                    "RoleArn": f"arn:aws:iam::{ACCOUNT_ID}:role/workflow",
                },
            }
        },
        {"Machine": {"Ref": "Machine"}},
    )
    stepfunctions = emulator.client("stepfunctions")
    checks = [{"valid": True}, {"valid": True, "brand": "Visa"}]
    # WHEN it runs on two valid results
    started = stepfunctions.start_execution(
        stateMachineArn=deployed.outputs["Machine"], input=json.dumps({"checks": checks})
    )
    described = wait_for_execution(stepfunctions, started["executionArn"])
    # THEN the Choice saw booleans and the Pass got values, while the filter kept its list
    assert described["status"] == "SUCCEEDED", described
    assert json.loads(described["output"]) == {
        "brand": "Visa",
        "first": {"valid": True},
        "valid": [True, True],
    }


# ---------------------------------------------------------------------------------------
# Lambda asynchronous invocations: retries and destinations (AWS::Lambda::EventInvokeConfig)

# Prints each event it gets; fails when the event says so.
ORDERS = f"""
import json


def handler(event, context):
    print({RECEIVED!r} + json.dumps(event))
    if event.get("fail"):
        raise ValueError(f"order {{event['order']}} rejected")
    return {{"order": event["order"], "ok": True}}
"""


DEFAULT_BUS = "arn:aws:events:${AWS::Region}:${AWS::AccountId}:event-bus/default"


def invoke_config(function: str, retries: int, **destinations: dict[str, Any]) -> dict[str, Any]:
    return {
        "Type": "AWS::Lambda::EventInvokeConfig",
        "Properties": {
            "FunctionName": {"Ref": function},
            "Qualifier": "$LATEST",
            "MaximumRetryAttempts": retries,
            "DestinationConfig": {kind: {"Destination": arn} for kind, arn in destinations.items()},
        },
    }


@pytest.fixture(scope="module")
def destinations(stacks: Stacks, runtime: LambdaRuntime) -> dict[str, str]:
    """Functions whose asynchronous results go to every kind of destination: ``Ok`` to a queue,
    ``Fails`` (one retry) to a topic, ``Orders`` (no retry) to a function or the default
    event bus (a rule there forwards its results to a queue)."""
    deployed = stacks.deploy(
        {
            "Role": ROLE,
            "Ok": function(ORDERS),
            "Fails": function(ORDERS),
            "Orders": function(ORDERS),
            "Catcher": function(),
            "Successes": {"Type": "AWS::SQS::Queue"},
            "Failures": {"Type": "AWS::SNS::Topic"},
            "FailuresQueue": {"Type": "AWS::SQS::Queue"},
            "FailuresToQueue": {
                "Type": "AWS::SNS::Subscription",
                "Properties": {
                    "TopicArn": {"Ref": "Failures"},
                    "Protocol": "sqs",
                    "Endpoint": arn("FailuresQueue"),
                    "RawMessageDelivery": "true",
                },
            },
            "Results": {"Type": "AWS::SQS::Queue"},
            "ResultsRule": {
                "Type": "AWS::Events::Rule",
                "Properties": {
                    "EventPattern": {
                        "source": ["lambda"],
                        "resources": [{"prefix": {"Fn::GetAtt": ["Orders", "Arn"]}}],
                    },
                    "Targets": [{"Id": "results", "Arn": arn("Results")}],
                },
            },
            "OkConfig": invoke_config(
                "Ok", 2, OnSuccess=arn("Successes"), OnFailure={"Ref": "Failures"}
            ),
            "FailsConfig": invoke_config("Fails", 1, OnFailure={"Ref": "Failures"}),
            "OrdersConfig": invoke_config(
                "Orders", 0, OnSuccess=arn("Catcher"), OnFailure={"Fn::Sub": DEFAULT_BUS}
            ),
        },
        {
            **{name: {"Ref": name} for name in ("Ok", "Fails", "Orders", "Catcher")},
            **{f"{name}Arn": arn(name) for name in ("Ok", "Fails", "Orders")},
            "SuccessesUrl": {"Ref": "Successes"},
            "FailuresUrl": {"Ref": "FailuresQueue"},
            "ResultsUrl": {"Ref": "Results"},
        },
    )
    return deployed.outputs


def invoke_async(emulator: Emulator, function: str, event: dict[str, Any]) -> None:
    answer = emulator.client("lambda").invoke(
        FunctionName=function, InvocationType="Event", Payload=json.dumps(event).encode()
    )
    assert answer["StatusCode"] == 202


def test_an_asynchronous_success_goes_to_the_on_success_queue(
    emulator: Emulator, destinations: dict[str, str], received: Received
) -> None:
    # GIVEN a function whose successes go to a queue WHEN it is invoked asynchronously
    invoke_async(emulator, destinations["Ok"], {"order": 1})
    # THEN the queue gets Lambda's success record: what was asked, and what came back
    (message,) = receive(emulator.client("sqs"), destinations["SuccessesUrl"])
    record = json.loads(message["Body"])
    assert record["version"] == "1.0"
    assert time.strptime(record["timestamp"], "%Y-%m-%dT%H:%M:%S.%fZ").tm_year > 2000
    context = record["requestContext"]
    assert str(uuid.UUID(context.pop("requestId"))) != ""
    assert context == {
        "functionArn": f"{destinations['OkArn']}:$LATEST",
        "condition": "Success",
        "approximateInvokeCount": 1,
    }
    assert record["requestPayload"] == {"order": 1}
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST"}
    assert record["responsePayload"] == {"order": 1, "ok": True}
    assert received.wait(destinations["Ok"]) == [{"order": 1}]


def test_an_asynchronous_failure_is_retried_then_goes_to_the_on_failure_topic(
    emulator: Emulator, runtime: LambdaRuntime, destinations: dict[str, str], received: Received
) -> None:
    # GIVEN a function that fails, retried once, whose failures go to a topic
    # WHEN it is invoked asynchronously
    invoke_async(emulator, destinations["Fails"], {"order": 2, "fail": True})
    # THEN the topic gets Lambda's failure record once the retries are exhausted
    (message,) = receive(emulator.client("sqs"), destinations["FailuresUrl"])
    record = json.loads(message["Body"])
    assert record["requestContext"]["functionArn"] == f"{destinations['FailsArn']}:$LATEST"
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 2
    assert record["requestPayload"] == {"order": 2, "fail": True}
    assert record["responseContext"] == {
        "statusCode": 200,
        "executedVersion": "$LATEST",
        "functionError": "Unhandled",
    }
    error = record["responsePayload"]
    assert error["errorType"] == "ValueError"
    assert error["errorMessage"] == "order 2 rejected"
    assert error["stackTrace"]
    # AND the function ran twice: the first attempt and one retry
    assert runtime.join_async(WAIT_S)
    assert received.events(destinations["Fails"]) == [{"order": 2, "fail": True}] * 2


def test_asynchronous_results_reach_a_function_and_an_event_bus(
    emulator: Emulator, runtime: LambdaRuntime, destinations: dict[str, str], received: Received
) -> None:
    # GIVEN a function whose successes go to another function and failures to an event bus,
    # with no retries
    # WHEN one order succeeds and one fails
    invoke_async(emulator, destinations["Orders"], {"order": 3})
    invoke_async(emulator, destinations["Orders"], {"order": 4, "fail": True})
    # THEN the destination function is invoked with the success record
    (record,) = received.wait(destinations["Catcher"])
    assert record["requestContext"]["condition"] == "Success"
    assert record["requestPayload"] == {"order": 3}
    assert record["responsePayload"] == {"order": 3, "ok": True}
    # AND the bus gets the failure record as the detail of a "lambda" event
    (message,) = receive(emulator.client("sqs"), destinations["ResultsUrl"])
    event = json.loads(message["Body"])
    assert event["source"] == "lambda"
    assert event["detail-type"] == "Lambda Function Invocation Result - Failure"
    assert event["resources"] == [
        f"arn:aws:events:{REGION}:{ACCOUNT_ID}:event-bus/default",
        f"{destinations['OrdersArn']}:$LATEST",
    ]
    assert event["detail"]["requestContext"]["condition"] == "RetriesExhausted"
    assert event["detail"]["requestContext"]["approximateInvokeCount"] == 1
    assert event["detail"]["requestPayload"] == {"order": 4, "fail": True}
    assert event["detail"]["responsePayload"]["errorMessage"] == "order 4 rejected"
    assert runtime.join_async(WAIT_S)
    assert len(received.events(destinations["Orders"])) == 2
