"""The front door: REST APIs and CloudFront sites deployed into the emulator, served over
real HTTP, with a fake Lambda executor that records the events it gets.

A small handwritten template (deployed through the emulator's CloudFormation, so the moto
patches' models are the ones in play) holds what the project's stacks use: an API key and
usage plan, a request validator with a model, gateway responses, a MOCK CORS preflight,
Lambda proxy methods, a greedy path, binary media types, an integration timeout, and a
static site (bucket, response headers policy, distribution).
"""

from __future__ import annotations

import base64
import http.client
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pytest
from moto.cognitoidp.models import cognitoidp_backends

from localcloud.emulator import ACCOUNT_ID, Emulator
from localcloud.front_door import FrontDoor

from ._http import Answer, request
from ._moto_fixtures import Stacks, unique

FUNCTION = f"arn:aws:lambda:us-east-1:{ACCOUNT_ID}:function:items"
LAMBDA_URI = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{}/invocations"
SLOW_FUNCTION = f"arn:aws:lambda:us-east-1:{ACCOUNT_ID}:function:slow"
CORS_HEADERS = {
    "method.response.header.Access-Control-Allow-Origin": "'*'",
    "method.response.header.Access-Control-Allow-Methods": "'OPTIONS,GET,POST,DELETE'",
    "method.response.header.Access-Control-Allow-Headers": "'Content-Type,X-Api-Key'",
}
ITEM_SCHEMA = {
    "$schema": "http://json-schema.org/draft-04/schema#",
    "type": "object",
    "additionalProperties": False,
    "required": ["name"],
    "properties": {
        "name": {"type": "string", "minLength": 1},
        "price": {"type": "number", "minimum": 0},
    },
}
Reply = Callable[[dict[str, Any]], tuple[bytes, str | None]]


def proxy_reply(status: int = 200, body: Any = None, **extra: Any) -> bytes:
    return json.dumps(
        {
            "statusCode": status,
            "headers": {"Content-Type": "application/json"},
            "body": json.dumps(body if body is not None else {"ok": True}),
            **extra,
        }
    ).encode()


@dataclass
class FakeLambda:
    """Stands in for the Lambda executor: records (function, event), answers with ``reply``."""

    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    reply: Reply = field(default=lambda event: (proxy_reply(), None))

    def __call__(self, function: str, event: dict[str, Any]) -> tuple[bytes, str | None]:
        self.calls.append((function, event))
        return self.reply(event)

    @property
    def last_event(self) -> dict[str, Any]:
        return self.calls[-1][1]


def lambda_proxy(resource: str, verb: str, **properties: Any) -> dict[str, Any]:
    function = properties.pop("function", FUNCTION)
    integration = {
        "Type": "AWS_PROXY",
        "IntegrationHttpMethod": "POST",
        "Uri": LAMBDA_URI.format(function),
        **properties.pop("integration", {}),
    }
    return {
        "Type": "AWS::ApiGateway::Method",
        "Properties": {
            "RestApiId": {"Ref": "Api"},
            "ResourceId": {"Ref": resource},
            "HttpMethod": verb,
            "AuthorizationType": "NONE",
            "Integration": integration,
            **properties,
        },
    }


def api_resource(parent: str | None, part: str) -> dict[str, Any]:
    parent_id = {"Ref": parent} if parent else {"Fn::GetAtt": ["Api", "RootResourceId"]}
    return {
        "Type": "AWS::ApiGateway::Resource",
        "Properties": {"RestApiId": {"Ref": "Api"}, "ParentId": parent_id, "PathPart": part},
    }


def api_stage(name: str, **properties: Any) -> dict[str, Any]:
    return {
        "Type": "AWS::ApiGateway::Stage",
        "Properties": {
            "RestApiId": {"Ref": "Api"},
            "DeploymentId": {"Ref": "Deployment"},
            "StageName": name,
            **properties,
        },
    }


def gateway_response(kind: str, **properties: Any) -> dict[str, Any]:
    return {
        "Type": "AWS::ApiGateway::GatewayResponse",
        "Properties": {
            "RestApiId": {"Ref": "Api"},
            "ResponseType": kind,
            "ResponseParameters": {"gatewayresponse.header.Access-Control-Allow-Origin": "'*'"},
            **properties,
        },
    }


