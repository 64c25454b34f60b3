"""The seed's "Hola Mundo" tutorial as a reusable construct: one function, its metrics and
alarms, and a dead-letter queue for the asynchronous invocations that fail."""

from __future__ import annotations

from aws_cdk import Duration
from constructs import Construct

from ..constructs.dead_letter_queue import DeadLetterQueue
from ..constructs.function_alarms import FunctionAlarms
from ..constructs.hardening import Hardening
from ..constructs.python_function import PythonFunction


class HelloWorld(Construct):
    """Greets the event's ``name``. Exposes ``function`` and ``dead_letter_queue``."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        hardening: Hardening,
        max_duration: Duration | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        # Asynchronous invocations that fail every retry land here (the seed's "DLQ errors").
        self.dead_letter_queue = DeadLetterQueue(
            self,
            "FailedGreetings",
            purpose="the hello-world function's asynchronous invocations",
            hardening=hardening,
        ).queue
        self.function = PythonFunction(
            self,
            "Hello",
            package="hello_world",
            description="Returns a greeting for the event's name (the seed's tutorial)",
            service_name="hello-world",
            metrics_namespace="ServerlessReference",
            hardening=hardening,
            memory_size=128 + 64,
            timeout=Duration.seconds(5),
            dead_letter_queue=self.dead_letter_queue,
        ).function
        FunctionAlarms(
            self,
            "Alarms",
            function=self.function,
            max_duration=max_duration or Duration.seconds(3),
        )
