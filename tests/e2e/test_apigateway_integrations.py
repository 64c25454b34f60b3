"""API Gateway non-proxy integrations through the front door: ``AWS`` integrations that call a
service action on the emulator with a VTL request template (Kinesis PutRecord and
PutRecords, Step Functions StartExecution, SQS SendMessage, DynamoDB PutItem/GetItem/Query),
a path integration with a form body (as CDK's ``AwsIntegration(path=...)`` writes it), a
Lambda non-proxy integration, and the integration responses that shape what comes back
(selection patterns, response templates, response parameters, the response override).

One handwritten API holds every method (the shapes CDK synthesizes); it is deployed once for
the module, with the resources it calls.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from localcloud.apigateway.mapping_templates import Input, render
from localcloud.awslambda.runtime import LambdaRuntime
from localcloud.emulator import ACCOUNT_ID, Emulator
from localcloud.front_door import FrontDoor

from ._http import Answer, request
from ._moto_fixtures import LAMBDA_TRUST_POLICY, Stacks, api_resource, api_stage, unique

REGION = "us-east-1"
ROLE = {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": LAMBDA_TRUST_POLICY}}
GREETER = """
def handler(event, context):
    name = event.get("name") or ""
    if name == "nobody":
        raise LookupError(f"not found: {name}")
    if name == "crash":
        raise RuntimeError("boom")
    return {"greeting": f"Hello, {name}!", "length": len(name)}
"""


def _action(service: str, action: str) -> dict[str, Any]:
    return {"Fn::Sub": f"arn:aws:apigateway:${{AWS::Region}}:{service}:action/{action}"}


def _method(resource: str, verb: str, integration: dict[str, Any], **method: Any) -> dict[str, Any]:
    statuses = {str(r["StatusCode"]) for r in integration.get("IntegrationResponses", [])}
    return {
        "Type": "AWS::ApiGateway::Method",
        "Properties": {
            "RestApiId": {"Ref": "Api"},
            "ResourceId": {"Ref": resource},
            "HttpMethod": verb,
            "AuthorizationType": "NONE",
            "Integration": integration,
            "MethodResponses": [{"StatusCode": s} for s in sorted(statuses)],
            **method,
        },
    }


def _aws(service: str, action: str, template: Any, *responses: dict[str, Any]) -> dict[str, Any]:
    return {
        "Type": "AWS",
        "IntegrationHttpMethod": "POST",
        "Uri": _action(service, action),
        "Credentials": {"Fn::GetAtt": ["Role", "Arn"]},
        "PassthroughBehavior": "NEVER",
        "RequestTemplates": {"application/json": template},
        "IntegrationResponses": list(responses) or [{"StatusCode": "200"}],
    }


PUT_TWEET = """{
  "StreamName": "${Tweets}",
  "Data": "$util.base64Encode($input.json('$'))",
  "PartitionKey": "$input.path('$.user')"
}"""
PUT_TWEETS = """{
  "StreamName": "${Tweets}",
  "Records": [
#foreach($tweet in $input.path('$.tweets'))
    {"Data": "$util.base64Encode($util.escapeJavaScript($tweet.text))",
     "PartitionKey": "$tweet.user"}#if($foreach.hasNext),#end
#end
  ]
}"""
START_REGISTRATION = """{
  "stateMachineArn": "${Registrations}",
  "name": "$context.requestId",
  "input": "$util.escapeJavaScript($input.json('$'))"
}"""
SEND_ORDER = """{"QueueUrl": "${Orders}", "MessageBody": "$util.escapeJavaScript($input.body)"}"""
PUT_ITEM = """{
  "TableName": "${Items}",
  "Item": {
    "owner": {"S": "$input.params('owner')"},
    "id": {"S": "$input.params('id')"},
    "name": {"S": "$util.escapeJavaScript($input.path('$.name'))"}
  }
}"""
GET_ITEM = """{"TableName": "${Items}", "Key": {"owner": {"S": "$input.params('owner')"}, "id": {"S": "$input.params('id')"}}}"""  # noqa: E501
QUERY_ITEMS = """{
  "TableName": "${Items}",
  "KeyConditionExpression": "#o = :owner",
  "ExpressionAttributeNames": {"#o": "owner"},
  "ExpressionAttributeValues": {":owner": {"S": "$input.params('owner')"}}
}"""
ITEM_RESPONSE = """#set($item = $input.path('$.Item'))
#if($item)
{"id": "$item.id.S", "name": "$util.escapeJavaScript($item.name.S)"}
#else
#set($context.responseOverride.status = 404)
{"message": "no such item"}
#end"""
ITEMS_RESPONSE = """[
#foreach($item in $input.path('$.Items'))
  "$item.id.S"#if($foreach.hasNext),#end
#end
]"""
SEQUENCE_NUMBER = """{"sequenceNumber": "$input.path('$.SequenceNumber')"}"""
SEND_FORM = "Action=SendMessage&MessageBody=$util.urlEncode($input.body)"
GREET = """{"name": "$util.escapeJavaScript($input.params('name'))"}"""
SERVICE_ERROR = {
    "StatusCode": "400",
    "SelectionPattern": r"4\d{2}",
    "ResponseTemplates": {
        "application/json": '{"error": "$util.escapeJavaScript($input.path(\'$.__type\'))"}'
    },
}