def template(key: str, disabled_key: str, orphan_key: str) -> tuple[dict[str, Any], dict[str, Any]]:
    methods = [
        "ItemsOptions", "ItemsPost", "ItemGet", "ItemPut", "ItemDelete", "FilesAny", "SlowGet",
        "IamGet",
    ]  # fmt: skip
    resources: dict[str, Any] = {
        "Api": {
            "Type": "AWS::ApiGateway::RestApi",
            "Properties": {
                "Name": unique("front-door"),
                "BinaryMediaTypes": ["application/octet-stream"],
            },
        },
        "Items": api_resource(None, "items"),
        "Item": api_resource("Items", "{id}"),
        "Files": api_resource(None, "files"),
        "FilesProxy": api_resource("Files", "{proxy+}"),
        "Slow": api_resource(None, "slow"),
        "Iam": api_resource(None, "iam"),
        "Validator": {
            "Type": "AWS::ApiGateway::RequestValidator",
            "Properties": {
                "RestApiId": {"Ref": "Api"},
                "ValidateRequestBody": True,
                "ValidateRequestParameters": True,
            },
        },
        "ItemModel": {
            "Type": "AWS::ApiGateway::Model",
            "Properties": {
                "RestApiId": {"Ref": "Api"},
                "ContentType": "application/json",
                "Schema": ITEM_SCHEMA,
            },
        },
        "ItemsOptions": {
            "Type": "AWS::ApiGateway::Method",
            "Properties": {
                "RestApiId": {"Ref": "Api"},
                "ResourceId": {"Ref": "Items"},
                "HttpMethod": "OPTIONS",
                "AuthorizationType": "NONE",
                "Integration": {
                    "Type": "MOCK",
                    "RequestTemplates": {"application/json": "{ statusCode: 200 }"},
                    "IntegrationResponses": [
                        {"StatusCode": "204", "ResponseParameters": CORS_HEADERS}
                    ],
                },
                "MethodResponses": [
                    {
                        "StatusCode": "204",
                        "ResponseParameters": dict.fromkeys(CORS_HEADERS, True),
                    }
                ],
            },
        },
        "ItemsPost": lambda_proxy(
            "Items",
            "POST",
            ApiKeyRequired=True,
            RequestValidatorId={"Ref": "Validator"},
            RequestModels={"application/json": {"Ref": "ItemModel"}},
        ),
        "ItemGet": lambda_proxy(
            "Item",
            "GET",
            ApiKeyRequired=True,
            RequestValidatorId={"Ref": "Validator"},
            RequestParameters={"method.request.path.id": True},
        ),
        "ItemPut": lambda_proxy(
            "Item",
            "PUT",
            ApiKeyRequired=True,
            RequestValidatorId={"Ref": "Validator"},
            RequestParameters={"method.request.header.X-Correlation-Id": True},
        ),
        "ItemDelete": lambda_proxy(
            "Item",
            "DELETE",
            ApiKeyRequired=True,
            RequestValidatorId={"Ref": "Validator"},
            RequestParameters={"method.request.querystring.version": True},
        ),
        "FilesAny": lambda_proxy("FilesProxy", "ANY"),
        "SlowGet": lambda_proxy(
            "Slow", "GET", function=SLOW_FUNCTION, integration={"TimeoutInMillis": 200}
        ),
        "IamGet": lambda_proxy("Iam", "GET", AuthorizationType="AWS_IAM"),
        "Deployment": {
            "Type": "AWS::ApiGateway::Deployment",
            "DependsOn": methods,
            "Properties": {"RestApiId": {"Ref": "Api"}},
        },
        "Stage": api_stage("test", Variables={"color": "blue"}),
        # A second stage of the same deployment, in no usage plan.
        "NextStage": api_stage("next"),
        "Plan": {
            "Type": "AWS::ApiGateway::UsagePlan",
            "Properties": {
                "ApiStages": [{"ApiId": {"Ref": "Api"}, "Stage": {"Ref": "Stage"}}],
                "Throttle": {"BurstLimit": 2, "RateLimit": 1},
            },
        },
        "InvalidBody": gateway_response(
            "BAD_REQUEST_BODY",
            ResponseTemplates={
                "application/json": '{"message": "$context.error.validationErrorString"}'
            },
        ),
        "Default4xx": gateway_response("DEFAULT_4XX"),
        "Default5xx": gateway_response("DEFAULT_5XX"),
        # The site
        "SiteBucket": {"Type": "AWS::S3::Bucket"},
        "SecurityHeaders": {
            "Type": "AWS::CloudFront::ResponseHeadersPolicy",
            "Properties": {
                "ResponseHeadersPolicyConfig": {
                    "Name": unique("headers"),
                    "SecurityHeadersConfig": {
                        "ContentSecurityPolicy": {
                            "ContentSecurityPolicy": {
                                "Fn::Sub": "default-src 'none'; script-src 'self'; "
                                "connect-src 'self' https://${Api}.execute-api.${AWS::Region}."
                                "${AWS::URLSuffix}; frame-ancestors 'none'"
                            },
                            "Override": True,
                        },
                        "ContentTypeOptions": {"Override": True},
                        "FrameOptions": {"FrameOption": "DENY", "Override": True},
                        "ReferrerPolicy": {
                            "ReferrerPolicy": "strict-origin-when-cross-origin",
                            "Override": True,
                        },
                        "StrictTransportSecurity": {
                            "AccessControlMaxAgeSec": 31536000,
                            "IncludeSubdomains": True,
                            "Override": True,
                        },
                    },
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
                            "DomainName": {"Fn::GetAtt": ["SiteBucket", "RegionalDomainName"]},
                            "S3OriginConfig": {"OriginAccessIdentity": ""},
                        }
                    ],
                    "DefaultCacheBehavior": {
                        "TargetOriginId": "site",
                        "ViewerProtocolPolicy": "redirect-to-https",
                        "ResponseHeadersPolicyId": {"Ref": "SecurityHeaders"},
                    },
                }
            },
        },
    }
    for name, value, enabled, in_plan in (
        ("Key", key, True, True),
        ("DisabledKey", disabled_key, False, True),
        ("OrphanKey", orphan_key, True, False),
    ):
        resources[name] = {
            "Type": "AWS::ApiGateway::ApiKey",
            "Properties": {"Enabled": enabled, "Value": value},
        }
        if in_plan:
            resources[f"{name}InPlan"] = {
                "Type": "AWS::ApiGateway::UsagePlanKey",
                "Properties": {
                    "KeyId": {"Ref": name},
                    "KeyType": "API_KEY",
                    "UsagePlanId": {"Ref": "Plan"},
                },
            }
    outputs = {
        "ApiId": {"Ref": "Api"},
        "KeyId": {"Ref": "Key"},
        "Bucket": {"Ref": "SiteBucket"},
        "DistributionId": {"Ref": "Cdn"},
        "CloudApiUrl": {
            "Fn::Sub": "https://${Api}.execute-api.${AWS::Region}.${AWS::URLSuffix}/test/"
        },
        "CloudSiteUrl": {"Fn::Sub": "https://${Cdn.DomainName}/"},
    }
    return resources, outputs


