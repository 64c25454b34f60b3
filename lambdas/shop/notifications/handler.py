"""EventBridge target of the notifications service. The rules' input transformers turn
OrderConfirmed and OrderCancelled into one notification request; the customer's message is
published once per order (Powertools idempotency, kept in DynamoDB for as long as the archive
can replay the event), and CustomerNotified tells the bus."""

from __future__ import annotations

import os
import warnings
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)

from ..events import EventPublisher, target_input
from .messages import compose

logger = Logger()
metrics = Metrics()
warnings.filterwarnings("ignore", message="No application metrics to publish")
validate_request = target_input("NotificationRequest")
sns = boto3.client("sns")
topic_arn = os.environ["NOTIFICATION_TOPIC_ARN"]
publisher = EventPublisher(os.environ["EVENT_BUS_NAME"], boto3.client("events"))
idempotency = IdempotencyConfig(
    event_key_jmespath="orderId",
    payload_validation_jmespath="kind",
    expires_after_seconds=int(os.environ["IDEMPOTENCY_TTL_SECONDS"]),
)
persistence = DynamoDBPersistenceLayer(table_name=os.environ["IDEMPOTENCY_TABLE"])


@idempotent_function(
    data_keyword_argument="request", persistence_store=persistence, config=idempotency
)
def send(request: dict[str, Any]) -> dict[str, str]:
    """Publish the customer's message; on a repeated request, the first answer again."""
    message = compose(request)
    answer = sns.publish(
        TopicArn=topic_arn,
        Subject=message.subject,
        Message=message.text,
        MessageAttributes={
            name: {"DataType": "String", "StringValue": value}
            for name, value in message.attributes.items()
        },
    )
    metrics.add_metric(name="CustomersNotified", unit=MetricUnit.Count, value=1)
    return {"messageId": str(answer["MessageId"])}


@logger.inject_lambda_context(correlation_id_path="correlationId")
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, str]:
    idempotency.register_lambda_context(context)
    request = validate_request(event)
    sent: dict[str, str] = send(request=request)
    publisher.publish(
        "CustomerNotified",
        {"orderId": request["orderId"], "kind": request["kind"], "messageId": sent["messageId"]},
        correlation_id=request["correlationId"],
    )
    logger.info("customer notified", orderId=request["orderId"], messageId=sent["messageId"])
    return sent
