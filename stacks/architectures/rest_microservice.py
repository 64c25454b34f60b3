"""The seed's RESTful microservice as one reusable construct: a user interface (S3 + CloudFront)
calls a REST API (API Gateway, API keys), whose function keeps the business logic and stores
items in DynamoDB."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import Duration
from aws_cdk import aws_apigateway as apigw
from constructs import Construct

from ..constructs.data_table import DataTable
from ..constructs.function_alarms import FunctionAlarms
from ..constructs.hardening import Hardening
from ..constructs.json_schema import load_json_schema
from ..constructs.keyed_rest_api import ApiLimits, KeyedRestApi
from ..constructs.python_function import LAMBDAS_DIR, PythonFunction
from ..constructs.static_site import StaticSite

WEB_DIR = Path(__file__).resolve().parents[2] / "web" / "items"
SCHEMAS = LAMBDAS_DIR / "items" / "schemas"


class RestMicroservice(Construct):
    """Items CRUD behind a keyed REST API, with its table, function, alarms and UI.

    Exposes ``table``, ``api`` (a :class:`KeyedRestApi`: ``url``, ``api_key``), ``handler``
    and ``site`` (``url`` of the UI) for the stack's outputs and further wiring.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        hardening: Hardening,
        limits: ApiLimits | None = None,
        max_duration: Duration | None = None,
        site_label: str = "items",
    ) -> None:
        super().__init__(scope, construct_id)
        self.table = DataTable(self, "Items", partition_key="id", hardening=hardening).table
        self.api = KeyedRestApi(
            self,
            "ItemsApi",
            description="Items REST microservice",
            # Any origin may call: the API key, not the browser's origin, is the credential,
            # and there are no cookies to protect. The UI's CSP allows calls to this API only.
            allowed_origins=apigw.Cors.ALL_ORIGINS,
            limits=limits or ApiLimits(),
            hardening=hardening,
        )
        self.handler = PythonFunction(
            self,
            "ItemsHandler",
            package="items",
            description="CRUD for /items: validates, applies the rules, talks to DynamoDB",
            service_name="items",
            metrics_namespace="ServerlessReference",
            hardening=hardening,
            memory_size=512,
            timeout=Duration.seconds(10),
            environment={"TABLE_NAME": self.table.table_name},
            synchronous_only=True,
            shared_packages=["json_api"],
        )
        self.table.grant_read_write_data(self.handler.function)
        FunctionAlarms(
            self,
            "Alarms",
            function=self.handler.function,
            max_duration=max_duration or Duration.seconds(3),
        )
        self._add_routes(apigw.LambdaIntegration(self.handler.function, allow_test_invoke=False))
        self.site = StaticSite(
            self,
            "Ui",
            source_dir=WEB_DIR,
            config={"apiUrl": self.api.url, "apiKeyId": self.api.api_key.key_id},
            connect_sources=[self.api.origin],
            hardening=hardening,
            host_label=site_label,
        )

    def _add_routes(self, integration: apigw.Integration) -> None:
        api = self.api

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