@dataclass(frozen=True)
class Deployed:
    api_id: str
    key: str
    key_id: str
    disabled_key: str
    orphan_key: str
    bucket: str
    distribution_id: str
    cloud_api_url: str
    cloud_site_url: str


@pytest.fixture(scope="module")
def deployed(emulator: Emulator) -> Iterator[Deployed]:
    stacks = Stacks(emulator)
    keys = [f"{kind}-{uuid.uuid4().hex}" for kind in ("key", "disabled", "orphan")]
    resources, outputs = template(*keys)
    stack = stacks.deploy(resources, outputs)
    s3 = emulator.client("s3")
    bucket = stack.outputs["Bucket"]
    files = {
        "index.html": ("text/html", b"<!doctype html><title>Items</title>"),
        "config.json": (
            "application/json",
            json.dumps({"apiUrl": stack.outputs["CloudApiUrl"]}).encode(),
        ),
        "logo.png": ("image/png", b"\x89PNG\r\n\x1a\n" + bytes(range(256))),
    }
    for name, (content_type, body) in files.items():
        s3.put_object(Bucket=bucket, Key=name, Body=body, ContentType=content_type)
    yield Deployed(
        api_id=stack.outputs["ApiId"],
        key=keys[0],
        key_id=stack.outputs["KeyId"],
        disabled_key=keys[1],
        orphan_key=keys[2],
        bucket=bucket,
        distribution_id=stack.outputs["DistributionId"],
        cloud_api_url=stack.outputs["CloudApiUrl"],
        cloud_site_url=stack.outputs["CloudSiteUrl"],
    )
    stacks.delete_all()


@pytest.fixture(scope="module")
def fake_lambda() -> FakeLambda:
    return FakeLambda()


@pytest.fixture
def functions(fake_lambda: FakeLambda) -> FakeLambda:
    """The fake executor, with no calls recorded and the default reply."""
    fake_lambda.calls.clear()
    fake_lambda.reply = lambda event: (proxy_reply(), None)
    return fake_lambda


@pytest.fixture(scope="module")
def front_door(emulator: Emulator, fake_lambda: FakeLambda) -> Iterator[FrontDoor]:
    with FrontDoor(emulator=emulator, invoke=fake_lambda, port=0) as door:
        yield door


@pytest.fixture
def api(front_door: FrontDoor, deployed: Deployed) -> str:
    return front_door.api_url(deployed.api_id, "test")


def with_key(deployed: Deployed, **headers: str) -> dict[str, str]:
    return {"x-api-key": deployed.key, **headers}


# ---------------------------------------------------------------------------------------
# API keys and routing


@pytest.mark.parametrize("kind", ["none", "unknown", "disabled", "not in a usage plan"])
def test_a_method_that_requires_a_key_is_forbidden_without_a_valid_one(
    api: str, deployed: Deployed, functions: FakeLambda, kind: str
) -> None:
    # GIVEN a key that is missing, unknown, disabled, or in no usage plan of this stage
    headers = {
        "none": {},
        "unknown": {"x-api-key": "not-a-key-0123456789"},
        "disabled": {"x-api-key": deployed.disabled_key},
        "not in a usage plan": {"x-api-key": deployed.orphan_key},
    }[kind]
    # WHEN the method is called
    answer = request("GET", f"{api}items/42", headers=headers)
    # THEN API Gateway refuses it itself, with the DEFAULT_4XX gateway response's CORS header
    assert answer.status == 403
    assert answer.json() == {"message": "Forbidden"}
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    assert functions.calls == []


@pytest.fixture(scope="module")
def other_api(emulator: Emulator, front_door: FrontDoor) -> Iterator[tuple[str, str]]:
    """A second keyed API, with a usage plan and a key of its own: (its stage URL, its key)."""
    key = f"other-{uuid.uuid4().hex}"
    resources = {
        "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": unique("other")}},
        "Items": api_resource(None, "items"),
        "ItemsGet": lambda_proxy("Items", "GET", ApiKeyRequired=True),
        "Deployment": {
            "Type": "AWS::ApiGateway::Deployment",
            "DependsOn": ["ItemsGet"],
            "Properties": {"RestApiId": {"Ref": "Api"}},
        },
        "Stage": api_stage("test"),
        "Plan": {
            "Type": "AWS::ApiGateway::UsagePlan",
            "Properties": {"ApiStages": [{"ApiId": {"Ref": "Api"}, "Stage": {"Ref": "Stage"}}]},
        },
        "Key": {"Type": "AWS::ApiGateway::ApiKey", "Properties": {"Enabled": True, "Value": key}},
        "KeyInPlan": {
            "Type": "AWS::ApiGateway::UsagePlanKey",
            "Properties": {
                "KeyId": {"Ref": "Key"},
                "KeyType": "API_KEY",
                "UsagePlanId": {"Ref": "Plan"},
            },
        },
    }
    stacks = Stacks(emulator)
    stack = stacks.deploy(resources, {"ApiId": {"Ref": "Api"}})
    yield front_door.api_url(stack.outputs["ApiId"], "test"), key
    stacks.delete_all()


