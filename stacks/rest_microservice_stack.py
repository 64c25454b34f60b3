"""The seed's RESTful microservice: user interface (S3 + CloudFront) -> API Gateway -> Lambda ->
DynamoDB."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Stack
from constructs import Construct

from .architectures import RestMicroservice
from .stage_config import StageConfig


class RestMicroserviceStack(Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, config: StageConfig, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        service = RestMicroservice(
            self,
            "Items",
            hardening=config.hardening,
            limits=config.api_limits,
            max_duration=config.alarm_duration,
        )
        CfnOutput(self, "ApiUrl", value=service.api.url)
        CfnOutput(self, "ApiKeyId", value=service.api.api_key.key_id)
        CfnOutput(self, "TableName", value=service.table.table_name)
        CfnOutput(self, "UiUrl", value=service.site.url)
