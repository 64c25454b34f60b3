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
from moto import mock_aws

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


@dataclass(frozen=True)
class FakeLambdaContext:
    """The attributes Powertools' Logger and Metrics read from a real Lambda context."""

    function_name: str = "items-api"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:items-api"
    aws_request_id: str = "c6af9ac6-7b61-11e6-9a41-93e812345678"
    log_group_name: str = "/aws/lambda/items-api"
    log_stream_name: str = "2024/01/01/[$LATEST]abcdef"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def _resource_for(path: str) -> str:
    """The API Gateway resource template a path was routed through (``/<collection>/{id}``,
    or the path itself)."""
    parts = path.split("/")
    if len(parts) == 3 and parts[2]:
        return f"/{parts[1]}/{{id}}"
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
    claims: dict[str, str] | None = None,
) -> dict[str, Any]:
    """An API Gateway REST (v1) Lambda proxy event, shaped like the ones the service receives;
    ``claims``: what a Cognito authorizer passed on from the caller's token."""
    resource = _resource_for(path)
    path_parameters = {"id": path.split("/")[2]} if resource.endswith("/{id}") else None
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
            **({"authorizer": {"claims": claims}} if claims is not None else {}),
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


def fresh_module(module: str) -> ModuleType:
    """``module`` imported, or reloaded if it was: its module-level clients and settings are
    made again, inside the current mock and environment. Only that module is reloaded;
    Powertools, boto3 and the models stay imported, so the exception classes a handler maps to
    status codes keep their identity."""
    if module in sys.modules:
        return importlib.reload(sys.modules[module])
    return importlib.import_module(module)


@contextmanager
def mocked_aws_context(
    module: str = "items.handler", environment: dict[str, str] = AWS_ENVIRONMENT
) -> Iterator[MockedAws]:
    """Fake credentials, a moto mock, and a handler module whose client was built inside it."""
    with pytest.MonkeyPatch.context() as patch, mock_aws():
        for name, value in environment.items():
            patch.setenv(name, value)
        yield MockedAws(fresh_module(module), boto3.client("dynamodb", region_name=REGION))


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
    return fresh_module("hello_world.handler")


# --- the notes handler (web application) ------------------------------------------------

NOTES_TABLE = "notes-test"
WEB_CLIENT_ID = "web-client-id"
NOTES_ENVIRONMENT = {
    **AWS_ENVIRONMENT,
    "TABLE_NAME": NOTES_TABLE,
    "POWERTOOLS_SERVICE_NAME": "notes",
    "ALLOWED_ORIGINS": ORIGIN,
    "APP_CLIENT_IDS": WEB_CLIENT_ID,
}


def claims_of(user: str, **overrides: str) -> dict[str, str]:
    """The claims API Gateway's Cognito authorizer passes on from a user's access token (every
    value a string), for the web app's client unless ``overrides`` say otherwise."""
    claims = {
        "sub": user,
        "iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_TEST",
        "client_id": WEB_CLIENT_ID,
        "origin_jti": str(uuid.uuid4()),
        "event_id": str(uuid.uuid4()),
        "token_use": "access",
        "scope": "aws.cognito.signin.user.admin",
        "auth_time": "Mon Jan 01 00:00:00 UTC 2024",
        "exp": "Mon Jan 01 01:00:00 UTC 2024",
        "iat": "Mon Jan 01 00:00:00 UTC 2024",
        "jti": str(uuid.uuid4()),
        "username": user,
    }
    claims.update(overrides)
    return claims