def test_a_key_opens_only_the_api_stages_its_usage_plans_cover(
    api: str, deployed: Deployed, other_api: tuple[str, str], functions: FakeLambda
) -> None:
    # GIVEN two keyed APIs, each with a usage plan holding a key of its own
    other_url, other_key = other_api
    # WHEN each key is used on its own API THEN it opens it
    assert request("GET", f"{api}items/1", headers={"x-api-key": deployed.key}).status == 200
    assert request("GET", f"{other_url}items", headers={"x-api-key": other_key}).status == 200
    # WHEN each is used on the other API THEN API Gateway refuses it: no plan of the key
    # covers that API
    for url, key in ((f"{other_url}items", deployed.key), (f"{api}items/1", other_key)):
        answer = request("GET", url, headers={"x-api-key": key})
        assert answer.status == 403
        assert answer.json() == {"message": "Forbidden"}
    assert len(functions.calls) == 2


def test_a_key_opens_only_the_stages_its_usage_plan_lists(
    front_door: FrontDoor, deployed: Deployed, functions: FakeLambda
) -> None:
    # GIVEN a key whose usage plan lists stage "test" of its API, and the API's stage "next",
    # which no plan lists
    # WHEN the key is used on stage "next"
    answer = request(
        "GET",
        f"{front_door.api_url(deployed.api_id, 'next')}items/1",
        headers=with_key(deployed),
    )
    # THEN it is refused, as on any API its plans do not cover
    assert answer.status == 403
    assert answer.json() == {"message": "Forbidden"}
    assert functions.calls == []


def test_the_proxy_event_carries_the_request(
    api: str, deployed: Deployed, functions: FakeLambda, front_door: FrontDoor
) -> None:
    # GIVEN a request with a path parameter, repeated query parameters and a custom header
    # WHEN it goes through the API with the key
    answer = request(
        "GET",
        f"{api}items/abc%20d?verbose=1&tag=a&tag=b",
        headers=with_key(deployed, **{"X-Custom": "one", "User-Agent": "tests/1.0"}),
    )
    # THEN the function got the Lambda proxy event (payload 1.0) for it
    assert answer.status == 200, answer.body
    function, event = functions.calls[-1]
    assert function == FUNCTION
    assert event["resource"] == "/items/{id}"
    assert event["path"] == "/items/abc d"
    assert event["httpMethod"] == "GET"
    assert event["pathParameters"] == {"id": "abc d"}
    assert event["queryStringParameters"] == {"verbose": "1", "tag": "b"}
    assert event["multiValueQueryStringParameters"] == {"verbose": ["1"], "tag": ["a", "b"]}
    assert event["headers"]["X-Custom"] == "one"
    assert event["multiValueHeaders"]["X-Custom"] == ["one"]
    assert event["headers"]["X-Forwarded-For"] == "127.0.0.1"
    assert event["stageVariables"] == {"color": "blue"}
    assert event["body"] is None
    assert event["isBase64Encoded"] is False
    context = event["requestContext"]
    assert context["stage"] == "test"
    assert context["resourcePath"] == "/items/{id}"
    assert context["httpMethod"] == "GET"
    assert context["path"] == "/test/items/abc d"
    assert context["apiId"] == deployed.api_id
    assert context["accountId"] == ACCOUNT_ID
    assert context["resourceId"]
    assert context["identity"]["apiKeyId"] == deployed.key_id
    assert context["identity"]["apiKey"] == deployed.key
    assert context["identity"]["sourceIp"] == "127.0.0.1"
    assert context["identity"]["userAgent"] == "tests/1.0"
    assert abs(context["requestTimeEpoch"] / 1000 - time.time()) < 60
    # AND the response names the same request id
    assert uuid.UUID(context["requestId"])
    assert answer.headers["x-amzn-RequestId"] == context["requestId"]


def test_the_proxy_response_becomes_the_http_response(
    front_door: FrontDoor, deployed: Deployed, functions: FakeLambda
) -> None:
    # GIVEN a function answering with a status, single and multi-value headers and a body
    functions.reply = lambda event: (
        json.dumps(
            {
                "statusCode": 201,
                "headers": {"X-One": "1", "Content-Type": "text/plain"},
                "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]},
                "body": "created",
            }
        ).encode(),
        None,
    )
    # WHEN it is called over HTTP
    connection = http.client.HTTPConnection("localhost", front_door.port, timeout=10)
    connection.request(
        "POST",
        f"/{deployed.api_id}/test/items",
        body=b'{"name": "Lamp"}',
        headers=with_key(deployed, **{"Content-Type": "application/json"}),
    )
    response = connection.getresponse()
    # THEN status, headers (repeats kept) and body are the function's
    assert response.status == 201
    assert response.read() == b"created"
    assert response.getheader("X-One") == "1"
    assert response.getheader("Content-Type") == "text/plain"
    assert response.headers.get_all("Set-Cookie") == ["a=1", "b=2"]
    # AND the body the function got is the request's
    assert functions.last_event["body"] == '{"name": "Lamp"}'
    connection.close()


