"""Fixtures for the handler tests: a moto-backed items table, API Gateway events, a Lambda context.

The items handler builds its DynamoDB client when it is imported, so the module is (re)loaded
inside an active ``mock_aws`` (once per test module): its client then talks to moto, never to
AWS. Each test gets a fresh table in that mock.
"""

from __future__ import annotations

import base64
import importlib
import json
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import boto3
import pytest
from lambda_context import FakeLambdaContext
from moto import mock_aws
from shop_world import ShopWorld, shop_world

REGION = "us-east-1"
TABLE_NAME = "items-test"
ACCOUNT_ID = "123456789012"
API_KEY_ID = "key-alpha"
ORIGIN = "https://app.example.com"

# Never AWS: fake credentials and a fixed region, set before any client exists.
AWS_ENVIRONMENT = {
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "TABLE_NAME": TABLE_NAME,
    "POWERTOOLS_SERVICE_NAME": "items",
    "POWERTOOLS_METRICS_NAMESPACE": "ServerlessReference",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
}


def _resource_for(path: str) -> str:
    """The API Gateway resource template a path was routed through."""
    parts = path.split("/")
    if len(parts) == 3 and parts[1] == "items" and parts[2]:
        return "/items/{id}"
    return path


def api_event(
    method: str,
    path: str,
    *,
    body: str | None = None,
    query: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    api_key_id: str | None = API_KEY_ID,
    is_base64_encoded: bool = False,
    stage: str = "dev",
) -> dict[str, Any]:
    """An API Gateway REST (v1) Lambda proxy event, shaped like the ones the service receives."""
    resource = _resource_for(path)
    path_parameters = {"id": path.split("/")[2]} if resource == "/items/{id}" else None
    request_id = str(uuid.uuid4())
    all_headers = {
        "Accept": "application/json",
        "Content-Type": "application/json",
        "Host": "abc123.execute-api.us-east-1.amazonaws.com",
        "User-Agent": "pytest",
        "X-Amzn-Trace-Id": "Root=1-5e1b4151-5ac6c58f5b1e2a6c3a4d2e1f",
        "X-Forwarded-For": "203.0.113.7",
        "X-Forwarded-Port": "443",
        "X-Forwarded-Proto": "https",
        "x-api-key": "secret-api-key-value",
        **(headers or {}),
    }
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": all_headers,
        "multiValueHeaders": {name: [value] for name, value in all_headers.items()},
        "queryStringParameters": query or None,
        "multiValueQueryStringParameters": (
            {name: [value] for name, value in query.items()} if query else None
        ),
        "pathParameters": path_parameters,
        "stageVariables": None,
        "requestContext": {
            "accountId": ACCOUNT_ID,
            "apiId": "abc123",
            "resourceId": "r35ouc",
            "resourcePath": resource,
            "httpMethod": method,
            "path": f"/{stage}{path}",
            "protocol": "HTTP/1.1",
            "stage": stage,
            "domainName": "abc123.execute-api.us-east-1.amazonaws.com",
            "domainPrefix": "abc123",
            "requestId": request_id,
            "extendedRequestId": request_id,
            "requestTime": "01/Jan/2024:00:00:00 +0000",
            "requestTimeEpoch": 1704067200000,
            "identity": {
                "apiKey": "secret-api-key-value",
                "apiKeyId": api_key_id,
                "sourceIp": "203.0.113.7",
                "userAgent": "pytest",
                "accessKey": None,
                "accountId": None,
                "caller": None,
                "cognitoIdentityId": None,
                "cognitoIdentityPoolId": None,
                "user": None,
                "userArn": None,
            },
        },
        "body": body,
        "isBase64Encoded": is_base64_encoded,
    }


@dataclass(frozen=True)
class ApiResponse:
    status: int
    headers: dict[str, str]
    body: Any  # the parsed JSON body, or None when the body is empty
    raw: dict[str, Any]


def _flat_headers(response: dict[str, Any]) -> dict[str, str]:
    headers = dict(response.get("headers") or {})
    for name, values in (response.get("multiValueHeaders") or {}).items():
        headers[name] = ",".join(values)
    return headers


