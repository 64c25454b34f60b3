"""EventBridge target of the payments service: OrderPlaced (charge) and OrderCancelled
(refund). A malformed event raises: Lambda retries it, then sends it with the error to the
function's dead-letter queue."""

from __future__ import annotations

import os
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from ..events import EventPublisher, parse_event
from .logic import HANDLED, Payments
from .payments_table import PaymentsTable

logger = Logger()
metrics = Metrics()
payments = Payments(
    PaymentsTable(os.environ["PAYMENTS_TABLE"], boto3.client("dynamodb")),
    EventPublisher(os.environ["EVENT_BUS_NAME"], boto3.client("events")),
)


@logger.inject_lambda_context(correlation_id_path="detail.metadata.correlationId")
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, str]:
    shop_event = parse_event(event, accept=HANDLED)
    outcome = payments.handle(shop_event)
    logger.info(
        f"{shop_event.detail_type}: {outcome}",
        orderId=shop_event.order_id,
        eventId=shop_event.event_id,
        replayName=shop_event.replay_name,
    )
    metrics.add_metric(name=f"{shop_event.detail_type}Handled", unit=MetricUnit.Count, value=1)
    return {"orderId": shop_event.order_id, "outcome": outcome}