@pytest.mark.parametrize(
    ("path", "method"),
    [("nowhere", "GET"), ("items", "PATCH"), ("items/1/deeper", "GET"), ("", "GET")],
)
def test_an_unknown_route_is_missing_authentication_token(
    api: str, deployed: Deployed, functions: FakeLambda, path: str, method: str
) -> None:
    # GIVEN a path or method the API does not define WHEN it is called
    answer = request(method, f"{api}{path}", headers=with_key(deployed))
    # THEN API Gateway's 403 for unknown routes comes back
    assert answer.status == 403
    assert answer.json() == {"message": "Missing Authentication Token"}
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    assert functions.calls == []


def test_an_authorization_type_not_emulated_fails_closed(api: str, functions: FakeLambda) -> None:
    # GIVEN a method protected by IAM authorization, which the front door cannot check
    # WHEN it is called THEN it is refused, never passed through unprotected
    answer = request("GET", f"{api}iam")
    assert answer.status == 403
    assert "not emulated" in answer.json()["message"]
    assert functions.calls == []


def test_an_unknown_api_or_stage_is_refused(front_door: FrontDoor, deployed: Deployed) -> None:
    # GIVEN an API id that was never deployed, and a stage the API does not have
    # WHEN they are called THEN the answers are a 404 and a 403
    unknown_api = request("GET", f"{front_door.url}/nosuchapi0/test/items")
    assert unknown_api.status == 404
    unknown_stage = request("GET", f"{front_door.url}/{deployed.api_id}/prod/items")
    assert unknown_stage.status == 403
    assert unknown_stage.json() == {"message": "Forbidden"}


def test_a_greedy_path_and_any_method_reach_the_function(api: str, functions: FakeLambda) -> None:
    # GIVEN ANY /files/{proxy+} WHEN a nested path is called with some verb
    answer = request("PUT", f"{api}files/a/b/c.txt", body=b"text", headers={})
    # THEN the greedy parameter holds the rest of the path
    assert answer.status == 200
    event = functions.last_event
    assert event["resource"] == "/files/{proxy+}"
    assert event["pathParameters"] == {"proxy": "a/b/c.txt"}
    assert event["httpMethod"] == "PUT"


# ---------------------------------------------------------------------------------------
# request validation


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"price": 3}, '[object has missing required properties (["name"])]'),
        (
            {"name": "Lamp", "colour": "red"},
            '[object instance has properties which are not allowed by the schema: ["colour"]]',
        ),
        (
            {"name": "Lamp", "price": -1},
            # (AWS's message; the local one adds the field's JSON pointer)
            "[numeric instance is lower than the required minimum (minimum: 0, found: -1)"
            " at /price]",
        ),
    ],
)
def test_a_body_the_model_rejects_gets_the_gateway_response(
    api: str, deployed: Deployed, functions: FakeLambda, body: dict[str, Any], message: str
) -> None:
    # GIVEN a body that fails the method's model WHEN it is posted
    answer = request("POST", f"{api}items", json_body=body, headers=with_key(deployed))
    # THEN the BAD_REQUEST_BODY gateway response answers with the validation errors
    assert answer.status == 400
    assert answer.json() == {"message": message}
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    assert functions.calls == []


def test_a_body_that_is_not_json_is_a_400(
    api: str, deployed: Deployed, functions: FakeLambda
) -> None:
    answer = request("POST", f"{api}items", body="{not json", headers=with_key(deployed))
    assert answer.status == 400
    assert answer.json()["message"]
    assert functions.calls == []


@pytest.mark.parametrize(
    "query", ["", "?version=", "?version=%20"], ids=["absent", "blank", "space"]
)
def test_a_required_query_parameter_must_be_present_and_not_blank(
    api: str, deployed: Deployed, functions: FakeLambda, query: str
) -> None:
    # GIVEN DELETE requires ?version WHEN it is called without it, or with it blank
    # THEN API Gateway refuses it
    answer = request("DELETE", f"{api}items/7{query}", headers=with_key(deployed))
    assert answer.status == 400
    assert answer.json() == {"message": "Missing required request parameters: [version]"}
    assert functions.calls == []
    # AND with it, the request goes through
    assert request("DELETE", f"{api}items/7?version=3", headers=with_key(deployed)).status == 200
    assert functions.last_event["queryStringParameters"] == {"version": "3"}


@pytest.mark.parametrize("body", [None, b""], ids=["no body", "empty body"])
def test_a_missing_body_is_validated_against_the_model(
    api: str, deployed: Deployed, functions: FakeLambda, body: bytes | None
) -> None:
    # GIVEN POST /items validates its body against a model with a required property
    # WHEN it is called with no body at all, or an empty one
    answer = request("POST", f"{api}items", body=body, headers=with_key(deployed))
    # THEN API Gateway validates it as an empty object: the required property is missing
    assert answer.status == 400
    assert answer.json() == {"message": '[object has missing required properties (["name"])]'}
    assert functions.calls == []