def _api_template(api_name: str) -> dict[str, Any]:
    resources: dict[str, Any] = {
        "Role": ROLE,
        "Tweets": {"Type": "AWS::Kinesis::Stream", "Properties": {"ShardCount": 1}},
        "Orders": {"Type": "AWS::SQS::Queue"},
        "Items": {
            "Type": "AWS::DynamoDB::Table",
            "Properties": {
                "BillingMode": "PAY_PER_REQUEST",
                "AttributeDefinitions": [
                    {"AttributeName": "owner", "AttributeType": "S"},
                    {"AttributeName": "id", "AttributeType": "S"},
                ],
                "KeySchema": [
                    {"AttributeName": "owner", "KeyType": "HASH"},
                    {"AttributeName": "id", "KeyType": "RANGE"},
                ],
            },
        },
        "Registrations": {
            "Type": "AWS::StepFunctions::StateMachine",
            "Properties": {
                "Definition": {
                    "StartAt": "Done",
                    "States": {"Done": {"Type": "Pass", "End": True}},
                },
                "RoleArn": {"Fn::GetAtt": ["Role", "Arn"]},
            },
        },
        "Greeter": {
            "Type": "AWS::Lambda::Function",
            "Properties": {
                "Code": {"ZipFile": GREETER},
                "Handler": "index.handler",
                "Runtime": "python3.11",
                "Role": {"Fn::GetAtt": ["Role", "Arn"]},
            },
        },
        "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": api_name}},
        **api_resource("TweetsPath", None, "tweets"),
        **api_resource("BatchPath", "TweetsPath", "batch"),
        **api_resource("RegistrationsPath", None, "registrations"),
        **api_resource("OrdersPath", None, "orders"),
        **api_resource("FormOrdersPath", "OrdersPath", "form"),
        **api_resource("OwnersPath", None, "owners"),
        **api_resource("OwnerPath", "OwnersPath", "{owner}"),
        **api_resource("ItemsPath", "OwnerPath", "items"),
        **api_resource("ItemPath", "ItemsPath", "{id}"),
        **api_resource("GreetingsPath", None, "greetings"),
        **api_resource("MissingPath", None, "missing"),
        "PutTweet": _method(
            "TweetsPath",
            "POST",
            _aws(
                "kinesis",
                "PutRecord",
                {"Fn::Sub": PUT_TWEET},
                {
                    "StatusCode": "201",
                    "ResponseTemplates": {"application/json": SEQUENCE_NUMBER},
                    "ResponseParameters": {
                        "method.response.header.X-Shard": "integration.response.body.ShardId"
                    },
                },
            ),
        ),
        "PutTweets": _method(
            "BatchPath",
            "POST",
            _aws(
                "kinesis",
                "PutRecords",
                {"Fn::Sub": PUT_TWEETS},
                {
                    "StatusCode": "200",
                    "ResponseTemplates": {
                        "application/json": "{\"failed\": $input.path('$.FailedRecordCount')}"
                    },
                },
            ),
        ),
        "StartRegistration": _method(
            "RegistrationsPath",
            "POST",
            _aws(
                "states",
                "StartExecution",
                {"Fn::Sub": START_REGISTRATION},
                {
                    "StatusCode": "202",
                    "ResponseTemplates": {
                        "application/json": '{"executionArn": "$input.path(\'$.executionArn\')"}'
                    },
                },
                SERVICE_ERROR,
            ),
        ),
        "SendOrder": _method(
            "OrdersPath",
            "POST",
            _aws("sqs", "SendMessage", {"Fn::Sub": SEND_ORDER}),
        ),
        # AwsIntegration(service="sqs", path=f"{account}/{queue_name}") with a form body.
        "SendFormOrder": _method(
            "FormOrdersPath",
            "POST",
            {
                "Type": "AWS",
                "IntegrationHttpMethod": "POST",
                "Uri": {
                    "Fn::Sub": "arn:aws:apigateway:${AWS::Region}:sqs:path/${AWS::AccountId}/"
                    "${Orders.QueueName}"
                },
                "PassthroughBehavior": "NEVER",
                "RequestParameters": {
                    "integration.request.header.Content-Type": "'application/x-www-form-urlencoded'"
                },
                "RequestTemplates": {"application/json": SEND_FORM},
                "IntegrationResponses": [
                    {"StatusCode": "200", "ResponseTemplates": {"application/json": ""}}
                ],
            },
        ),
        "PutItem": _method(
            "ItemPath",
            "PUT",
            _aws(
                "dynamodb",
                "PutItem",
                {"Fn::Sub": PUT_ITEM},
                {"StatusCode": "204", "ResponseTemplates": {"application/json": "#set($x = 1)"}},
            ),
        ),
        "GetItem": _method(
            "ItemPath",
            "GET",
            _aws(
                "dynamodb",
                "GetItem",
                {"Fn::Sub": GET_ITEM},
                {"StatusCode": "200", "ResponseTemplates": {"application/json": ITEM_RESPONSE}},
                SERVICE_ERROR,
            ),
        ),
        "GetMissing": _method(
            "MissingPath",
            "GET",
            _aws(
                "dynamodb",
                "GetItem",
                '{"TableName": "no-such-table", "Key": {"id": {"S": "x"}}}',
                {"StatusCode": "200"},
                SERVICE_ERROR,
            ),
        ),
        "QueryItems": _method(
            "ItemsPath",
            "GET",
            _aws(
                "dynamodb",
                "Query",
                {"Fn::Sub": QUERY_ITEMS},
                {"StatusCode": "200", "ResponseTemplates": {"application/json": ITEMS_RESPONSE}},
            ),
        ),
        "Greet": _method(
            "GreetingsPath",
            "GET",
            {
                "Type": "AWS",
                "IntegrationHttpMethod": "POST",
                "Uri": {
                    "Fn::Sub": "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/"
                    "functions/${Greeter.Arn}/invocations"
                },
                "RequestTemplates": {"application/json": GREET},
                "IntegrationResponses": [
                    {
                        "StatusCode": "200",
                        "ResponseTemplates": {
                            "application/json": '{"text": "$input.path(\'$.greeting\')", '
                            '"stage": "$context.stage", "via": "$stageVariables.via"}'
                        },
                        "ResponseParameters": {
                            "method.response.header.Access-Control-Allow-Origin": "'*'",
                            "method.response.header.X-Name": "method.request.querystring.name",
                        },
                    },
                    {
                        "StatusCode": "404",
                        "SelectionPattern": "not found: .*",
                        "ResponseTemplates": {
                            "application/json": '{"message": "$input.path(\'$.errorMessage\')"}'
                        },
                    },
                ],
            },
        ),
        **api_stage(
            [
                "PutTweet",
                "PutTweets",
                "StartRegistration",
                "SendOrder",
                "SendFormOrder",
                "PutItem",
                "GetItem",
                "GetMissing",
                "QueryItems",
                "Greet",
            ],
            via="local",
        ),
    }
    return resources


