"""The seed's "Hola Mundo" tutorial as a stack: one function, its test event, metrics, alarms."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Stack
from constructs import Construct

from .architectures import HelloWorld
from .stage_config import StageConfig


class HelloWorldStack(Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, config: StageConfig, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        hello = HelloWorld(
            self, "HelloWorld", hardening=config.hardening, max_duration=config.alarm_duration
        )
        CfnOutput(self, "FunctionName", value=hello.function.function_name)