@pytest.mark.parametrize("value", [None, ""], ids=["absent", "blank"])
def test_a_required_header_must_be_present_and_not_blank(
    api: str, deployed: Deployed, functions: FakeLambda, value: str | None
) -> None:
    # GIVEN PUT /items/{id} requires the X-Correlation-Id header
    headers = (
        with_key(deployed) if value is None else with_key(deployed, **{"X-Correlation-Id": value})
    )
    # WHEN it is called without it, or with it blank
    answer = request("PUT", f"{api}items/7", json_body={"name": "Lamp"}, headers=headers)
    # THEN API Gateway refuses it before the function runs
    assert answer.status == 400
    assert answer.json() == {"message": "Missing required request parameters: [X-Correlation-Id]"}
    assert functions.calls == []


def test_a_required_header_in_any_case_lets_the_request_through(
    api: str, deployed: Deployed, functions: FakeLambda
) -> None:
    # GIVEN PUT /items/{id} requires X-Correlation-Id WHEN it is sent (header names are
    # case-insensitive) THEN the function gets the request
    headers = with_key(deployed, **{"x-correlation-id": "c-1"})
    answer = request("PUT", f"{api}items/7", json_body={"name": "Lamp"}, headers=headers)
    assert answer.status == 200
    sent = {name.lower(): value for name, value in functions.last_event["headers"].items()}
    assert sent["x-correlation-id"] == "c-1"


# ---------------------------------------------------------------------------------------
# CORS, errors, timeouts, binary


def test_cors_preflight_is_answered_by_the_mock_integration(
    api: str, functions: FakeLambda
) -> None:
    # GIVEN the MOCK OPTIONS method WHEN a browser sends its preflight (no API key)
    answer = request(
        "OPTIONS",
        f"{api}items",
        headers={"Origin": "http://localhost", "Access-Control-Request-Method": "POST"},
    )
    # THEN the integration response's headers come back with its status
    assert answer.status == 204
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    assert answer.headers["Access-Control-Allow-Methods"] == "OPTIONS,GET,POST,DELETE"
    assert answer.headers["Access-Control-Allow-Headers"] == "Content-Type,X-Api-Key"
    assert answer.body == b""
    assert functions.calls == []


@pytest.mark.parametrize(
    ("payload", "function_error"),
    [
        (b'{"errorMessage": "boom", "errorType": "Exception"}', "Unhandled"),
        (b"not json", None),
        (b'{"statusCode": 200, "unexpected": true}', None),
        (b'{"body": "no status"}', None),
        (b'{"statusCode": 200, "body": {"not": "a string"}}', None),
    ],
)
def test_a_function_error_or_malformed_response_is_a_502(
    api: str, deployed: Deployed, functions: FakeLambda, payload: bytes, function_error: str | None
) -> None:
    # GIVEN a function that fails, or answers with something that is no proxy response
    functions.reply = lambda event: (payload, function_error)
    # WHEN it is called THEN API Gateway answers 502 with the DEFAULT_5XX headers
    answer = request("GET", f"{api}items/1", headers=with_key(deployed))
    assert answer.status == 502
    assert answer.json() == {"message": "Internal server error"}
    assert answer.headers["Access-Control-Allow-Origin"] == "*"


def test_the_integration_timeout_is_a_504(api: str, functions: FakeLambda) -> None:
    # GIVEN a function that does not answer within its integration's timeout (200 ms): it
    # runs until the test releases it (or 30 s pass)
    released, finished = threading.Event(), threading.Event()

    def slow(event: dict[str, Any]) -> tuple[bytes, str | None]:
        released.wait(30)
        finished.set()
        return proxy_reply(), None

    functions.reply = slow
    try:
        # WHEN it is called
        answer = request("GET", f"{api}slow")
        # THEN API Gateway answers 504 while the function is still running: it gave up
        # at the timeout instead of waiting for the function
        assert answer.status == 504
        assert answer.json() == {"message": "Endpoint request timed out"}
        assert not finished.is_set()
        assert functions.calls[-1][0] == SLOW_FUNCTION
    finally:
        released.set()


def test_a_binary_body_goes_base64_both_ways(api: str, functions: FakeLambda) -> None:
    # GIVEN an API with application/octet-stream as a binary media type, and a function that
    # echoes the body it got, base64-encoded
    def echo(event: dict[str, Any]) -> tuple[bytes, str | None]:
        reply = {
            "statusCode": 200,
            "headers": {"Content-Type": "application/octet-stream"},
            "body": event["body"],
            "isBase64Encoded": True,
        }
        return json.dumps(reply).encode(), None

    functions.reply = echo
    data = bytes(range(256)) * 4
    # WHEN bytes are posted
    answer = request(
        "POST",
        f"{api}files/blob.bin",
        body=data,
        headers={"Content-Type": "application/octet-stream", "Accept": "application/octet-stream"},
    )
    # THEN the function got them base64-encoded, and the client gets the bytes back
    event = functions.last_event
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == data
    assert answer.status == 200
    assert answer.body == data


