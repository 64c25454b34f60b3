"""The seed's web application: a single-page app on S3 + CloudFront, users in Cognito, and a
REST API with a Cognito authorizer over Lambda and DynamoDB, per user."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Stack
from constructs import Construct

from .architectures import WebApplication
from .stage_config import StageConfig


class WebAppStack(Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, config: StageConfig, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        app = WebApplication(
            self,
            "Notes",
            hardening=config.hardening,
            limits=config.api_limits,
            max_duration=config.alarm_duration,
            password_sign_in=config.password_sign_in,
        )
        CfnOutput(self, "WebUrl", value=app.site.url)
        CfnOutput(self, "WebApiUrl", value=app.api.url)
        CfnOutput(self, "UserPoolId", value=app.users.pool.user_pool_id)
        CfnOutput(self, "UserPoolClientId", value=app.users.client.user_pool_client_id)
        CfnOutput(self, "NotesTableName", value=app.table.table_name)
