"""One Python function with a layer, as this project's functions have one, and a table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aws_cdk import CfnOutput, RemovalPolicy, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

APP = Path(__file__).resolve().parents[1]


class GreeterStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        guests = dynamodb.Table(
            self,
            "Guests",
            partition_key=dynamodb.Attribute(name="name", type=dynamodb.AttributeType.STRING),
            removal_policy=RemovalPolicy.DESTROY,
        )
        greeter = lambda_.Function(
            self,
            "Greeter",
            runtime=lambda_.Runtime.PYTHON_3_12,
            handler="greeter.handler.lambda_handler",
            code=lambda_.Code.from_asset(str(APP / "lambdas"), exclude=["**/__pycache__"]),
            layers=[
                lambda_.LayerVersion(
                    self, "Style", code=lambda_.Code.from_asset(str(APP / "layer"))
                )
            ],
            environment={"GREETING_STYLE": "plain", "TABLE_NAME": guests.table_name},
        )
        CfnOutput(self, "FunctionName", value=greeter.function_name)
        CfnOutput(self, "TableName", value=guests.table_name)