def test_usage_plan_throttling_when_enforced(
    emulator: Emulator, deployed: Deployed, fake_lambda: FakeLambda
) -> None:
    # GIVEN a front door that enforces usage plans, and a plan allowing a burst of 2
    with FrontDoor(emulator=emulator, invoke=fake_lambda, port=0, enforce_usage_plans=True) as door:
        url = f"{door.api_url(deployed.api_id, 'test')}items/1"
        # WHEN three requests come at once THEN the third is throttled
        statuses = [request("GET", url, headers=with_key(deployed)).status for _ in range(3)]
        assert statuses == [200, 200, 429]
        assert request("GET", url, headers=with_key(deployed)).json() == {
            "message": "Too Many Requests"
        }


def test_keep_alive_serves_many_requests_on_one_connection(
    front_door: FrontDoor, deployed: Deployed, functions: FakeLambda
) -> None:
    # GIVEN one HTTP/1.1 connection WHEN three requests go over it
    connection = http.client.HTTPConnection("127.0.0.1", front_door.port, timeout=10)
    local_ports = set()
    try:
        for _ in range(3):
            connection.request(
                "GET", f"/{deployed.api_id}/test/items/1", headers=with_key(deployed)
            )
            response = connection.getresponse()
            response.read()
            # THEN each is answered and the server keeps the connection open
            assert response.status == 200
            assert response.getheader("Connection") == "keep-alive"
            assert connection.sock is not None
            local_ports.add(connection.sock.getsockname()[1])
    finally:
        connection.close()
    # AND all three went over the same TCP connection: http.client reconnects silently when
    # the server closes, and a new connection gets a new local port
    assert len(local_ports) == 1
    assert len(functions.calls) == 3


# ---------------------------------------------------------------------------------------
# Cognito authorizer


@pytest.fixture(scope="module")
def cognito_api(
    emulator: Emulator, front_door: FrontDoor
) -> tuple[str, dict[str, str], dict[str, Any]]:
    """An API whose GET /me needs a Cognito ID token (created through the API Gateway API:
    CloudFormation has no authorizer model yet); returns its URL, tokens and pool."""
    cognito = emulator.client("cognito-idp")
    pool = cognito.create_user_pool(PoolName=unique("users"))["UserPool"]
    client = cognito.create_user_pool_client(
        UserPoolId=pool["Id"], ClientName="web", ExplicitAuthFlows=["USER_PASSWORD_AUTH"]
    )["UserPoolClient"]
    cognito.admin_create_user(UserPoolId=pool["Id"], Username="ana", TemporaryPassword="Tmp-1234!")
    cognito.admin_set_user_password(
        UserPoolId=pool["Id"], Username="ana", Password="Secret-1234!", Permanent=True
    )
    tokens = cognito.initiate_auth(
        ClientId=client["ClientId"],
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "ana", "PASSWORD": "Secret-1234!"},
    )["AuthenticationResult"]
    apigateway = emulator.client("apigateway")
    api_id = apigateway.create_rest_api(name=unique("notes"))["id"]
    root = apigateway.get_resources(restApiId=api_id)["items"][0]["id"]
    me = apigateway.create_resource(restApiId=api_id, parentId=root, pathPart="me")["id"]
    authorizer = apigateway.create_authorizer(
        restApiId=api_id,
        name="users",
        type="COGNITO_USER_POOLS",
        providerARNs=[pool["Arn"]],
        identitySource="method.request.header.Authorization",
    )["id"]
    apigateway.put_method(
        restApiId=api_id,
        resourceId=me,
        httpMethod="GET",
        authorizationType="COGNITO_USER_POOLS",
        authorizerId=authorizer,
    )
    apigateway.put_integration(
        restApiId=api_id,
        resourceId=me,
        httpMethod="GET",
        type="AWS_PROXY",
        integrationHttpMethod="POST",
        uri=LAMBDA_URI.format(FUNCTION),
    )
    apigateway.create_deployment(restApiId=api_id, stageName="prod")
    return f"{front_door.api_url(api_id, 'prod')}me", tokens, pool


def test_a_cognito_authorizer_lets_valid_id_tokens_through(
    cognito_api: tuple[str, dict[str, str], dict[str, Any]], functions: FakeLambda
) -> None:
    url, tokens, pool = cognito_api
    # GIVEN a user's ID token WHEN it is sent in the Authorization header
    answer = request("GET", url, headers={"Authorization": tokens["IdToken"]})
    # THEN the function gets the token's claims, as strings
    assert answer.status == 200, answer.body
    claims = functions.last_event["requestContext"]["authorizer"]["claims"]
    assert claims["cognito:username"] == "ana"
    assert claims["token_use"] == "id"
    assert claims["iss"].endswith(pool["Id"])
    assert claims["exp"].endswith(time.strftime("%Y", time.gmtime()))


@pytest.mark.parametrize(
    "token", ["none", "access token", "garbage", "tampered", "unknown client", "expired"]
)
def test_a_cognito_authorizer_refuses_anything_else(
    cognito_api: tuple[str, dict[str, str], dict[str, Any]], functions: FakeLambda, token: str
) -> None:
    url, tokens, pool = cognito_api
    # Signed with the key moto signs every pool's tokens with, issued by this pool: to a client
    # the pool does not have, or already expired.
    signer = cognitoidp_backends[ACCOUNT_ID]["us-east-1"].user_pools[pool["Id"]]
    id_token = tokens["IdToken"]
    header, payload, signature = id_token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["cognito:username"] = "mallory"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    value = {
        "none": None,
        "access token": tokens["AccessToken"],  # no scopes on the method: ID tokens only
        "garbage": "not.a.jwt",
        "tampered": f"{header}.{forged}.{signature}",
        "unknown client": signer.create_jwt("not-a-client-of-the-pool", "ana", "id")[0],
        "expired": signer.create_jwt(claims["aud"], "ana", "id", expires_in=-60)[0],
    }[token]
    answer = request("GET", url, headers={"Authorization": value} if value else {})
    assert answer.status == 401
    expired = token == "expired"
    assert answer.json() == {
        "message": "The incoming token has expired" if expired else "Unauthorized"
    }
    assert functions.calls == []


