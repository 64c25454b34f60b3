"""The seed's "Hola Mundo" tutorial as a stack: one function, its test event, metrics, alarms."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Duration, Stack
from constructs import Construct

from .constructs.dead_letter_queue import DeadLetterQueue
from .constructs.function_alarms import FunctionAlarms
from .constructs.python_function import PowertoolsLayer, PythonFunction
from .stage_config import StageConfig


class HelloWorldStack(Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, config: StageConfig, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        # Asynchronous invocations that fail every retry land here (the seed's "DLQ errors").
        failed = DeadLetterQueue(
            self,
            "FailedGreetings",
            purpose="the hello-world function's asynchronous invocations",
            removal_policy=config.removal_policy,
        )
        hello = PythonFunction(
            self,
            "Hello",
            package="hello_world",
            description="Returns a greeting for the event's name (the seed's tutorial)",
            layer=PowertoolsLayer(self, "Powertools"),
            service_name="hello-world",
            metrics_namespace="ServerlessReference",
            log_retention=config.log_retention,
            removal_policy=config.removal_policy,
            memory_size=128 + 64,
            timeout=Duration.seconds(5),
            dead_letter_queue=failed.queue,
        )
        FunctionAlarms(
            self,
            "Alarms",
            function=hello.function,
            max_duration=Duration.millis(config.alarm_duration_ms),
        )
        CfnOutput(self, "FunctionName", value=hello.function.function_name)
