"""EventBridge target of the order tracker: every event of the catalogue, added to its order's
history as it arrives; the order's outcome (OrderConfirmed, OrderCancelled) is published once
decided. A malformed event or one naming an unknown order raises: Lambda retries it, then
sends it with the error to the function's dead-letter queue."""

from __future__ import annotations

import os
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from ..events import EventPublisher, parse_event
from .orders_table import OrdersTable
from .tracking import TRACKED, OrderTracker

logger = Logger()
metrics = Metrics()
tracker = OrderTracker(
    OrdersTable(os.environ["ORDERS_TABLE"], boto3.client("dynamodb")),
    EventPublisher(os.environ["EVENT_BUS_NAME"], boto3.client("events")),
)


@logger.inject_lambda_context(correlation_id_path="detail.metadata.correlationId")
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    shop_event = parse_event(event, accept=TRACKED)
    tracked = tracker.record(shop_event)
    order = tracked.order
    logger.info(
        f"{shop_event.detail_type} {'was already recorded' if tracked.duplicate else 'recorded'}",
        orderId=order.order_id,
        eventId=shop_event.event_id,
        status=order.status,
    )
    if not tracked.duplicate:
        metrics.add_metric(name="OrderEventsRecorded", unit=MetricUnit.Count, value=1)
    return {"orderId": order.order_id, "status": order.status, "duplicate": tracked.duplicate}