# ---------------------------------------------------------------------------------------
# static sites


def site_get(front_door: FrontDoor, deployed: Deployed, path: str = "") -> Answer:
    return request("GET", f"{front_door.site_url(deployed.distribution_id)}{path}")


def test_the_site_serves_its_default_root_object_with_the_security_headers(
    front_door: FrontDoor, deployed: Deployed
) -> None:
    # GIVEN a distribution with index.html as default root object and a headers policy
    # WHEN its root is requested
    answer = site_get(front_door, deployed)
    # THEN index.html comes back with its type and the policy's headers
    assert answer.status == 200
    assert answer.body == b"<!doctype html><title>Items</title>"
    assert answer.headers["Content-Type"] == "text/html"
    assert answer.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert answer.headers["X-Frame-Options"] == "DENY"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    # AND the CSP lets the page reach the local API instead of the cloud one
    csp = answer.headers["Content-Security-Policy"]
    assert f"connect-src 'self' {front_door.url}/{deployed.api_id}/;" in csp
    assert "execute-api" not in csp


def test_the_site_config_names_the_local_api(front_door: FrontDoor, deployed: Deployed) -> None:
    # GIVEN config.json deployed with the API's cloud URL WHEN the page fetches it
    answer = site_get(front_door, deployed, "config.json")
    # THEN it names the local API stage, on the site's own origin
    assert answer.status == 200
    assert answer.headers["Content-Type"] == "application/json"
    assert answer.json() == {"apiUrl": front_door.api_url(deployed.api_id, "test")}
    assert answer.json()["apiUrl"].startswith(front_door.url)


def test_the_site_serves_binary_files_untouched(front_door: FrontDoor, deployed: Deployed) -> None:
    answer = site_get(front_door, deployed, "logo.png")
    assert answer.status == 200
    assert answer.headers["Content-Type"] == "image/png"
    assert answer.body == b"\x89PNG\r\n\x1a\n" + bytes(range(256))


def test_the_site_answers_like_cloudfront_over_s3_otherwise(
    front_door: FrontDoor, deployed: Deployed
) -> None:
    # GIVEN a missing object THEN S3 (through origin access control) says 403
    assert site_get(front_door, deployed, "missing.html").status == 403
    # GIVEN the site URL without its trailing slash THEN a redirect adds it
    connection = http.client.HTTPConnection("localhost", front_door.port, timeout=10)
    connection.request("GET", f"/_cdn/{deployed.distribution_id}")
    response = connection.getresponse()
    response.read()
    assert response.status == 301
    assert response.getheader("Location") == f"/_cdn/{deployed.distribution_id}/"
    # GIVEN the ETag of a file WHEN it is asked for again with it THEN 304
    etag = site_get(front_door, deployed, "config.json").headers["ETag"]
    connection.request(
        "GET", f"/_cdn/{deployed.distribution_id}/config.json", headers={"If-None-Match": etag}
    )
    response = connection.getresponse()
    response.read()
    assert response.status == 304
    connection.close()


def test_local_url_maps_cloud_urls(front_door: FrontDoor, deployed: Deployed) -> None:
    # GIVEN stack outputs naming cloud URLs WHEN mapped THEN they name the local ones
    assert front_door.local_url(deployed.cloud_api_url) == front_door.api_url(
        deployed.api_id, "test"
    )
    assert front_door.local_url(deployed.cloud_site_url) == front_door.site_url(
        deployed.distribution_id
    )
    assert front_door.local_url("some-table-name") == "some-table-name"
    assert urlsplit(front_door.url).hostname == "localhost"


def test_bucket_urls_in_pages_name_the_emulator(front_door: FrontDoor) -> None:
    # GIVEN a page's CSP naming an uploads bucket's virtual-hosted URLs (regional and global)
    csp = (
        "connect-src 'self' https://up-1.s3.us-east-1.amazonaws.com "
        "https://up-1.s3.amazonaws.com https://up-1.s3.amazonaws.com/key/a.jpg;"
    )
    # WHEN served locally THEN they name the bucket's path-style URL on the emulator, which is
    # where the SDK's presigned POSTs point locally
    endpoint = front_door.emulator.endpoint
    assert front_door.rewrite_text(csp) == (
        f"connect-src 'self' {endpoint}/up-1 {endpoint}/up-1 {endpoint}/up-1/key/a.jpg;"
    )


def test_the_root_lists_what_is_served(front_door: FrontDoor, deployed: Deployed) -> None:
    index = request("GET", f"{front_door.url}/").json()
    assert {
        "apiId": deployed.api_id,
        "stage": "test",
        "url": front_door.api_url(deployed.api_id, "test"),
    } in index["apis"]
    assert deployed.distribution_id in [site["distributionId"] for site in index["sites"]]