class ItemsApi:
    """Invokes the items handler the way API Gateway does, and reads the table behind it."""

    table_name = TABLE_NAME
    api_key_id = API_KEY_ID
    origin = ORIGIN

    def __init__(self, module: ModuleType, dynamodb: Any) -> None:
        self.module = module
        self.dynamodb = dynamodb
        self.context = FakeLambdaContext()

    def invoke(self, event: dict[str, Any]) -> dict[str, Any]:
        return self.module.lambda_handler(event, self.context)

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        body: str | None = None,
        query: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        api_key_id: str | None = API_KEY_ID,
        is_base64_encoded: bool = False,
    ) -> ApiResponse:
        if json_body is not None:
            body = json.dumps(json_body)
        raw = self.invoke(
            api_event(
                method,
                path,
                body=body,
                query=query,
                headers=headers,
                api_key_id=api_key_id,
                is_base64_encoded=is_base64_encoded,
            )
        )
        text = raw.get("body") or ""
        if raw.get("isBase64Encoded"):
            text = base64.b64decode(text).decode()
        return ApiResponse(
            status=raw["statusCode"],
            headers=_flat_headers(raw),
            body=json.loads(text) if text else None,
            raw=raw,
        )

    def create(self, **fields: Any) -> dict[str, Any]:
        """Creates an item through the API; fails the test unless the API answers 201."""
        response = self.request("POST", "/items", json_body={"name": "widget", **fields})
        assert response.status == 201, response.body
        return response.body

    def stored(self, item_id: str) -> dict[str, Any] | None:
        """The raw DynamoDB record, read with boto3 directly (not through the service)."""
        answer = self.dynamodb.get_item(
            TableName=TABLE_NAME, Key={"id": {"S": item_id}}, ConsistentRead=True
        )
        return answer.get("Item")

    def stored_count(self) -> int:
        return self.dynamodb.scan(TableName=TABLE_NAME, Select="COUNT")["Count"]


@dataclass(frozen=True)
class MockedAws:
    handler: ModuleType  # items.handler, loaded while the mock was active
    dynamodb: Any  # a boto3 DynamoDB client for the tests' own reads and writes


@contextmanager
def mocked_aws_context() -> Iterator[MockedAws]:
    """Fake credentials, a moto mock, and a handler module whose client was built inside it."""
    with pytest.MonkeyPatch.context() as patch, mock_aws():
        for name, value in AWS_ENVIRONMENT.items():
            patch.setenv(name, value)
        # Only the thin handler module is reloaded; Powertools, boto3 and items.models stay
        # imported, so the exception classes the handler maps to status codes keep their identity.
        if "items.handler" in sys.modules:
            handler = importlib.reload(sys.modules["items.handler"])
        else:
            handler = importlib.import_module("items.handler")
        yield MockedAws(handler, boto3.client("dynamodb", region_name=REGION))


@contextmanager
def items_table(aws: MockedAws) -> Iterator[ItemsApi]:
    """An empty items table, shaped like the stack's (key ``id``, on-demand), dropped afterwards."""
    aws.dynamodb.create_table(
        TableName=TABLE_NAME,
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    try:
        yield ItemsApi(aws.handler, aws.dynamodb)
    finally:
        aws.dynamodb.delete_table(TableName=TABLE_NAME)


# Starting a mock resets boto3's default session, and building clients on a new session costs
# about 0.1 s each; one mock per module and one table per test keeps tests isolated and fast.
@pytest.fixture(scope="module")
def mocked_aws() -> Iterator[MockedAws]:
    with mocked_aws_context() as aws:
        yield aws


@pytest.fixture
def items_api(mocked_aws: MockedAws) -> Iterator[ItemsApi]:
    """The items handler in front of a fresh, empty table."""
    with items_table(mocked_aws) as api:
        yield api


@pytest.fixture(scope="module")
def shared_items_api(mocked_aws: MockedAws) -> Iterator[ItemsApi]:
    """One table for a whole module: property tests keep it across their examples."""
    with items_table(mocked_aws) as api:
        yield api


@pytest.fixture(scope="session")
def make_api_event() -> Any:
    """The event builder, for tests that shape raw events themselves."""
    return api_event


@pytest.fixture
def lambda_context() -> FakeLambdaContext:
    return FakeLambdaContext(
        function_name="hello-world",
        invoked_function_arn=f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:hello-world",
    )


@pytest.fixture
def hello_world(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """The hello_world handler module, loaded with the Powertools settings Lambda would have.

    Metrics reads its namespace when the module is imported, so the module is (re)loaded after
    the environment is set.
    """
    for name in ("POWERTOOLS_METRICS_NAMESPACE", "POWERTOOLS_LOG_LEVEL"):
        monkeypatch.setenv(name, AWS_ENVIRONMENT[name])
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "hello-world")
    if "hello_world.handler" in sys.modules:
        return importlib.reload(sys.modules["hello_world.handler"])
    return importlib.import_module("hello_world.handler")


@pytest.fixture(scope="module")
def shop() -> Iterator[ShopWorld]:
    """The shop's tables, bus, topic and queues on moto, with its handlers loaded (one world
    per test module: tests use their own order and product ids)."""
    with shop_world() as world:
        yield world