class NotesApi:
    """Invokes the notes handler as API Gateway does behind its Cognito authorizer: each request
    carries the claims of one user's access token."""

    def __init__(self, module: ModuleType, dynamodb: Any) -> None:
        self.module = module
        self.dynamodb = dynamodb
        self.context = FakeLambdaContext(function_name="notes-api")

    def request(
        self,
        method: str,
        path: str,
        *,
        user: str = "ana",
        claims: dict[str, str] | None = None,
        json_body: Any = None,
        body: str | None = None,
        query: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> ApiResponse:
        if json_body is not None:
            body = json.dumps(json_body)
        event = api_event(
            method,
            path,
            body=body,
            query=query,
            headers=headers,
            api_key_id=None,
            claims=claims_of(user) if claims is None else claims,
        )
        raw = self.module.lambda_handler(event, self.context)
        text = raw.get("body") or ""
        return ApiResponse(
            status=raw["statusCode"],
            headers=_flat_headers(raw),
            body=json.loads(text) if text else None,
            raw=raw,
        )

    def create(self, user: str = "ana", **fields: Any) -> dict[str, Any]:
        response = self.request("POST", "/notes", user=user, json_body={"title": "t", **fields})
        assert response.status == 201, response.body
        return response.body

    def stored(self, user: str, note_id: str) -> dict[str, Any] | None:
        answer = self.dynamodb.get_item(
            TableName=NOTES_TABLE,
            Key={"userId": {"S": user}, "noteId": {"S": note_id}},
            ConsistentRead=True,
        )
        return answer.get("Item")


@pytest.fixture(scope="session")
def access_claims() -> Any:
    """``claims_of(user, **overrides)``: an access token's claims, as the authorizer passes them."""
    return claims_of


@pytest.fixture(scope="module")
def notes_aws() -> Iterator[MockedAws]:
    with mocked_aws_context("notes.handler", NOTES_ENVIRONMENT) as aws:
        yield aws


@pytest.fixture
def notes_api(notes_aws: MockedAws) -> Iterator[NotesApi]:
    """The notes handler in front of a fresh, empty table shaped like the stack's."""
    notes_aws.dynamodb.create_table(
        TableName=NOTES_TABLE,
        AttributeDefinitions=[
            {"AttributeName": "userId", "AttributeType": "S"},
            {"AttributeName": "noteId", "AttributeType": "S"},
        ],
        KeySchema=[
            {"AttributeName": "userId", "KeyType": "HASH"},
            {"AttributeName": "noteId", "KeyType": "RANGE"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    try:
        yield NotesApi(notes_aws.handler, notes_aws.dynamodb)
    finally:
        notes_aws.dynamodb.delete_table(TableName=NOTES_TABLE)


# -- the registration workflow's functions ----------------------------------------------


REGISTRATIONS_TABLE = "registrations-test"
PASS_THROUGH = {"StartAt": "Wait", "States": {"Wait": {"Type": "Pass", "End": True}}}


@dataclass
class RegistrationsApi:
    """The registration functions, loaded inside a moto mock with their key, table and state
    machine (one that starts and does nothing: the tests here judge the functions)."""

    handler: ModuleType
    card_check: ModuleType
    dni_check: ModuleType
    email_check: ModuleType
    state_machine: str
    card_key: str
    kms: Any
    stepfunctions: Any
    dynamodb: Any
    context: FakeLambdaContext
    table: str = REGISTRATIONS_TABLE

    def request(self, method: str, path: str, body: Any = None, raw: str | None = None) -> Any:
        text = raw if raw is not None else (json.dumps(body) if body is not None else None)
        answer = self.handler.lambda_handler(api_event(method, path, body=text), self.context)
        return answer["statusCode"], json.loads(answer["body"]) if answer["body"] else None

    def execution(self, registration_id: str) -> dict[str, Any]:
        arn = self.state_machine.replace(":stateMachine:", ":execution:") + ":" + registration_id
        return dict(self.stepfunctions.describe_execution(executionArn=arn))

    def executions(self) -> list[dict[str, Any]]:
        answer = self.stepfunctions.list_executions(stateMachineArn=self.state_machine)
        return list(answer["executions"])


@pytest.fixture(scope="module")
def registrations() -> Iterator[RegistrationsApi]:
    with (
        pytest.MonkeyPatch.context() as patch,
        mock_aws(
            # The state machine is started, never run: what runs it is the local cloud's business
            # (and an emulator of the same process may have turned execution on).
            config={"stepfunctions": {"execute_state_machine": False}}
        ),
    ):
        for name, value in AWS_ENVIRONMENT.items():
            patch.setenv(name, value)
        kms = boto3.client("kms", region_name=REGION)
        card_key = kms.create_key(Description="card numbers")["KeyMetadata"]["Arn"]
        id_key = kms.create_key(KeyUsage="GENERATE_VERIFY_MAC", KeySpec="HMAC_256")
        stepfunctions = boto3.client("stepfunctions", region_name=REGION)
        machine = stepfunctions.create_state_machine(
            name="registrations",
            definition=json.dumps(PASS_THROUGH),
            roleArn="arn:aws:iam::123456789012:role/registrations",
        )["stateMachineArn"]
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        dynamodb.create_table(
            TableName=REGISTRATIONS_TABLE,
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "registrationId", "AttributeType": "S"},
            ],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            GlobalSecondaryIndexes=[
                {
                    "IndexName": "byRegistration",
                    "KeySchema": [{"AttributeName": "registrationId", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "ALL"},
                }
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        for name, value in {
            "TABLE_NAME": REGISTRATIONS_TABLE,
            "STATE_MACHINE_ARN": machine,
            "CARD_KEY_ID": card_key,
            "ID_KEY_ID": id_key["KeyMetadata"]["Arn"],
            "DISPOSABLE_EMAIL_DOMAINS": "mailinator.com, yopmail.com",
            "POWERTOOLS_SERVICE_NAME": "registrations",
            # The tests read what the functions log (no card data, no DNI).
            "POWERTOOLS_LOG_LEVEL": "INFO",
        }.items():
            patch.setenv(name, value)
        yield RegistrationsApi(
            handler=fresh_module("registrations.handler"),
            card_check=fresh_module("registrations.card_check"),
            dni_check=fresh_module("registrations.dni_check"),
            email_check=fresh_module("registrations.email_check"),
            state_machine=machine,
            card_key=card_key,
            kms=kms,
            stepfunctions=stepfunctions,
            dynamodb=dynamodb,
            context=FakeLambdaContext(function_name="registrations"),
        )
