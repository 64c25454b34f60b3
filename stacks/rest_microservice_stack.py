"""The seed's RESTful microservice: user interface (S3 + CloudFront) -> API Gateway -> Lambda ->
DynamoDB."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aws_cdk import CfnOutput, Duration, Stack
from aws_cdk import aws_apigateway as apigw
from constructs import Construct

from .constructs.data_table import DataTable
from .constructs.function_alarms import FunctionAlarms
from .constructs.json_schema import load_json_schema
from .constructs.keyed_rest_api import KeyedRestApi
from .constructs.python_function import LAMBDAS_DIR, PowertoolsLayer, PythonFunction
from .constructs.static_site import StaticSite
from .stage_config import StageConfig

WEB_DIR = Path(__file__).resolve().parents[1] / "web" / "items"
SCHEMAS = LAMBDAS_DIR / "items" / "schemas"


class RestMicroserviceStack(Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, config: StageConfig, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        items = DataTable(
            self, "Items", partition_key="id", removal_policy=config.removal_policy
        ).table

        api = KeyedRestApi(
            self,
            "ItemsApi",
            description="Items REST microservice",
            # Any origin may call: the API key, not the browser's origin, is the credential,
            # and there are no cookies to protect. The UI's CSP allows calls to this API only.
            allowed_origins=apigw.Cors.ALL_ORIGINS,
            rate_limit=config.api_rate_limit,
            burst_limit=config.api_burst_limit,
            quota_per_day=config.api_quota_per_day,
            log_retention=config.log_retention,
            removal_policy=config.removal_policy,
        )
        handler = PythonFunction(
            self,
            "ItemsHandler",
            package="items",
            description="CRUD for /items: validates, applies the rules, talks to DynamoDB",
            layer=PowertoolsLayer(self, "Powertools"),
            service_name="items",
            metrics_namespace="ServerlessReference",
            log_retention=config.log_retention,
            removal_policy=config.removal_policy,
            memory_size=512,
            timeout=Duration.seconds(10),
            environment={"TABLE_NAME": items.table_name},
            acknowledgements=[
                (
                    "Serverless-LambdaDLQ",
                    "Invoked synchronously by API Gateway only: failures return to the caller",
                ),
                (
                    "Serverless-LambdaAsyncFailureDestination",
                    "Invoked synchronously by API Gateway only: failures return to the caller",
                ),
            ],
        )
        items.grant_read_write_data(handler.function)
        FunctionAlarms(
            self,
            "Alarms",
            function=handler.function,
            max_duration=Duration.millis(config.alarm_duration_ms),
        )

        self._add_routes(api, apigw.LambdaIntegration(handler.function, allow_test_invoke=False))

        site = StaticSite(
            self,
            "Ui",
            source_dir=WEB_DIR,
            config={"apiUrl": api.url, "apiKeyId": api.api_key.key_id},
            connect_sources=[api.origin],
            removal_policy=config.removal_policy,
            log_retention=config.log_retention,
        )

        CfnOutput(self, "ApiUrl", value=api.url)
        CfnOutput(self, "ApiKeyId", value=api.api_key.key_id)
        CfnOutput(self, "TableName", value=items.table_name)
        CfnOutput(self, "UiUrl", value=f"https://{site.distribution.distribution_domain_name}/")

    @staticmethod
    def _add_routes(api: KeyedRestApi, integration: apigw.Integration) -> None:
        def model(name: str) -> dict[str, apigw.IModel]:
            schema = load_json_schema(SCHEMAS / f"{name}.json")
            return {"application/json": api.api.add_model(name, schema=schema)}

        validator = api.validator
        items = api.api.root.add_resource("items")
        item = items.add_resource("{id}")
        path_id = {"method.request.path.id": True}
        items.add_method(
            "GET",
            integration,
            request_validator=validator,
            request_parameters={
                "method.request.querystring.limit": False,
                "method.request.querystring.cursor": False,
            },
        )
        items.add_method(
            "POST", integration, request_validator=validator, request_models=model("item_create")
        )
        item.add_method("GET", integration, request_validator=validator, request_parameters=path_id)
        item.add_method(
            "PUT",
            integration,
            request_validator=validator,
            request_parameters=path_id,
            request_models=model("item_update"),
        )
        item.add_method(
            "DELETE",
            integration,
            request_validator=validator,
            request_parameters={**path_id, "method.request.querystring.version": False},
        )
