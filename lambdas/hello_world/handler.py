"""The seed's "Hola Mundo" tutorial: a function that greets whoever the event names."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

MAX_NAME_LENGTH = 100

logger = Logger()
metrics = Metrics()


class InvalidGreetingRequest(ValueError):
    """The event is not a greeting request; Lambda reports it as errorType/errorMessage."""


def greeting_for(event: Any) -> str:
    if not isinstance(event, dict):
        raise InvalidGreetingRequest('the event must be a JSON object, e.g. {"name": "Ada"}')
    name = event.get("name", "world")
    if not isinstance(name, str) or not 1 <= len(name.strip()) <= MAX_NAME_LENGTH:
        raise InvalidGreetingRequest(f"name must be a string of 1-{MAX_NAME_LENGTH} characters")
    return f"Hello, {name.strip()}!"


@logger.inject_lambda_context
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: Any, context: Any) -> dict[str, str]:
    message = greeting_for(event)
    metrics.add_metric(name="Greetings", unit=MetricUnit.Count, value=1)
    logger.info("greeted", extra={"greeting": message})
    return {"message": message}
