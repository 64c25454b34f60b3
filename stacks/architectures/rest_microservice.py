"""The seed's RESTful microservice as one reusable construct: a user interface (S3 + CloudFront)
calls a REST API (API Gateway, API keys), whose function keeps the business logic and stores
items in DynamoDB."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import Duration
from aws_cdk import aws_apigateway as apigw
from constructs import Construct

from ..constructs.crud_handler import crud_handler
from ..constructs.data_table import DataTable
from ..constructs.hardening import Hardening
from ..constructs.keyed_rest_api import ApiLimits, KeyedRestApi
from ..constructs.static_site import StaticSite

WEB_DIR = Path(__file__).resolve().parents[2] / "web" / "items"


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
        self.handler = crud_handler(
            self,
            "ItemsHandler",
            package="items",
            kind="item",
            description="CRUD for /items: validates, applies the rules, talks to DynamoDB",
            api=self.api,
            table=self.table,
            hardening=hardening,
            max_duration=max_duration,
        )
        self.site = StaticSite(
            self,
            "Ui",
            source_dir=WEB_DIR,
            config={"apiUrl": self.api.url, "apiKeyId": self.api.api_key.key_id},
            connect_sources=[self.api.origin],
            hardening=hardening,
            host_label=site_label,
        )
