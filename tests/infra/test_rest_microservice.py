"""The REST microservice: API keys, limits, validation, logs, tracing, and its data store."""

from __future__ import annotations

import json
from pathlib import Path

from aws_cdk.assertions import Match, Template

from .conftest import Assembly

SCHEMAS = Path(__file__).resolve().parents[2] / "lambdas" / "items" / "schemas"


def methods(template: Template) -> list[dict]:
    return [m["Properties"] for m in template.find_resources("AWS::ApiGateway::Method").values()]


def test_every_method_but_cors_preflight_requires_an_api_key(rest: Template) -> None:
    all_methods = methods(rest)
    verbs = {m["HttpMethod"] for m in all_methods}
    assert {"GET", "POST", "PUT", "DELETE", "OPTIONS"} <= verbs
    for method in all_methods:
        if method["HttpMethod"] == "OPTIONS":
            assert not method.get("ApiKeyRequired", False)
        else:
            assert method["ApiKeyRequired"] is True, method


def test_usage_plan_throttles_and_caps_each_key(rest: Template) -> None:
    rest.has_resource_properties(
        "AWS::ApiGateway::UsagePlan",
        {
            "Throttle": {"RateLimit": 20, "BurstLimit": 40},
            "Quota": {"Limit": 10000, "Period": "DAY"},
            "ApiStages": [Match.object_like({"Stage": Match.any_value()})],
        },
    )
    rest.resource_count_is("AWS::ApiGateway::ApiKey", 1)
    rest.resource_count_is("AWS::ApiGateway::UsagePlanKey", 1)


def test_post_and_put_validate_bodies_against_the_shared_schemas(rest: Template) -> None:
    for verb, schema_file in (("POST", "item_create.json"), ("PUT", "item_update.json")):
        [method] = [m for m in methods(rest) if m["HttpMethod"] == verb]
        assert "RequestValidatorId" in method
        model_ref = method["RequestModels"]["application/json"]["Ref"]
        model = rest.to_json()["Resources"][model_ref]["Properties"]
        expected = json.loads((SCHEMAS / schema_file).read_text())
        assert model["Schema"]["required"] == expected["required"]
        assert model["Schema"]["properties"]["name"] == expected["properties"]["name"]
        assert model["Schema"]["additionalProperties"] is False
    rest.has_resource_properties(
        "AWS::ApiGateway::RequestValidator",
        {"ValidateRequestBody": True, "ValidateRequestParameters": True},
    )


def test_invalid_bodies_are_answered_with_the_validator_message(rest: Template) -> None:
    rest.has_resource_properties(
        "AWS::ApiGateway::GatewayResponse",
        {
            "ResponseType": "BAD_REQUEST_BODY",
            "ResponseTemplates": {
                "application/json": Match.string_like_regexp("validationErrorString")
            },
        },
    )


def test_stage_writes_json_access_logs_traces_and_throttles(rest: Template) -> None:
    [stage] = rest.find_resources("AWS::ApiGateway::Stage").values()
    props = stage["Properties"]
    assert props["TracingEnabled"] is True
    log_format = json.loads(props["AccessLogSetting"]["Format"])
    assert {"requestId", "apiKeyId", "status", "httpMethod"} <= set(log_format)
    assert props["AccessLogSetting"]["DestinationArn"]
    [settings] = props["MethodSettings"]
    assert settings["ThrottlingRateLimit"] == 20
    assert settings["ThrottlingBurstLimit"] == 40


def test_api_is_regional_and_answers_cors_preflight(rest: Template) -> None:
    rest.has_resource_properties(
        "AWS::ApiGateway::RestApi", {"EndpointConfiguration": {"Types": ["REGIONAL"]}}
    )
    preflight = [m for m in methods(rest) if m["HttpMethod"] == "OPTIONS"]
    assert len(preflight) >= 3  # /, /items, /items/{id}


def test_table_is_on_demand_encrypted_and_recoverable(rest: Template) -> None:
    rest.has_resource_properties(
        "AWS::DynamoDB::Table",
        {
            "BillingMode": "PAY_PER_REQUEST",
            "SSESpecification": {"SSEEnabled": True},
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
            "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        },
    )


def test_dev_destroys_data_with_the_stack_and_prod_retains_it(
    rest: Template, prod: Assembly
) -> None:
    rest.has_resource("AWS::DynamoDB::Table", {"DeletionPolicy": "Delete"})
    prod_template = prod.template("RestMicroservice")
    prod_template.has_resource(
        "AWS::DynamoDB::Table",
        {
            "DeletionPolicy": "Retain",
            "Properties": Match.object_like({"DeletionProtectionEnabled": True}),
        },
    )
    for bucket in prod_template.find_resources("AWS::S3::Bucket").values():
        assert bucket["DeletionPolicy"] == "Retain"
    prod_template.resource_count_is("Custom::S3AutoDeleteObjects", 0)


def test_handler_may_only_use_its_table(rest: Template) -> None:
    # GIVEN every IAM statement that allows DynamoDB actions
    [table_id] = rest.find_resources("AWS::DynamoDB::Table")
    dynamodb_statements = [
        statement
        for policy in rest.find_resources("AWS::IAM::Policy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if any(str(action).startswith("dynamodb:") for action in statement["Action"])
    ]
    # THEN there is one, and it names the items table and nothing else
    assert len(dynamodb_statements) == 1
    resources = dynamodb_statements[0]["Resource"]
    resources = resources if isinstance(resources, list) else [resources]
    table_arn = {"Fn::GetAtt": [table_id, "Arn"]}
    assert table_arn in resources
    assert all(r in (table_arn, {"Ref": "AWS::NoValue"}) for r in resources), resources


def test_outputs_are_the_documented_interface(rest: Template) -> None:
    for output in ("ApiUrl", "ApiKeyId", "TableName", "UiUrl"):
        rest.has_output(output, {})