@dataclass(frozen=True)
class Api:
    url: str
    outputs: dict[str, str]

    def call(self, method: str, path: str, **kwargs: Any) -> Answer:
        return request(method, self.url + path, **kwargs)


@pytest.fixture(scope="module")
def runtime(emulator: Emulator) -> Iterator[LambdaRuntime]:
    runtime = LambdaRuntime(endpoint=emulator.endpoint, region=REGION).install()
    yield runtime
    runtime.close()


@pytest.fixture(scope="module")
def api(emulator: Emulator, runtime: LambdaRuntime) -> Iterator[Api]:
    stacks = Stacks(emulator)
    deployed = stacks.deploy(
        _api_template(unique("integrations")),
        {
            "ApiId": {"Ref": "Api"},
            "Stream": {"Ref": "Tweets"},
            "Queue": {"Ref": "Orders"},
            "Table": {"Ref": "Items"},
            "Machine": {"Ref": "Registrations"},
        },
    )
    with FrontDoor(emulator=emulator, invoke=runtime.invoke_function, port=0) as door:
        yield Api(door.api_url(deployed.outputs["ApiId"], "v1"), deployed.outputs)
    stacks.delete_all()


def _stream_records(emulator: Emulator, stream: str) -> list[dict[str, Any]]:
    kinesis = emulator.client("kinesis")
    shard = kinesis.list_shards(StreamName=stream)["Shards"][0]["ShardId"]
    iterator = kinesis.get_shard_iterator(
        StreamName=stream, ShardId=shard, ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    records: list[dict[str, Any]] = kinesis.get_records(ShardIterator=iterator)["Records"]
    return records


def test_post_tweet_puts_a_kinesis_record_keyed_by_its_user(api: Api, emulator: Emulator) -> None:
    # GIVEN POST /tweets -> Kinesis PutRecord, Data = the body, PartitionKey = $.user
    tweet = {"user": "ana", "text": 'Serverless "rocks"'}
    # WHEN a tweet is posted
    answer = api.call("POST", "tweets", json_body=tweet)
    # THEN the response template shaped Kinesis' answer, a header came from its body
    assert answer.status == 201, answer.body
    sequence = answer.json()["sequenceNumber"]
    assert sequence
    assert answer.headers["X-Shard"] == "shardId-000000000000"
    # AND the stream holds the tweet, keyed by its user
    records = _stream_records(emulator, api.outputs["Stream"])
    (record,) = [r for r in records if r["SequenceNumber"] == sequence]
    assert json.loads(record["Data"]) == tweet
    assert record["PartitionKey"] == "ana"


def test_post_tweets_batch_puts_one_record_per_tweet(api: Api, emulator: Emulator) -> None:
    # GIVEN POST /tweets/batch -> PutRecords, a #foreach over $.tweets
    tweets = [{"user": "bo", "text": "first"}, {"user": "cy", "text": "second / ñ"}]
    # WHEN two tweets are posted at once
    answer = api.call("POST", "tweets/batch", json_body={"tweets": tweets})
    # THEN none failed, and each is a record keyed by its user
    assert answer.status == 200, answer.body
    assert answer.json() == {"failed": 0}
    found = {
        r["PartitionKey"]: r["Data"].decode()
        for r in _stream_records(emulator, api.outputs["Stream"])
        if r["PartitionKey"] in ("bo", "cy")
    }
    # escapeJavaScript escapes "/" and non-ASCII as Java does
    assert found == {"bo": "first", "cy": "second \\/ \\u00F1"}


def test_post_registration_starts_an_execution(api: Api, emulator: Emulator) -> None:
    # GIVEN POST /registrations -> Step Functions StartExecution with the body as input
    registration = {"dni": "12345678Z", "email": "ana@example.com"}
    # WHEN a registration is posted
    answer = api.call("POST", "registrations", json_body=registration)
    # THEN it answers 202 with the execution, which ran with the body as its input
    assert answer.status == 202, answer.body
    execution_arn = answer.json()["executionArn"]
    assert execution_arn.startswith(f"arn:aws:states:{REGION}:{ACCOUNT_ID}:execution:")
    described = emulator.client("stepfunctions").describe_execution(executionArn=execution_arn)
    assert json.loads(described["input"]) == registration
    assert described["name"] == answer.headers["x-amzn-RequestId"]


def test_a_service_error_is_mapped_by_its_selection_pattern(api: Api) -> None:
    # GIVEN GET /missing -> DynamoDB GetItem on a table that does not exist, whose 4xx
    # answers select a 400 response
    # WHEN it is called
    answer = api.call("GET", "missing")
    # THEN DynamoDB's 400 selected the 400 response, shaped by its template
    assert answer.status == 400, answer.body
    assert answer.json()["error"].endswith("ResourceNotFoundException")


def test_sqs_send_message_by_action_and_by_path(api: Api, emulator: Emulator) -> None:
    # GIVEN POST /orders -> SendMessage (JSON action) and POST /orders/form -> the queue's
    # path with a form body
    sqs = emulator.client("sqs")
    # WHEN an order is posted each way
    by_action = api.call("POST", "orders", json_body={"order": 1, "note": "a&b=c"})
    by_path = api.call("POST", "orders/form", json_body={"order": 2, "note": "x+y"})
    # THEN both reach the queue with the body as it was posted
    assert by_action.status == 200, by_action.body
    assert by_path.status == 200, by_path.body
    assert "MessageId" in by_action.json()
    assert b"<MessageId>" in by_path.body  # an empty response template passes it through
    bodies = []
    while len(bodies) < 2:
        messages = sqs.receive_message(
            QueueUrl=api.outputs["Queue"], MaxNumberOfMessages=10, WaitTimeSeconds=1
        ).get("Messages", [])
        assert messages or len(bodies) == 2
        bodies += [json.loads(m["Body"]) for m in messages]
    assert sorted(bodies, key=lambda b: b["order"]) == [
        {"order": 1, "note": "a&b=c"},
        {"order": 2, "note": "x+y"},
    ]


def test_dynamodb_put_get_and_query_through_templates(api: Api) -> None:
    # GIVEN PUT/GET /owners/{owner}/items/{id} -> PutItem/GetItem, GET .../items -> Query
    # WHEN two items are put for ana and one is read back, then all listed
    for item_id, name in (("i1", 'Lamp "L"'), ("i2", "Desk")):
        put = api.call("PUT", f"owners/ana/items/{item_id}", json_body={"name": name})
        assert put.status == 204, put.body
    got = api.call("GET", "owners/ana/items/i1")
    listed = api.call("GET", "owners/ana/items")
    missing = api.call("GET", "owners/ana/items/nope")
    # THEN the item comes back through the response template, the list through a #foreach
    assert got.status == 200, got.body
    assert got.json() == {"id": "i1", "name": 'Lamp "L"'}
    assert listed.json() == ["i1", "i2"]
    # AND a template can override the status ($context.responseOverride.status)
    assert missing.status == 404
    assert missing.json() == {"message": "no such item"}


def test_lambda_non_proxy_integration_maps_request_response_and_errors(api: Api) -> None:
    # GIVEN GET /greetings -> a function (non-proxy) given {"name": ...} from the query string
    # WHEN it is called for Ada, for a name the function does not know, and one that crashes
    hello = api.call("GET", "greetings?name=Ada")
    unknown = api.call("GET", "greetings?name=nobody")
    crash = api.call("GET", "greetings?name=crash")
    # THEN the function's result is shaped by the response template, with $context and
    # $stageVariables, and headers from literals and the method request
    assert hello.status == 200, hello.body
    assert hello.json() == {"text": "Hello, Ada!", "stage": "v1", "via": "local"}
    assert hello.headers["Access-Control-Allow-Origin"] == "*"
    assert hello.headers["X-Name"] == "Ada"
    # AND an error whose message matches a selection pattern picks that response
    assert unknown.status == 404
    assert unknown.json() == {"message": "not found: nobody"}
    # AND one that matches none gets the default response, as API Gateway does
    assert crash.status == 200
    assert crash.json()["text"] == ""


def test_never_passthrough_refuses_a_content_type_without_template(api: Api) -> None:
    # GIVEN POST /orders has only an application/json template and passthrough NEVER
    # WHEN text is posted
    answer = api.call("POST", "orders", body="hello", headers={"Content-Type": "text/plain"})
    # THEN API Gateway refuses it itself
    assert answer.status == 415
    assert answer.json() == {"message": "Unsupported Media Type"}


def test_a_mapping_template_sees_base64_and_url_helpers() -> None:
    # GIVEN the $util of mapping templates WHEN used THEN they behave as API Gateway's
    out = render(
        "$util.base64Encode('hi') $util.base64Decode('aGk=') $util.urlEncode('a b&c') "
        "$util.urlDecode('a+b%26c') $util.parseJson('{\"a\": [1, 2]}').a.size() "
        "$input.params().path.id $input.params('X-Trace') $input.json('$.n')",
        payload=Input(b'{"n": {"k": true}}', {"path": {"id": "7"}, "header": {"x-trace": "t"}}),
        context={},
        stage_variables={},
    )
    assert out == 'aGk= hi a+b%26c a b&c 2 7 t {"k": true}'


def test_test_invoke_method_runs_the_method_through_the_front_doors_pipeline(
    api: Api, emulator: Emulator
) -> None:
    # GIVEN the Lambda non-proxy GET /greetings and the DynamoDB PUT of an item
    apigateway = emulator.client("apigateway")
    api_id = api.outputs["ApiId"]
    resources = {r["path"]: r["id"] for r in apigateway.get_resources(restApiId=api_id)["items"]}
    # WHEN both are test-invoked through API Gateway's API, with a query string, stage
    # variables, a body
    greeted = apigateway.test_invoke_method(
        restApiId=api_id,
        resourceId=resources["/greetings"],
        httpMethod="GET",
        pathWithQueryString="/greetings?name=Ada",
        stageVariables={"via": "test invoke"},
    )
    put = apigateway.test_invoke_method(
        restApiId=api_id,
        resourceId=resources["/owners/{owner}/items/{id}"],
        httpMethod="PUT",
        pathWithQueryString="/owners/bo/items/t1",
        body='{"name": "Tested"}',
        headers={"Content-Type": "application/json"},
    )
    # THEN each answers what the method would: the mapped greeting and its headers
    assert greeted["status"] == 200
    greeting = {"text": "Hello, Ada!", "stage": "test-invoke-stage", "via": "test invoke"}
    assert json.loads(greeted["body"]) == greeting
    assert greeted["headers"]["X-Name"] == "Ada"
    assert greeted["latency"] >= 0
    # AND the item was really put
    assert put["status"] == 204
    assert api.call("GET", "owners/bo/items/t1").json() == {"id": "t1", "name": "Tested"}
